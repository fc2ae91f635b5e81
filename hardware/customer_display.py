"""The display facing the customer: what is being rung up, the total, what to pay (with a payment QR
code when the store offers one) and the change.

:class:`CustomerDisplay` is the interface the till calls (from any thread; it never blocks the caller).
Implementations:

- :class:`PoleDisplay`: a two-line serial pole display (2 x 20 characters) in one of the common command
  sets -- ``cd5220`` (``ESC Q A``/``ESC Q B``, most VFD pole displays), ``epson`` (ESC/POS customer
  display, ``US $`` cursor moves) or ``led8`` (the 8-digit LED price displays sold with Chinese tills:
  ``ESC s n`` lights 单价/总计/收款/找零, ``ESC Q A`` shows the number). Its one transport method is
  :meth:`PoleDisplay._write`: :class:`SerialPoleDisplay` (pyserial) and :class:`FakePoleDisplay`
  (in memory, emulating what the customer would read).
- The second window on a customer-facing monitor, ``pos_app.ui.customer_display`` (Qt).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from enum import StrEnum

from hardware.handler import EventSink, NullEvents
from hardware.receipt_render import to_ascii
from hardware.threads import DeviceThread, importable, runs_in_device_thread
from pos_app.domain.money import Money
from pos_app.domain.receipt import fit, text_width
from pos_app.i18n import N_, _, translator

DEVICE = "display"


class ScreenKind(StrEnum):
    WELCOME = "welcome"  # idle, between customers
    ITEM = "item"  # a line was just rung up
    TOTAL = "total"  # the basket is complete
    PAYMENT = "payment"  # waiting for the customer to pay (maybe by scanning a QR code)
    CHANGE = "change"  # paid: what was paid and the change
    CLOSED = "closed"  # the till is closed


@dataclass(frozen=True)
class CustomerScreen:
    """What the customer should see now. Only the fields of its ``kind`` are used."""

    kind: ScreenKind
    title: str = ""  # the store's name (welcome) or the item's name
    detail: str = ""  # "2 x 3.50", "0.455 kg x 12.80"
    amount: Money | None = None  # the item's amount
    total: Money | None = None
    items: int = 0
    due: Money | None = None
    paid: Money | None = None
    change: Money | None = None
    qr_data: str = ""  # a payment QR code the customer scans with their phone
    qr_caption: str = ""


class CustomerDisplay(ABC):
    """The customer's display. Every method may be called from any thread and returns at once."""

    def __init__(self, *, store_payment_qr: str = "") -> None:
        self.last_screen: CustomerScreen | None = None
        #: The store's own payment QR code (a fixed 收款码), shown when no payment-specific code is given.
        self.store_payment_qr = store_payment_qr

    @abstractmethod
    def show(self, screen: CustomerScreen) -> None:
        """Show ``screen`` (replacing what is shown)."""

    def welcome(self, store_name: str = "") -> None:
        self.show(CustomerScreen(ScreenKind.WELCOME, title=store_name))

    def item(self, name: str, detail: str, amount: Money, total: Money, items: int) -> None:
        self.show(CustomerScreen(ScreenKind.ITEM, name, detail, amount, total, items))

    def total(self, total: Money, due: Money | None = None, items: int = 0) -> None:
        self.show(
            CustomerScreen(ScreenKind.TOTAL, total=total, due=due if due is not None else total, items=items)
        )

    def payment(
        self, due: Money, qr_data: str = "", qr_caption: str = "", total: Money | None = None
    ) -> None:
        """Ask for ``due``; with a QR code the customer scans to pay (``qr_data``, else the store's own
        code if it has one)."""
        self.show(
            CustomerScreen(
                ScreenKind.PAYMENT,
                total=total,
                due=due,
                qr_data=qr_data or self.store_payment_qr,
                qr_caption=qr_caption,
            )
        )

    def change(self, paid: Money, change: Money, total: Money | None = None) -> None:
        self.show(CustomerScreen(ScreenKind.CHANGE, total=total, paid=paid, change=change))

    def closed(self) -> None:
        self.show(CustomerScreen(ScreenKind.CLOSED))

    def is_usable(self) -> bool:
        return True

    def close(self) -> None:  # noqa: B027 - displays without resources
        """Release the port and the display's thread."""


# --- labels ---------------------------------------------------------------------------------------

LABELS = {
    "welcome": N_("Welcome"),
    "total": N_("Total"),
    "to_pay": N_("To pay"),
    "paid": N_("Paid"),
    "change": N_("Change"),
    "scan_to_pay": N_("Scan to pay"),
    "closed": N_("Till closed"),
    "thanks": N_("Thank you"),
}


def screen_lines(screen: CustomerScreen, columns: int, language: str) -> tuple[str, str]:
    """The two lines a ``columns``-wide text display shows for ``screen`` (pure)."""
    tr = translator(language)

    def label(key: str) -> str:
        return tr(LABELS[key])

    def money(value: Money | None) -> str:
        return "" if value is None else value.plain()

    if screen.kind is ScreenKind.WELCOME:
        return _centre(label("welcome"), columns), _centre(screen.title, columns)
    if screen.kind is ScreenKind.ITEM:
        return _spread(screen.title, money(screen.amount), columns), _spread(
            label("total"), money(screen.total), columns
        )
    if screen.kind is ScreenKind.TOTAL:
        second = (
            ""
            if screen.due is None or screen.due == screen.total
            else _spread(label("to_pay"), money(screen.due), columns)
        )
        return _spread(label("total"), money(screen.total), columns), second
    if screen.kind is ScreenKind.PAYMENT:
        second = _centre(label("scan_to_pay"), columns) if screen.qr_data else ""
        return _spread(label("to_pay"), money(screen.due), columns), second
    if screen.kind is ScreenKind.CHANGE:
        return _spread(label("paid"), money(screen.paid), columns), _spread(
            label("change"), money(screen.change), columns
        )
    return _centre(label("closed"), columns), ""


def _centre(text: str, columns: int) -> str:
    text = fit(text, columns)[0]
    return " " * ((columns - text_width(text)) // 2) + text


def _spread(left: str, right: str, columns: int) -> str:
    """``left`` cut to leave room for ``right`` flushed to the right edge."""
    room = columns - text_width(right) - (1 if right else 0)
    left = fit(left, max(room, 0))[0] if room > 0 else ""
    return left + " " * (columns - text_width(left) - text_width(right)) + right


# --- pole displays --------------------------------------------------------------------------------

ESC, US, CR, CLR = b"\x1b", b"\x1f", b"\r", b"\x0c"
COMMAND_SETS = ("cd5220", "epson", "led8")
#: ``ESC s n`` lamps of the 8-digit LED displays: off, 单价 price, 总计 total, 收款 paid, 找零 change.
LED_LAMPS = {
    ScreenKind.WELCOME: b"0",
    ScreenKind.ITEM: b"1",
    ScreenKind.TOTAL: b"2",
    ScreenKind.PAYMENT: b"2",
    ScreenKind.CHANGE: b"4",
    ScreenKind.CLOSED: b"0",
}


class PoleDisplay(CustomerDisplay):
    """A serial text display on a pole. Updates are queued on the display's thread (the caller never
    waits for the serial line); a failure publishes ``device_problem`` (device ``display``) and the
    next update tries again."""

    def __init__(
        self,
        *,
        columns: int = 20,
        command_set: str = "cd5220",
        charset: str = "ascii",
        language: str = "en",
        events: EventSink | None = None,
        store_payment_qr: str = "",
    ) -> None:
        super().__init__(store_payment_qr=store_payment_qr)
        if command_set not in COMMAND_SETS:
            raise ValueError(f"command set must be one of {COMMAND_SETS}")
        if charset not in ("ascii", "gb18030"):
            raise ValueError("charset must be ascii or gb18030")
        self.columns = columns
        self.command_set = command_set
        self.charset = charset
        self.language = language
        self.events: EventSink = events or NullEvents()
        self.device_thread = DeviceThread(f"display-{type(self).__name__}")
        self._initialised = False
        self._failing = False

    @abstractmethod
    def _write(self, data: bytes) -> None:
        """Send ``data`` to the display; raises ``OSError`` when it cannot."""

    def _reset(self) -> None:
        """Drop the connection after a failure, so the next update reopens it."""

    def show(self, screen: CustomerScreen) -> None:
        self.last_screen = screen
        self._show(screen)

    @runs_in_device_thread(wait=False)
    def _show(self, screen: CustomerScreen) -> None:
        data = self.render(screen)
        if not self._initialised:
            data = ESC + b"@" + (CLR if self.command_set != "led8" else b"") + data
        try:
            self._write(data)
        except OSError as exc:
            self._reset()
            self._initialised = False
            if not self._failing:
                self._failing = True
                self.events.publish(
                    "device_problem",
                    device=DEVICE,
                    reason="offline",
                    message=_("The customer display does not answer ({detail})").format(detail=exc),
                )
            return
        self._initialised = True
        if self._failing:
            self._failing = False
            self.events.publish("device_ok", device=DEVICE)

    @runs_in_device_thread
    def flush(self) -> None:
        """Wait until every queued update was sent."""

    def render(self, screen: CustomerScreen) -> bytes:
        """The bytes of one update in this display's command set (pure)."""
        if self.command_set == "led8":
            return self._render_led(screen)
        first, second = self.lines(screen)
        first, second = self._encode(first), self._encode(second)
        if self.command_set == "cd5220":
            return ESC + b"QA" + first + CR + ESC + b"QB" + second + CR
        return US + b"$\x01\x01" + first + US + b"$\x01\x02" + second

    def lines(self, screen: CustomerScreen) -> tuple[str, str]:
        if self.charset == "ascii":
            screen = replace(screen, title=to_ascii(screen.title), detail=to_ascii(screen.detail))
        lines = screen_lines(screen, self.columns, self.language)
        if self.charset == "ascii":
            lines = (to_ascii(lines[0]), to_ascii(lines[1]))
        return tuple(_pad(line, self.columns) for line in lines)  # type: ignore[return-value]

    def _encode(self, line: str) -> bytes:
        return line.encode("gb18030" if self.charset == "gb18030" else "ascii", errors="replace")

    def _render_led(self, screen: CustomerScreen) -> bytes:
        value = {
            ScreenKind.ITEM: screen.amount,
            ScreenKind.TOTAL: screen.due if screen.due is not None else screen.total,
            ScreenKind.PAYMENT: screen.due,
            ScreenKind.CHANGE: screen.change,
        }.get(screen.kind)
        if value is None:
            return CLR + ESC + b"s0"
        digits = value.plain()[-9:]  # 8 digits and the point
        return ESC + b"s" + LED_LAMPS[screen.kind] + ESC + b"QA" + digits.encode("ascii") + CR

    def close(self) -> None:
        self.device_thread.close()
        self._reset()

    def _call_failed(self, name: str, exc: BaseException) -> None:
        self.events.publish(
            "device_problem",
            device=DEVICE,
            reason="error",
            message=_("The customer display failed: {detail}").format(detail=exc),
        )


def _pad(line: str, columns: int) -> str:
    return line + " " * max(columns - text_width(line), 0)


class SerialPoleDisplay(PoleDisplay):
    """A pole display on a serial port (``/dev/ttyUSB1``, ``COM2``), 9600 baud 8N1 by default."""

    def __init__(self, port: str, baudrate: int = 9600, **options) -> None:
        super().__init__(**options)
        self.port = port
        self.baudrate = baudrate
        self._serial = None

    def is_usable(self) -> bool:
        return importable("serial")

    def _write(self, data: bytes) -> None:
        import serial

        try:
            if self._serial is None:
                self._serial = serial.Serial(self.port, self.baudrate, timeout=1, write_timeout=2)
            self._serial.write(data)
            self._serial.flush()
        except serial.SerialException as exc:
            raise OSError(str(exc)) from exc

    def _reset(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            finally:
                self._serial = None


class FakePoleDisplay(PoleDisplay):
    """A pole display in memory: keeps the bytes and shows, in :attr:`shown`, the two lines a customer
    would read (the command sets are interpreted as the real displays do)."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.output = bytearray()
        self.connected = True
        self._lines = [" " * self.columns, " " * self.columns]
        self.lamp = b"0"
        self._lock = threading.Lock()

    def _write(self, data: bytes) -> None:
        with self._lock:
            if not self.connected:
                raise OSError("cable unplugged")
            self.output += data
            self._interpret(data)

    @property
    def shown(self) -> tuple[str, str]:
        with self._lock:
            return self._lines[0], self._lines[1]

    def _interpret(self, data: bytes) -> None:
        encoding = "gb18030" if self.charset == "gb18030" else "ascii"
        i = 0
        while i < len(data):
            if data.startswith(ESC + b"@", i):
                i += 2
            elif data.startswith(CLR, i):
                self._lines = ["", ""]
                i += 1
            elif data.startswith(ESC + b"Q", i):
                row = 0 if data[i + 2 : i + 3] == b"A" else 1
                end = data.index(CR, i)
                self._lines[row] = data[i + 3 : end].decode(encoding)
                i = end + 1
            elif data.startswith(ESC + b"s", i):
                self.lamp = data[i + 2 : i + 3]
                i += 3
            elif data.startswith(US + b"$", i):
                row = data[i + 3] - 1
                start = i + 4
                end = data.find(US, start)
                end = len(data) if end < 0 else end
                self._lines[row] = data[start:end].decode(encoding)
                i = end
            else:
                raise AssertionError(f"the fake display does not know the command at {data[i:]!r}")
