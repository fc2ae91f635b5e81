"""Barcode readers on a serial port (RS-232, or USB in its virtual COM mode) through pyserial.

The reader sends each code as bytes followed by a terminator (CR, LF or CR LF; ETX after STX framing),
possibly with an AIM symbology identifier (``]E0``) and a configured prefix/suffix. :class:`SerialScanner`
reads on its own thread, cuts the stream into codes and calls ``on_scan`` with a
:class:`~pos_app.domain.barcodes.ScanEvent`; whatever it reads goes to the one classifier, which gives a
clear message for garbage. An unplugged reader publishes ``device_problem`` (device ``scanner``) and
the port is reopened until it comes back (``device_ok``).

:class:`ScanPort` is the driver (one transport method, :meth:`ScanPort.read`): :class:`SerialPort`
over pyserial, :class:`FakeScanPort` fed by tests through the same scanner code.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from hardware.handler import EventSink, NullEvents
from hardware.threads import importable
from pos_app.domain.barcodes import ScanEvent, ScanSource, Symbology, strip_aim
from pos_app.i18n import _

log = logging.getLogger(__name__)

DEVICE = "scanner"


class ScannerError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScanPort(ABC):
    """A byte stream from a reader."""

    def open(self) -> None:  # noqa: B027 - ports that need no opening
        """Open the port; raises :class:`ScannerError`."""

    @abstractmethod
    def read(self, timeout: float) -> bytes:
        """Bytes received within ``timeout`` seconds (``b""`` if none); raises :class:`ScannerError`."""

    def close(self) -> None:  # noqa: B027
        """Close the port (it may be opened again)."""

    def is_usable(self) -> bool:
        return True

    def describe(self) -> str:
        return type(self).__name__


class SerialPort(ScanPort):
    """A serial port through pyserial (``/dev/ttyUSB0``, ``/dev/ttyACM0``, ``COM3``)."""

    def __init__(
        self, port: str, baudrate: int = 9600, *, bytesize: int = 8, parity: str = "N", stopbits: float = 1
    ):
        self.port = port
        self.baudrate = baudrate
        self.bytesize = bytesize
        self.parity = parity
        self.stopbits = stopbits
        self._serial = None

    def is_usable(self) -> bool:
        return importable("serial")

    def describe(self) -> str:
        return self.port

    def open(self) -> None:
        import serial

        self.close()
        try:
            self._serial = serial.Serial(
                self.port,
                self.baudrate,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=0.1,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ScannerError(
                _("The barcode reader on {port} cannot be opened ({detail})").format(
                    port=self.port, detail=exc
                )
            ) from exc

    def read(self, timeout: float) -> bytes:
        import serial

        if self._serial is None:
            raise ScannerError(_("The barcode reader port is not open"))
        try:
            self._serial.timeout = timeout
            first = self._serial.read(1)
            if not first:
                return b""
            waiting = self._serial.in_waiting
            return first + (self._serial.read(waiting) if waiting else b"")
        except (serial.SerialException, OSError) as exc:
            raise ScannerError(
                _("The barcode reader on {port} stopped answering ({detail})").format(
                    port=self.port, detail=exc
                )
            ) from exc

    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (OSError, ValueError):
                log.debug("closing %s failed", self.port, exc_info=True)
            self._serial = None


class FakeScanPort(ScanPort):
    """Bytes (or exceptions) pushed by a test with :meth:`send`, read by the scanner's thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue()
        self.opens = 0
        self.open_failures = 0

    def send(self, data: bytes | BaseException) -> None:
        self._queue.put(data)

    def open(self) -> None:
        self.opens += 1
        if self.open_failures > 0:
            self.open_failures -= 1
            raise ScannerError(_("The barcode reader port is not open"))

    def read(self, timeout: float) -> bytes:
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return b""
        if isinstance(item, BaseException):
            raise item
        return item


STX, ETX = b"\x02", b"\x03"


class SerialScanner:
    """Reads codes from a :class:`ScanPort` on its own thread (``serial-scanner``).

    ``prefix``/``suffix``: what the reader is set up to add around each code (stripped; a code without
    them is still accepted). A code that is not terminated within ``idle_s`` of its last byte is taken
    as complete (readers set up without a terminator). Threading: :meth:`start` and :meth:`stop` from
    any thread; ``on_scan`` and the events run on the scanner's thread.
    """

    def __init__(
        self,
        port: ScanPort,
        on_scan: Callable[[ScanEvent], None],
        *,
        events: EventSink | None = None,
        prefix: str = "",
        suffix: str = "",
        terminators: bytes = b"\r\n" + ETX,
        idle_s: float = 0.1,
        max_length: int = 512,
        reopen_delays_s: Sequence[float] = (0.5, 1.0, 2.0, 5.0),
    ) -> None:
        self.port = port
        self.on_scan = on_scan
        self.events: EventSink = events or NullEvents()
        self.prefix = prefix
        self.suffix = suffix
        self.terminators = terminators
        self.idle_s = idle_s
        self.max_length = max_length
        self.reopen_delays_s = tuple(reopen_delays_s) or (1.0,)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._problem: str | None = None
        self._connected = threading.Event()
        self.scans = 0

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the serial scanner is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="serial-scanner")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    close = stop

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Wait until the port is open and being read (opening a port discards what came before)."""
        return self._connected.wait(timeout)

    # --- the scanner's thread ---------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                self.port.open()
            except ScannerError as exc:
                self._failed(exc.message)
            except Exception as exc:
                log.exception("opening %s failed", self.port.describe())
                self._failed(str(exc))
            else:
                attempt = 0
                self._recovered()
                self._connected.set()
                self._read_codes()
                self._connected.clear()
                self._close_port()
                if self._stop.is_set():
                    break
            if self._stop.wait(self.reopen_delays_s[min(attempt, len(self.reopen_delays_s) - 1)]):
                break
            attempt += 1
        self._close_port()

    def _read_codes(self) -> None:
        buffer = bytearray()
        last_byte_at = 0.0
        while not self._stop.is_set():
            try:
                data = self.port.read(0.05)
            except ScannerError as exc:
                self._failed(exc.message)
                return
            except Exception as exc:
                log.exception("reading %s failed", self.port.describe())
                self._failed(str(exc))
                return
            now = time.monotonic()
            if data:
                last_byte_at = now
                for byte in data:
                    if byte in self.terminators:
                        self._emit(bytes(buffer))
                        buffer.clear()
                    else:
                        buffer.append(byte)
                        if len(buffer) > self.max_length:
                            self._emit(bytes(buffer))  # the classifier will say it is too long
                            buffer.clear()
            elif buffer and now - last_byte_at >= self.idle_s:
                self._emit(bytes(buffer))
                buffer.clear()

    def _emit(self, raw: bytes) -> None:
        raw = raw.strip(b" \t\r\n\0").removeprefix(STX)
        if not raw:
            return
        text = _decode(raw)
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        data, symbology = strip_aim(text)
        self.scans += 1
        try:
            self.on_scan(ScanEvent(data, symbology or Symbology.UNKNOWN, ScanSource.SERIAL))
        except Exception:
            log.exception("the scan listener failed on %r", data)

    def _close_port(self) -> None:
        try:
            self.port.close()
        except Exception:
            log.exception("closing %s failed", self.port.describe())

    def _failed(self, message: str) -> None:
        if self._problem != message:
            self._problem = message
            self.events.publish("device_problem", device=DEVICE, reason="offline", message=message)

    def _recovered(self) -> None:
        if self._problem is not None:
            self._problem = None
            self.events.publish("device_ok", device=DEVICE)


def _decode(raw: bytes) -> str:
    """UTF-8, else GB18030 (readers set up for Chinese QR content), else one character per byte
    (the classifier then explains the garbage)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
