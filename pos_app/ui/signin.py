"""Sign-in (staff number + PIN, also the lock screen) and opening the till with a float."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from pos_app.i18n import LANGUAGES, _
from pos_app.ui.widgets import Keypad, button, label, parse_money


class CardPage(QWidget):
    """A page with one card in the middle: a big title, a line under it, then the page's fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("signInCard")
        card.setFixedWidth(520)
        self.box = QVBoxLayout(card)
        self.box.setContentsMargins(32, 28, 32, 28)
        self.box.setSpacing(12)
        self.title = label("", "bigTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = label("", "muted", wrap=True)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.title)
        self.box.addWidget(self.subtitle)
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(card)
        column.addStretch(1)
        outer.addLayout(column)
        outer.addStretch(1)


class SignInPage(CardPage):
    """Staff number and PIN with a keypad. Used to start a shift, to unlock and to switch cashier."""

    sign_in = Signal(int, str)
    language_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = self.box
        self.staff_field = QLineEdit()
        self.staff_field.setObjectName("staffNumber")
        self.staff_field.setMaxLength(8)
        self.pin_field = QLineEdit()
        self.pin_field.setObjectName("pin")
        self.pin_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_field.setMaxLength(8)
        self.error = label("", "panelError", wrap=True)
        self.keypad = Keypad(target=self.staff_field)
        self.keypad.enter.connect(self._enter)
        self.staff_field.returnPressed.connect(self._next)
        self.pin_field.returnPressed.connect(self._submit)
        for field in (self.staff_field, self.pin_field):
            field.installEventFilter(self)
        languages = QHBoxLayout()
        self.language_buttons = {}
        for code, name in LANGUAGES.items():
            b = button(name, "", lambda _c=False, code=code: self.language_chosen.emit(code))
            self.language_buttons[code] = b
            languages.addWidget(b)
        self.staff_label = label("", "cardTitle")
        self.pin_label = label("", "cardTitle")
        box.addWidget(self.staff_label)
        box.addWidget(self.staff_field)
        box.addWidget(self.pin_label)
        box.addWidget(self.pin_field)
        box.addWidget(self.error)
        box.addWidget(self.keypad)
        box.addLayout(languages)
        self.locked_by: str = ""
        self.retranslate()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == event.Type.FocusIn and watched in (self.staff_field, self.pin_field):
            self.keypad.target = watched
        return False

    def retranslate(self) -> None:
        self.title.setText(_("Sign in"))
        self.subtitle.setText(
            _("Locked by {name}. Enter a staff number and PIN to continue.").format(name=self.locked_by)
            if self.locked_by
            else _("Enter your staff number and PIN")
        )
        self.staff_label.setText(_("Staff number"))
        self.pin_label.setText(_("PIN"))
        self.keypad.ok.setText(_("Sign in"))

    def reset(self, locked_by: str = "") -> None:
        self.locked_by = locked_by
        self.staff_field.clear()
        self.pin_field.clear()
        self.error.clear()
        self.retranslate()
        self.staff_field.setFocus()
        self.keypad.target = self.staff_field

    def _next(self) -> None:
        self.pin_field.setFocus()
        self.keypad.target = self.pin_field

    def _enter(self) -> None:
        if self.keypad.target is self.staff_field and not self.pin_field.text():
            self._next()
        else:
            self._submit()

    def _submit(self) -> None:
        number = self.staff_field.text().strip()
        if not number.isdigit():
            self.error.setText(_("Enter your staff number"))
            self.staff_field.setFocus()
            return
        if not self.pin_field.text():
            self.error.setText(_("Enter your PIN"))
            self._next()
            return
        self.error.clear()
        self.sign_in.emit(int(number), self.pin_field.text())
        self.pin_field.clear()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.pin_field.setFocus()
        self.keypad.target = self.pin_field


class OpenTillPage(CardPage):
    """The till is closed: count the float into the drawer and open it."""

    open_till = Signal(object)  # Money
    sign_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = self.box
        self.amount = QLineEdit()
        self.amount.setObjectName("floatAmount")
        self.amount.returnPressed.connect(self._submit)
        self.error = label("", "panelError", wrap=True)
        self.keypad = Keypad(target=self.amount)
        self.keypad.enter.connect(self._submit)
        self.back = button("", "", self.sign_out.emit)
        box.addWidget(self.amount)
        box.addWidget(self.error)
        box.addWidget(self.keypad)
        box.addWidget(self.back)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Open the till"))
        self.subtitle.setText(_("Count the float into the drawer and enter the amount."))
        self.amount.setPlaceholderText(_("Float, e.g. 500"))
        self.keypad.ok.setText(_("Open"))
        self.back.setText(_("Sign out"))

    def reset(self) -> None:
        self.amount.clear()
        self.error.clear()
        self.amount.setFocus()

    def _submit(self) -> None:
        value = parse_money(self.amount.text())
        if value is None or value.minor < 0:
            self.error.setText(_("Enter the float as an amount, e.g. 500 or 500.00"))
            return
        self.error.clear()
        self.open_till.emit(value)
