"""Small widgets shared by the till's pages: buttons, keypad, message bar, in-window panels, sounds.

All run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

import resources
from pos_app.domain.money import Money
from pos_app.i18n import _


def button(
    text: str = "", kind: str = "", slot: Callable[[], None] | None = None, name: str = ""
) -> QPushButton:
    b = QPushButton(text)
    if kind:
        b.setProperty("kind", kind)
    if name:
        b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch buttons never steal the scanner's focus
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    b.setMinimumHeight(48)
    if slot is not None:
        b.clicked.connect(slot)
    return b


#: Height of a touch target: buttons, fields, and each choice in a drop-down list.
TOUCH_HEIGHT = 48


def choice(name: str = "") -> QComboBox:
    """A drop-down for touch: the box and each item in its list at least ``TOUCH_HEIGHT`` high (a
    QListView as its list, so the style sheet's item height applies; the default one ignores it)."""
    combo = QComboBox()
    if name:
        combo.setObjectName(name)
    combo.setView(QListView(combo))
    combo.setMinimumHeight(TOUCH_HEIGHT)
    return combo


def label(text: str = "", name: str = "", wrap: bool = False) -> QLabel:
    widget = QLabel(text)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    return widget


def parse_money(text: str, currency: str = "CNY") -> Money | None:
    """What a cashier typed as an amount (``12``, ``12.5``, ``12.50``, ``¥12``), or None."""
    cleaned = text.strip().replace("¥", "").replace(",", "").replace("，", "").replace("。", ".")
    if not cleaned:
        return None
    try:
        return Money.of(cleaned, currency)
    except (ValueError, ArithmeticError):
        return None


class Keypad(QWidget):
    """A touch keypad that types into the line edit that has (or last had) focus."""

    pressed = Signal(str)
    enter = Signal()

    KEYS = ("7", "8", "9", "4", "5", "6", "1", "2", "3", "0", "00", ".")
    KEY_HEIGHT = 54

    def __init__(
        self, parent: QWidget | None = None, target: QLineEdit | None = None, enter_text: str = ""
    ) -> None:
        super().__init__(parent)
        self.target = target
        grid = QGridLayout(self)
        grid.setSpacing(6)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, key in enumerate(self.KEYS):
            b = button(key, "key", lambda _checked=False, k=key: self._press(k))
            b.setMinimumHeight(
                self.KEY_HEIGHT
            )  # the layout must know; a style sheet min-height alone overlaps
            grid.addWidget(b, i // 3, i % 3)
        self.back = button("⌫", "key", lambda: self._press("back"))
        self.clear = button("C", "key", lambda: self._press("clear"))
        for b in (self.back, self.clear):
            b.setMinimumHeight(self.KEY_HEIGHT)
        grid.addWidget(self.back, 0, 3)
        grid.addWidget(self.clear, 1, 3)
        self.ok = button(enter_text or "↵", "primary", self.enter.emit)
        self.ok.setMinimumHeight(self.KEY_HEIGHT * 2 + 6)
        grid.addWidget(self.ok, 2, 3, 2, 1)

    def _press(self, key: str) -> None:
        target = self.target
        if target is not None:
            if key == "back":
                target.backspace()
            elif key == "clear":
                target.clear()
            else:
                target.insert(key)
            target.setFocus()
        self.pressed.emit(key)


class MessageBar(QLabel):
    """The one line where the cashier reads what just happened (scan results, refusals, warnings)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message")
        self.setWordWrap(True)
        self.setProperty("kind", "none")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.fade)

    def show_message(self, text: str, kind: str = "info", seconds: float = 0) -> None:
        self.setText(text)
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        if seconds:
            self._timer.start(int(seconds * 1000))
        else:
            self._timer.stop()

    def fade(self) -> None:
        self.show_message("", "none")

    @property
    def kind(self) -> str:
        return str(self.property("kind"))


class Panel(QFrame):
    """An in-window panel for a task (quantity, approval, payment ...): no modal dialog blocks the till.

    ``accepted`` fires with the primary button or Enter; ``cancelled`` with the secondary button or Esc.
    ``initial_focus`` is the field the keys typed next belong to (the phone number after F3, the
    quantity after F4); without one the panel itself takes the focus (Enter and Esc still work).
    """

    accepted = Signal()
    cancelled = Signal()

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(10)
        self.initial_focus: QWidget | None = None
        self.title = label(title, "panelTitle", wrap=True)
        outer.addWidget(self.title)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        outer.addLayout(self.body, 1)
        self.error = label("", "panelError", wrap=True)
        outer.addWidget(self.error)
        row = QHBoxLayout()
        self.secondary = button(_("Cancel"), "", self.cancel)
        self.primary = button(_("OK"), "primary", self.accept)
        row.addWidget(self.secondary)
        row.addWidget(self.primary)
        outer.addLayout(row)
        self.buttons = row  # a panel with a third action puts it between the two
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            self,
            self.cancel,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

    def take_focus(self) -> None:
        (self.initial_focus or self).setFocus()

    def accept(self) -> None:
        self.error.clear()
        self.accepted.emit()

    def cancel(self) -> None:
        self.error.clear()
        self.cancelled.emit()

    def fail(self, text: str) -> None:
        self.error.setText(text)

    def keyPressEvent(self, event) -> None:
        # A line edit has already acted on its own Enter (returnPressed) and passes the key on:
        # acting again here would submit twice.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(
            self.focusWidget(), QLineEdit
        ):
            self.accept()
            return
        super().keyPressEvent(event)


class Sounds:
    """Good/bad scan sounds (QtMultimedia); silent where the machine has no audio device."""

    def __init__(self, enabled: bool = True) -> None:
        self._effects = {}
        self.enabled = enabled
        self.played: list[str] = []
        if not enabled:
            return
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:  # QtMultimedia missing: the till works without sound
            return
        for name in ("good", "bad", "done"):
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(resources.path("sound", f"{name}.wav"))))
            effect.setVolume(0.6)
            self._effects[name] = effect

    def play(self, name: str) -> None:
        self.played.append(name)
        effect = self._effects.get(name)
        if effect is not None and self.enabled:
            effect.play()
