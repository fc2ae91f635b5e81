"""The customer display as a second window (a monitor facing the customer), implementing
:class:`hardware.customer_display.CustomerDisplay` like the serial pole displays do.

- :class:`CustomerDisplayWindow` is the widget: the item just rung up, the total in large figures, the
  amount to pay with a payment QR code when there is one, the change. GUI thread only.
- :class:`QtCustomerDisplay` is the :class:`~hardware.customer_display.CustomerDisplay` the till uses: its
  methods may be called from any thread (the checkout's worker) and reach the window through a queued
  signal on the GUI thread.
"""

from __future__ import annotations

import io

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from hardware.customer_display import LABELS, CustomerDisplay, CustomerScreen, ScreenKind
from pos_app.domain.money import Money
from pos_app.i18n import N_, translator


def qr_pixmap(data: str, size: int) -> QPixmap:
    """A crisp QR code of ``data`` about ``size`` pixels wide."""
    import qrcode

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    modules = code.modules_count + 4
    code.box_size = max(2, size // modules)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


#: The smallest customer display window: its total and the item line stay readable.
MIN_SIZE = (640, 480)

STYLE = """
CustomerDisplayWindow, QLabel { background: #ffffff; color: #202020; }
#cdHeader { font-size: 26px; font-weight: 700; }
#cdTitle { font-size: 36px; }
#cdDetail { font-size: 26px; color: #4b5563; }
#cdAmount { font-size: 36px; }
#cdTotalCaption { font-size: 30px; }
#cdTotal { font-size: 76px; font-weight: 700; }
#cdQrCaption { font-size: 26px; }
#cdMessage { font-size: 32px; }
"""


class CustomerDisplayWindow(QWidget):
    """What the customer sees. Runs on the GUI thread."""

    def __init__(
        self,
        store_name: str = "",
        language: str = "zh_CN",
        *,
        qr_size: int = 260,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tr = translator(language)
        self.setWindowTitle(store_name or self._tr(N_("Customer display")))
        self.store_name = store_name
        self.language = language
        self.qr_size = qr_size
        self.screen_shown: CustomerScreen | None = None

        self.header = self._label("cdHeader")
        self.title = self._label("cdTitle")
        self.detail = self._label("cdDetail")
        self.amount = self._label("cdAmount")
        self.total_caption = self._label("cdTotalCaption")
        self.total = self._label("cdTotal")
        self.qr = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.qr_caption = self._label("cdQrCaption")
        self.message = self._label("cdMessage")
        layout = QVBoxLayout(self)
        for widget in (
            self.header,
            self.title,
            self.detail,
            self.amount,
            self.total_caption,
            self.total,
            self.qr,
            self.qr_caption,
            self.message,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        # its own sizes: the till's style sheet sets 15 px on every widget, far too small for a
        # customer a step away (a widget's own style sheet wins over the application's)
        self.setStyleSheet(STYLE)
        # the cashier's keys stay with the till: this window never takes the focus
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowFlag(Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setMinimumSize(*MIN_SIZE)
        self.show_screen(CustomerScreen(ScreenKind.WELCOME, title=store_name))

    def _label(self, name: str) -> QLabel:
        label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        return label

    def _text(self, key: str) -> str:
        return self._tr(LABELS[key])

    def show_screen(self, screen: CustomerScreen) -> None:
        """Show ``screen``. GUI thread only (other threads use :class:`QtCustomerDisplay`)."""
        self.screen_shown = screen
        for label in (self.title, self.detail, self.amount, self.total_caption, self.total, self.qr_caption):
            label.clear()
        self.message.clear()
        self.qr.clear()
        self.header.setText(self.store_name)
        kind = screen.kind
        if kind is ScreenKind.WELCOME:
            self.title.setText(self._text("welcome"))
            self.header.setText(screen.title or self.store_name)
        elif kind is ScreenKind.ITEM:
            self.title.setText(screen.title)
            self.detail.setText(screen.detail)
            self.amount.setText(_money(screen.amount))
            self._total(self._text("total"), screen.total)
        elif kind is ScreenKind.TOTAL:
            self._total(self._text("total"), screen.total)
            if screen.due is not None and screen.due != screen.total:
                self.message.setText(f"{self._text('to_pay')}  {_money(screen.due)}")
        elif kind is ScreenKind.PAYMENT:
            self._total(self._text("to_pay"), screen.due)
            if screen.qr_data:
                self.qr.setPixmap(qr_pixmap(screen.qr_data, self.qr_size))
                self.qr_caption.setText(screen.qr_caption or self._text("scan_to_pay"))
        elif kind is ScreenKind.CHANGE:
            self.title.setText(f"{self._text('paid')}  {_money(screen.paid)}")
            self._total(self._text("change"), screen.change)
            self.message.setText(self._text("thanks"))
        else:
            self.title.setText(self._text("closed"))

    def _total(self, caption: str, value: Money | None) -> None:
        self.total_caption.setText(caption)
        self.total.setText(_money(value))

    def show_on_customer_screen(self) -> bool:
        """Full screen on the second monitor when there is one (True); else a window big enough to
        read from a step away (two thirds of the screen, at least ``MIN_SIZE``), beside the till's."""
        screens = QGuiApplication.screens()
        if len(screens) < 2:
            available = screens[0].availableGeometry() if screens else None
            width, height = MIN_SIZE
            if available is not None:
                width = min(max(width, available.width() * 2 // 3), available.width())
                height = min(max(height, available.height() * 2 // 3), available.height())
            self.resize(width, height)
            self.show()
            return False
        self.setScreen(screens[1])
        self.move(screens[1].geometry().topLeft())
        self.showFullScreen()
        return True


def _money(value: Money | None) -> str:
    return "" if value is None else f"¥{value.plain()}"


class _Bridge(QObject):
    screen = Signal(object)


class QtCustomerDisplay(CustomerDisplay):
    """:class:`~hardware.customer_display.CustomerDisplay` for :class:`CustomerDisplayWindow`.

    Create it on the GUI thread; call it from any thread: updates are queued to the window.
    """

    def __init__(self, window: CustomerDisplayWindow, *, store_payment_qr: str = "") -> None:
        super().__init__(store_payment_qr=store_payment_qr)
        self.window = window
        self._bridge = _Bridge()
        self._bridge.screen.connect(window.show_screen, Qt.ConnectionType.QueuedConnection)

    def show(self, screen: CustomerScreen) -> None:
        self.last_screen = screen
        self._bridge.screen.emit(screen)

    def close(self) -> None:
        self.window.close()
