"""The settings screen: the languages, for anyone; the till's devices and the store's options, which a
supervisor approves. Every field is a setting declared once in ``pos_app.config`` (its description is
the hint under the field); device changes take effect at once (``TillWindow.reconfigure_devices``).

Runs on the GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pos_app import config
from pos_app.config import ConfigVar
from pos_app.i18n import LANGUAGES, N_, _
from pos_app.ui.widgets import TOUCH_HEIGHT, Panel, choice, label

#: The sections of the screen and their settings. The first one is anyone's; the others need
#: ``Permission.DEVICE_SETTINGS``.
LANGUAGES_SECTION = (N_("Languages"), (config.LANGUAGE, config.RECEIPT_LANGUAGE))
DEVICE_SECTIONS = (
    (N_("Receipt printer"), (config.PRINTER_KIND, config.PRINTER_CONNECTION, config.PRINTER_WIDTH_MM)),
    (N_("Barcode readers"), (config.SCANNER_KIND, config.SCANNER_PORT, config.SCANNER_LAYOUT)),
    (N_("Camera"), (config.CAMERA_SOURCE,)),
    (N_("Customer display"), (config.DISPLAY_KIND, config.DISPLAY_PORT, config.DISPLAY_LANGUAGE)),
    (N_("Payment devices"), (config.PAYMENT_TERMINAL, config.PAYMENT_GATEWAY, config.PAYMENT_OFFER_QR)),
)
OPTIONS_SECTION = (
    N_("Store options"),
    (config.PAYMENT_CASH_CONFIRM_ABOVE, config.SALE_OPEN_PRICE, config.SALE_OPEN_PRICE_MAX),
)
SECTIONS = (LANGUAGES_SECTION, *DEVICE_SECTIONS, OPTIONS_SECTION)

#: Settings whose change means building the devices again.
DEVICE_KEYS = frozenset(var.key for _title, variables in DEVICE_SECTIONS for var in variables)
#: Settings anyone may change.
OPEN_KEYS = frozenset(var.key for var in LANGUAGES_SECTION[1])

#: The field's name on the screen (its ConfigVar description is the hint underneath).
FIELD_NAMES = {
    config.LANGUAGE.key: N_("Screen language"),
    config.RECEIPT_LANGUAGE.key: N_("Receipt language"),
    config.PRINTER_KIND.key: N_("Printer"),
    config.PRINTER_CONNECTION.key: N_("Connection"),
    config.PRINTER_WIDTH_MM.key: N_("Paper width (mm)"),
    config.SCANNER_KIND.key: N_("Reader"),
    config.SCANNER_PORT.key: N_("Serial port"),
    config.SCANNER_LAYOUT.key: N_("Keyboard layout"),
    config.CAMERA_SOURCE.key: N_("Camera"),
    config.DISPLAY_KIND.key: N_("Display"),
    config.DISPLAY_PORT.key: N_("Serial port"),
    config.DISPLAY_LANGUAGE.key: N_("Language"),
    config.PAYMENT_TERMINAL.key: N_("Card terminal"),
    config.PAYMENT_GATEWAY.key: N_("WeChat Pay / Alipay"),
    config.PAYMENT_OFFER_QR.key: N_("Offer a QR code"),
    config.PAYMENT_CASH_CONFIRM_ABOVE.key: N_("Confirm change above (¥)"),
    config.SALE_OPEN_PRICE.key: N_("Goods without a barcode"),
    config.SALE_OPEN_PRICE_MAX.key: N_("Their highest price (¥)"),
}

#: The words a choice is shown with (the value itself when it has none).
CHOICE_NAMES = {
    "none": N_("None"),
    "network": N_("Network"),
    "serial": N_("Serial port"),
    "usb": N_("USB"),
    "file": N_("Device file"),
    "text": N_("Text file"),
    "fake": N_("Training (no device)"),
    "wedge": N_("Keyboard wedge"),
    "both": N_("Keyboard wedge and serial"),
    "window": N_("Window (second screen)"),
    "simulator": N_("Simulator (training)"),
    "auto": N_("Automatic"),
    "us": N_("US"),
    "azerty": N_("French (AZERTY)"),
    "qwertz": N_("German (QWERTZ)"),
}


def choice_name(value: Any) -> str:
    if isinstance(value, str) and value in LANGUAGES:
        return LANGUAGES[value]
    name = CHOICE_NAMES.get(value) if isinstance(value, str) else None
    return _(name) if name else str(value)


class SettingsPanel(Panel):
    """The settings, as fields built from their ConfigVars. ``save`` carries {key: value as entered}
    (the window checks each with its ConfigVar, asks a supervisor when needed, and applies it)."""

    save = Signal(dict)

    def __init__(
        self, values: dict[str, Any], info: str = "", data_folder: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Settings"), parent)
        self.fields: dict[str, QWidget] = {}
        self.variables: dict[str, ConfigVar] = {}
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        content.setObjectName("settingsContent")
        columns = QHBoxLayout(content)
        columns.setSpacing(24)
        half = (len(SECTIONS) + 1) // 2
        for part in (SECTIONS[:half], SECTIONS[half:]):
            form = QFormLayout()  # one per column: its fields line up
            form.setVerticalSpacing(4)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            for title, variables in part:
                form.addRow(label(_(title), "settingsSection"))
                for var in variables:
                    name = label(_(FIELD_NAMES[var.key]), "settingsName")
                    form.addRow(name, self._field(var, values.get(var.key, var.default)))
            column = QVBoxLayout()
            column.addLayout(form)
            column.addStretch(1)
            columns.addLayout(column, 1)
        scroll.setWidget(content)
        self.body.addWidget(scroll, 1)
        self.note = label(
            _(
                "Anyone may change the languages; devices and store options need a supervisor. "
                "Changed devices work at once."
            ),
            "muted",
            wrap=True,
        )
        self.body.addWidget(self.note)
        if info:
            self.body.addWidget(label(info, "muted", wrap=True))
        if data_folder:
            self.note.setToolTip(_("Data in {folder}").format(folder=data_folder))
        self.primary.setText(_("Save"))
        self.accepted.connect(lambda: self.save.emit(self.values()))

    def _field(self, var: ConfigVar, value: Any) -> QWidget:
        """The field of one setting with its description under it."""
        if var.choices is not None:
            widget: QWidget = choice(var.key)
            for option in var.choices:
                widget.addItem(choice_name(option), option)
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif var.type_ is bool:
            widget = QCheckBox(_("Yes"))
            widget.setObjectName(var.key)
            widget.setChecked(bool(value))
            widget.setMinimumHeight(TOUCH_HEIGHT)
            # only as wide as its box and word: a touch anywhere on it ticks it
            widget.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        else:
            widget = QLineEdit("" if value is None else str(value))
            widget.setObjectName(var.key)
        self.fields[var.key] = widget
        self.variables[var.key] = var
        cell = QWidget()
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 6)
        box.setSpacing(2)
        box.addWidget(widget)
        hint = label(_(var.description), "hint", wrap=True)
        hint.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        box.addWidget(hint)
        return cell

    def values(self) -> dict[str, Any]:
        """What each field holds now (text as typed: the ConfigVar checks it)."""
        values: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QCheckBox):
                values[key] = widget.isChecked()
            elif isinstance(widget, QLineEdit):
                values[key] = widget.text().strip()
            else:
                values[key] = widget.currentData()
        return values

    # convenience for tests and the window: the language drop-downs by name
    @property
    def language(self):
        return self.fields[config.LANGUAGE.key]

    @property
    def receipt_language(self):
        return self.fields[config.RECEIPT_LANGUAGE.key]


def changed_settings(settings: config.Settings, entered: dict[str, Any]) -> dict[ConfigVar, Any]:
    """The settings whose entered value differs from the current one, checked by their ConfigVar;
    raises ``ValueError`` naming the field of the first that is not valid."""
    registry = config.registry()
    changes: dict[ConfigVar, Any] = {}
    for key, raw in entered.items():
        var = registry[key]
        try:
            value = var.coerce(int(raw) if isinstance(raw, str) and var.type_ is int else raw)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                _("{field}: “{value}” is not possible here").format(field=_(FIELD_NAMES[key]), value=raw)
            ) from exc
        if value != settings.get(var):
            changes[var] = value
    return changes
