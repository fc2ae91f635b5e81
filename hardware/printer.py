"""Receipt printers. A printer draws a :class:`~pos_app.domain.receipt.ReceiptDocument` laid out for its
paper width; the sale is committed before anything is printed, so a printer problem never loses a sale:
the job stays in the database and can be printed again.

- :class:`ReceiptPrinter`: what the services use (``print_receipt``, ``print_report``, ``open_drawer``).
- :class:`TextPrinter`: plain text to a stream or file (the console demo).
- :class:`EscposPrinter`: ESC/POS thermal printers, 58 or 80 mm, Chinese (GB18030) or ASCII, with the
  cash drawer on the printer's drawer port. Its one transport method is :meth:`EscposPrinter._exchange`;
  :class:`NetworkPrinter` (raw TCP, port 9100), :class:`SerialPrinter` (pyserial), :class:`UsbPrinter`
  (python-escpos over pyusb), :class:`FilePrinter` (a device file such as ``/dev/usb/lp0``, or a file)
  and :class:`FakePrinter` (in memory, with paper and cover you can take away) implement it.

Before and after each job the printer's real-time status is asked (``DLE EOT``): out of paper, cover
open or offline become a :class:`PrinterError` with that reason. With a
:class:`~hardware.handler.DeviceHandler` the printer first asks the person ("Out of paper -- load paper
and retry?") and tries again while they say yes. Every public method runs on the printer's own thread
(:func:`~hardware.threads.runs_in_device_thread`).
"""

from __future__ import annotations

import socket
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from hardware.handler import DeviceHandler, EventSink, NullEvents, NullHandler
from hardware.receipt_render import (
    CHARSETS,
    drawer_kick_bytes,
    escpos_bytes,
)
from hardware.threads import DeviceThread, importable, runs_in_device_thread
from pos_app.domain.receipt import COLUMNS_80MM, ReceiptDocument, Row, compose, layout, render_text
from pos_app.i18n import _, translator

#: Reasons a person at the till can fix, so the printer asks before giving up.
FIXABLE = frozenset({"offline", "paper_out", "cover_open"})


class PrinterError(Exception):
    """The printer could not print. ``reason``: offline, paper_out, cover_open, error."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ReceiptPrinter(ABC):
    """A receipt printer (with the cash drawer wired to it, as usual in stores)."""

    columns: int = COLUMNS_80MM

    @abstractmethod
    def print_receipt(self, document: ReceiptDocument, language: str, *, copy: bool = False) -> None:
        """Print ``document`` in ``language``; raises :class:`PrinterError`."""

    def print_report(self, rows: Sequence[Row]) -> None:
        """Print rows laid out elsewhere (X and Z reports, ``pos_app.domain.reports.layout_report``)."""
        raise PrinterError("error", _("This printer cannot print reports"))

    def open_drawer(self) -> None:  # noqa: B027 - printers without a drawer do nothing
        """Kick the cash drawer connected to the printer."""

    def is_usable(self) -> bool:
        return True

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release the connection and the printer's thread."""


class TextPrinter(ReceiptPrinter):
    """Prints receipts as plain text to a stream (the console demo) or appends them to a file."""

    def __init__(self, target: TextIO | Path, columns: int = COLUMNS_80MM) -> None:
        self.target = target
        self.columns = columns
        self.drawer_kicks = 0
        self._lock = threading.Lock()

    def print_receipt(self, document: ReceiptDocument, language: str, *, copy: bool = False) -> None:
        self._write(render_text(document, language, translator(language), self.columns, copy=copy))

    def print_report(self, rows: Sequence[Row]) -> None:
        lines: list[str] = []
        for row in rows:
            lines.extend(compose(row, self.columns))
        self._write("\n".join(line.rstrip() for line in lines) + "\n")

    def _write(self, text: str) -> None:
        with self._lock:
            if isinstance(self.target, Path):
                try:
                    with self.target.open("a", encoding="utf-8") as fh:
                        fh.write(text + "\n")
                except OSError as exc:
                    raise PrinterError("error", str(exc)) from exc
            else:
                self.target.write(text + "\n")
                self.target.flush()

    def open_drawer(self) -> None:
        with self._lock:
            self.drawer_kicks += 1


# --- ESC/POS --------------------------------------------------------------------------------------

DLE_EOT_PRINTER = b"\x10\x04\x01"  # printer status: bit 3 offline, bit 2 drawer sensor
DLE_EOT_OFFLINE = b"\x10\x04\x02"  # offline cause: bit 2 cover open, bit 5 paper end, bit 6 error
DLE_EOT_PAPER = b"\x10\x04\x04"  # paper sensors: bits 2-3 near end, bits 5-6 end
DLE_DC4_PULSE = b"\x10\x14\x01"  # real-time drawer pulse


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    online: bool
    cover_open: bool = False
    paper_out: bool = False
    paper_low: bool = False
    error: bool = False
    drawer_open: bool | None = None  # None: no sensor answer

    def problem(self) -> PrinterError | None:
        if self.cover_open:
            return PrinterError("cover_open", _("The printer cover is open. Close it to print."))
        if self.paper_out:
            return PrinterError("paper_out", _("The printer is out of paper. Load a new roll."))
        if self.error:
            return PrinterError("error", _("The printer reports an error. Switch it off and on again."))
        if not self.online:
            return PrinterError("offline", _("The printer is offline. Check its power and cable."))
        return None


def _status_byte(reply: bytes) -> int | None:
    """The byte of a DLE EOT answer, or None if what came back is not one (bits 1 and 4 set, 0 and 7
    clear, as the ESC/POS reference defines it)."""
    if len(reply) < 1:
        return None
    byte = reply[-1]
    return byte if byte & 0x93 == 0x12 else None


class EscposPrinter(ReceiptPrinter):
    """An ESC/POS printer; subclasses provide the transport (:meth:`_exchange`).

    ``columns``: 32 (58 mm) or 48 (80 mm); ``charset``: ``gb18030`` or ``ascii``; ``drawer_pin``: 2 or 5.
    ``check_status``: ask the printer for paper and cover before and after each job (when it answers).
    """

    device = "printer"

    def __init__(
        self,
        *,
        columns: int = COLUMNS_80MM,
        charset: str = "gb18030",
        drawer_pin: int = 2,
        native_qr: bool = True,
        check_status: bool = True,
        status_timeout_s: float = 1.0,
        handler: DeviceHandler | None = None,
        events: EventSink | None = None,
    ) -> None:
        if charset not in CHARSETS:
            raise ValueError(f"charset must be one of {CHARSETS}")
        if drawer_pin not in (2, 5):
            raise ValueError("the drawer is on pin 2 or 5")
        self.columns = columns
        self.charset = charset
        self.drawer_pin = drawer_pin
        self.native_qr = native_qr
        self.check_status = check_status
        self.status_timeout_s = status_timeout_s
        self.handler = handler or NullHandler()
        self.events: EventSink = events or NullEvents()
        self.device_thread = DeviceThread(f"printer-{type(self).__name__}")

    # --- transport --------------------------------------------------------------------------------
    @abstractmethod
    def _exchange(self, data: bytes, reply_size: int = 0, timeout: float = 1.0) -> bytes:
        """Send ``data``; then, if ``reply_size``, return up to that many bytes the printer answers
        within ``timeout`` seconds (``b""`` if it does not). Raises ``PrinterError("offline", ...)``
        when the printer cannot be reached."""

    def _disconnect(self) -> None:
        """Drop the connection after a job (a network printer serves other terminals too)."""

    # --- rendering --------------------------------------------------------------------------------
    def render(self, document: ReceiptDocument, language: str, *, copy: bool = False) -> bytes:
        """The ESC/POS bytes of a receipt (no I/O; any thread)."""
        rows = layout(document, language, translator(language), copy=copy)
        return self.render_rows(rows)

    def render_rows(self, rows: Sequence[Row]) -> bytes:
        return escpos_bytes(rows, self.columns, charset=self.charset, native_qr=self.native_qr)

    # --- public, on the printer's thread ----------------------------------------------------------
    @runs_in_device_thread
    def print_receipt(self, document: ReceiptDocument, language: str, *, copy: bool = False) -> None:
        self._print(self.render(document, language, copy=copy), self.device)

    @runs_in_device_thread
    def print_report(self, rows: Sequence[Row]) -> None:
        self._print(self.render_rows(rows), self.device)

    @runs_in_device_thread
    def open_drawer(self) -> None:
        """Kick the drawer, even when the printer is out of paper or its cover is open (with the
        real-time command); asks the handler to retry if the printer cannot be reached."""

        def attempt() -> None:
            status = self._query_status() if self.check_status else None
            stopped = status is not None and status.problem() is not None
            self._send(drawer_kick_bytes(self.drawer_pin, realtime=stopped))

        self._with_retries("drawer", attempt)

    @runs_in_device_thread
    def status(self) -> PrinterStatus | None:
        """The printer's real-time status, or None when it does not answer status requests."""
        try:
            return self._query_status()
        finally:
            self._disconnect()

    def close(self) -> None:
        self.device_thread.close()
        self._disconnect()

    # --- on the printer's thread ------------------------------------------------------------------
    def _print(self, job: bytes, device: str) -> None:
        def attempt() -> None:
            if self.check_status:
                self._raise_problem()
            self._send(job)
            if self.check_status:
                self._raise_problem()  # ran out of paper or opened during the job: print it again

        self._with_retries(device, attempt)

    def _with_retries(self, device: str, attempt) -> None:
        while True:
            try:
                attempt()
            except PrinterError as exc:
                self._disconnect()
                if exc.reason in FIXABLE and self.handler.ask_retry(device, exc.reason, exc.message):
                    continue
                raise
            else:
                self._disconnect()
                return

    def _send(self, data: bytes) -> None:
        self._exchange(data)

    def _raise_problem(self) -> None:
        status = self._query_status()
        if status is not None:
            problem = status.problem()
            if problem is not None:
                raise problem

    def _query_status(self) -> PrinterStatus | None:
        timeout = self.status_timeout_s
        printer = _status_byte(self._exchange(DLE_EOT_PRINTER, 1, timeout))
        if printer is None:
            return None  # the printer does not answer status requests: print and hope
        cause = _status_byte(self._exchange(DLE_EOT_OFFLINE, 1, timeout)) or 0x12
        paper = _status_byte(self._exchange(DLE_EOT_PAPER, 1, timeout)) or 0x12
        return PrinterStatus(
            online=not printer & 0x08,
            cover_open=bool(cause & 0x04),
            paper_out=bool(paper & 0x60) or bool(cause & 0x20),
            paper_low=bool(paper & 0x0C),
            error=bool(cause & 0x40),
            drawer_open=bool(printer & 0x04),
        )


def _offline(where: str, exc: BaseException) -> PrinterError:
    return PrinterError(
        "offline",
        _("The receipt printer at {where} does not answer ({detail}). Check its power and cable.").format(
            where=where, detail=exc
        ),
    )


class NetworkPrinter(EscposPrinter):
    """An Ethernet/Wi-Fi printer taking raw ESC/POS on TCP (port 9100); one connection per job."""

    def __init__(self, host: str, port: int = 9100, *, timeout_s: float = 5.0, **options) -> None:
        super().__init__(**options)
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self._socket: socket.socket | None = None

    def _exchange(self, data: bytes, reply_size: int = 0, timeout: float = 1.0) -> bytes:
        where = f"{self.host}:{self.port}"
        try:
            if self._socket is None:
                self._socket = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
            self._socket.settimeout(self.timeout_s)
            self._socket.sendall(data)
            if not reply_size:
                return b""
            self._socket.settimeout(timeout)
            try:
                return self._socket.recv(reply_size)
            except TimeoutError:
                return b""
        except OSError as exc:
            self._disconnect()
            raise _offline(where, exc) from exc

    def _disconnect(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            finally:
                self._socket = None


class SerialPrinter(EscposPrinter):
    """A printer on a serial port (``/dev/ttyS0``, ``COM1``), hardware flow control by default."""

    def __init__(self, port: str, baudrate: int = 9600, *, rtscts: bool = True, **options) -> None:
        super().__init__(**options)
        self.port = port
        self.baudrate = baudrate
        self.rtscts = rtscts
        self._serial = None

    def is_usable(self) -> bool:
        return importable("serial")

    def _exchange(self, data: bytes, reply_size: int = 0, timeout: float = 1.0) -> bytes:
        import serial

        try:
            if self._serial is None:
                self._serial = serial.Serial(
                    self.port, self.baudrate, rtscts=self.rtscts, timeout=timeout, write_timeout=10
                )
            self._serial.write(data)
            self._serial.flush()
            if not reply_size:
                return b""
            self._serial.timeout = timeout
            return self._serial.read(reply_size)
        except (serial.SerialException, OSError) as exc:
            self._disconnect()
            raise _offline(self.port, exc) from exc

    def _disconnect(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            finally:
                self._serial = None


class UsbPrinter(EscposPrinter):
    """A USB printer through python-escpos and pyusb (needs libusb; on Linux the kernel's ``usblp``
    device, ``/dev/usb/lp0`` with :class:`FilePrinter`, needs nothing more)."""

    def __init__(self, vendor_id: int, product_id: int, **options) -> None:
        super().__init__(**options)
        self.vendor_id = vendor_id
        self.product_id = product_id
        self._usb = None

    def is_usable(self) -> bool:
        from escpos.printer import Usb

        return bool(Usb.is_usable())

    def _exchange(self, data: bytes, reply_size: int = 0, timeout: float = 1.0) -> bytes:
        where = f"USB {self.vendor_id:04x}:{self.product_id:04x}"
        if not self.is_usable():
            raise PrinterError("offline", _("USB printers need pyusb and libusb installed"))
        try:
            if self._usb is None:
                from escpos.printer import Usb

                usb = Usb(self.vendor_id, self.product_id, timeout=int(timeout * 1000))
                usb.open(raise_not_found=True)
                self._usb = usb
            self._usb._raw(data)
            return bytes(self._usb._read()) if reply_size else b""
        except Exception as exc:  # pyusb raises USBError, NoBackendError, DeviceNotFoundError ...
            self._disconnect()
            raise _offline(where, exc) from exc

    def _disconnect(self) -> None:
        if self._usb is not None:
            try:
                self._usb.close()
            finally:
                self._usb = None


class FilePrinter(EscposPrinter):
    """Writes each job to a file or character device (``/dev/usb/lp0``, a spool file). A plain file
    gets the jobs appended; status is not asked (a file does not answer)."""

    def __init__(self, path: str | Path, **options) -> None:
        options.setdefault("check_status", False)
        super().__init__(**options)
        self.path = Path(path)

    def _exchange(self, data: bytes, reply_size: int = 0, timeout: float = 1.0) -> bytes:
        try:
            with self.path.open("ab") as fh:
                fh.write(data)
        except OSError as exc:
            raise _offline(str(self.path), exc) from exc
        return b""


class FakePrinter(EscposPrinter):
    """An ESC/POS printer in memory: keeps every byte sent, answers status requests like a real one,
    and can run out of paper, have its cover opened or its cable pulled (tests, demos, training)."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.output = bytearray()
        self.jobs: list[bytes] = []
        self.paper = True
        self.cover_open = False
        self.online = True  # False: the cable is out
        self.drawer_open = False
        self.answers_status = True
        self.paper_runs_out_after: int | None = None  # bytes until the paper runs out mid-job
        self._lock = threading.Lock()

    @property
    def drawer_kicks(self) -> int:
        return sum(job.count(b"\x1bp") + job.count(b"\x10\x14\x01") for job in self.jobs)

    def _exchange(self, data: bytes, reply_size: int = 0, timeout: float = 1.0) -> bytes:
        with self._lock:
            if not self.online:
                raise _offline("fake", ConnectionRefusedError("cable unplugged"))
            if data in (DLE_EOT_PRINTER, DLE_EOT_OFFLINE, DLE_EOT_PAPER):
                return self._answer(data) if self.answers_status and reply_size else b""
            if data.startswith(DLE_DC4_PULSE):  # real-time: executed even while stopped
                self.output += data
                self.jobs.append(bytes(data))
                self.drawer_open = True
                return b""
            if self.paper and not self.cover_open:
                if self.paper_runs_out_after is not None and len(data) > self.paper_runs_out_after:
                    self.paper = False
                    data = data[: self.paper_runs_out_after]
                self.output += data
                self.jobs.append(bytes(data))
                if data.startswith(b"\x1bp"):
                    self.drawer_open = True
            return b""

    def _answer(self, query: bytes) -> bytes:
        stopped = not self.paper or self.cover_open
        if query == DLE_EOT_PRINTER:
            return bytes([0x12 | (0x08 if stopped else 0) | (0x04 if self.drawer_open else 0)])
        if query == DLE_EOT_OFFLINE:
            return bytes([0x12 | (0x04 if self.cover_open else 0) | (0x20 if not self.paper else 0)])
        return bytes([0x12 | (0x60 if not self.paper else 0)])

    def text(self, encoding: str = "gb18030") -> str:
        """What was printed, decoded (control codes and all) for assertions on the words."""
        return bytes(self.output).decode(encoding, errors="replace")


def parse_usb_id(text: str) -> tuple[int, int]:
    """``"0416:5011"`` or ``"0x0416:0x5011"`` -> (0x0416, 0x5011)."""
    try:
        vendor, product = (int(part, 16) for part in text.split(":"))
    except ValueError as exc:
        raise ValueError(
            f"a USB printer is given as VENDOR:PRODUCT in hex, e.g. 0416:5011, not {text!r}"
        ) from exc
    return vendor, product


def parse_host_port(text: str, default_port: int = 9100) -> tuple[str, int]:
    host, _sep, port = text.strip().rpartition(":")
    if not host:
        return text.strip(), default_port
    if not port.isdigit():
        raise ValueError(f"{text!r} is not host:port")
    return host.strip("[]"), int(port)
