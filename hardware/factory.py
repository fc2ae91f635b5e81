"""Builds a terminal's devices from its settings (``pos_app.config``, section "devices").

The composition root calls :func:`build_devices` once; a device that is set up wrongly is reported as
a ``device_problem`` event (reason ``config``) and left out, so a typo in the settings never keeps the
till from starting. Scanners that read on their own threads (serial reader, camera) are started with
:meth:`Devices.start_scanners` once the receiver of their scans exists.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hardware.customer_display import CustomerDisplay, FakePoleDisplay, SerialPoleDisplay
from hardware.handler import EventSink, HandlerSlot, NullEvents
from hardware.payment import MobileGateway, PaymentTerminal, SimulatedMobileGateway, SimulatedPaymentTerminal
from hardware.printer import (
    FakePrinter,
    FilePrinter,
    NetworkPrinter,
    ReceiptPrinter,
    SerialPrinter,
    TextPrinter,
    UsbPrinter,
    parse_host_port,
    parse_usb_id,
)
from hardware.receipt_render import columns_for_width
from hardware.serial_scanner import SerialPort, SerialScanner
from hardware.wedge import WedgeSettings
from pos_app import config
from pos_app.config import ConfigVar, Settings
from pos_app.domain.barcodes import ScanEvent, Symbology
from pos_app.i18n import _

if TYPE_CHECKING:  # the camera brings numpy, OpenCV and the decoders: imported only when one is set up
    from hardware.camera import CameraScanner

log = logging.getLogger(__name__)


class DeviceConfigError(ValueError):
    """A device setting that cannot work; ``message`` names the setting."""

    def __init__(self, var: ConfigVar, detail: str) -> None:
        self.message = _("Setting {key}: {detail}").format(key=var.key, detail=detail)
        super().__init__(self.message)


def _need(settings: Settings, var: ConfigVar[str], what: str) -> str:
    value = settings.get(var).strip()
    if not value:
        raise DeviceConfigError(var, _("{what} is not set").format(what=what))
    return value


def build_printer(
    settings: Settings, *, handler: HandlerSlot | None = None, events: EventSink | None = None
) -> ReceiptPrinter | None:
    kind = settings.get(config.PRINTER_KIND)
    if kind == "none":
        return None
    columns = columns_for_width(settings.get(config.PRINTER_WIDTH_MM))
    if kind == "text":
        target = settings.get(config.PRINTER_CONNECTION).strip()
        return TextPrinter(Path(target) if target else sys.stdout, columns)
    options = {
        "columns": columns,
        "charset": settings.get(config.PRINTER_CHARSET),
        "drawer_pin": settings.get(config.PRINTER_DRAWER_PIN),
        "native_qr": settings.get(config.PRINTER_NATIVE_QR),
        "check_status": settings.get(config.PRINTER_CHECK_STATUS),
        "handler": handler,
        "events": events,
    }
    if kind == "fake":
        return FakePrinter(**options)
    connection = _need(settings, config.PRINTER_CONNECTION, _("The printer's connection"))
    try:
        if kind == "network":
            host, port = parse_host_port(connection)
            return NetworkPrinter(host, port, **options)
        if kind == "usb":
            vendor, product = parse_usb_id(connection)
            return UsbPrinter(vendor, product, **options)
    except ValueError as exc:
        raise DeviceConfigError(config.PRINTER_CONNECTION, str(exc)) from exc
    if kind == "serial":
        return SerialPrinter(connection, settings.get(config.PRINTER_BAUDRATE), **options)
    if kind == "file":
        options["check_status"] = False  # a file does not answer
        return FilePrinter(connection, **options)
    raise DeviceConfigError(config.PRINTER_KIND, kind)


def build_display(settings: Settings, *, events: EventSink | None = None) -> CustomerDisplay | None:
    """The serial or fake customer display; None for ``none`` and for ``window`` (the UI builds the
    window, ``pos_app.ui.customer_display``, and hands it to :meth:`Devices.set_display`)."""
    kind = settings.get(config.DISPLAY_KIND)
    if kind in ("none", "window"):
        return None
    options = {
        "command_set": settings.get(config.DISPLAY_COMMAND_SET),
        "charset": settings.get(config.DISPLAY_CHARSET),
        "language": settings.get(config.DISPLAY_LANGUAGE),
        "events": events,
        "store_payment_qr": settings.get(config.DISPLAY_PAYMENT_QR),
    }
    if kind == "fake":
        return FakePoleDisplay(**options)
    port = _need(settings, config.DISPLAY_PORT, _("The pole display's port"))
    return SerialPoleDisplay(port, settings.get(config.DISPLAY_BAUDRATE), **options)


def build_payment_terminal(settings: Settings, *, events: EventSink | None = None) -> PaymentTerminal | None:
    if settings.get(config.PAYMENT_TERMINAL) == "simulator":
        return SimulatedPaymentTerminal(
            state_path=settings.home / "simulated-terminal.json",
            timeout_s=settings.get(config.PAYMENT_TERMINAL_TIMEOUT_S),
            events=events,
        )
    return None


def build_mobile_gateway(settings: Settings, *, events: EventSink | None = None) -> MobileGateway | None:
    if settings.get(config.PAYMENT_GATEWAY) == "simulator":
        return SimulatedMobileGateway(state_path=settings.home / "simulated-gateway.json", events=events)
    return None


def wedge_settings(settings: Settings) -> WedgeSettings | None:
    """What the Qt wedge filter (``pos_app.ui.wedge``) needs, or None without a wedge reader."""
    if settings.get(config.SCANNER_KIND) not in ("wedge", "both"):
        return None
    return WedgeSettings(
        max_gap_ms=settings.get(config.SCANNER_MAX_GAP_MS),
        min_length=settings.get(config.SCANNER_MIN_LENGTH),
        prefix=settings.get(config.SCANNER_PREFIX),
        suffix=settings.get(config.SCANNER_SUFFIX),
        require_terminator=settings.get(config.SCANNER_REQUIRE_TERMINATOR),
        layout=settings.get(config.SCANNER_LAYOUT),
    )


def build_serial_scanner(
    settings: Settings, on_scan: Callable[[ScanEvent], None], *, events: EventSink | None = None
) -> SerialScanner | None:
    if settings.get(config.SCANNER_KIND) not in ("serial", "both"):
        return None
    port = _need(settings, config.SCANNER_PORT, _("The barcode reader's port"))
    return SerialScanner(
        SerialPort(port, settings.get(config.SCANNER_BAUDRATE)),
        on_scan,
        events=events,
        prefix=settings.get(config.SCANNER_PREFIX),
        suffix=settings.get(config.SCANNER_SUFFIX),
    )


def build_camera(
    settings: Settings, on_scan: Callable[[ScanEvent], None], *, events: EventSink | None = None
) -> CameraScanner | None:
    source = settings.get(config.CAMERA_SOURCE).strip()
    if not source:
        return None
    from hardware.camera import CameraScanner, OpenCVSource

    return CameraScanner(
        OpenCVSource(
            source, width=settings.get(config.CAMERA_WIDTH), height=settings.get(config.CAMERA_HEIGHT)
        ),
        on_scan,
        events=events,
        formats={Symbology(name) for name in settings.get(config.CAMERA_FORMATS)},
        hold_off_ms=settings.get(config.SCAN_HOLD_OFF_MS),
        preview_width=960,
    )


@dataclass
class Devices:
    """The devices of one terminal, built from its settings. ``handler`` is the slot the UI fills with
    its Qt implementation of :class:`~hardware.handler.DeviceHandler`."""

    settings: Settings
    events: EventSink
    handler: HandlerSlot
    printer: ReceiptPrinter | None = None
    display: CustomerDisplay | None = None
    terminal: PaymentTerminal | None = None
    gateway: MobileGateway | None = None
    wedge: WedgeSettings | None = None
    serial_scanner: SerialScanner | None = None
    camera: CameraScanner | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def wants_display_window(self) -> bool:
        return self.settings.get(config.DISPLAY_KIND) == "window"

    def set_display(self, display: CustomerDisplay | None) -> None:
        """The UI's customer display window (``QtCustomerDisplay``) when ``display.kind`` is window."""
        if display is not None and not display.store_payment_qr:
            display.store_payment_qr = self.settings.get(config.DISPLAY_PAYMENT_QR)
        self.display = display

    def start_scanners(self, on_scan: Callable[[ScanEvent], None]) -> None:
        """Build and start the serial reader and the camera (if set up); their scans go to ``on_scan``
        on their own threads."""
        self.stop_scanners()
        self.serial_scanner = self._try(
            lambda: build_serial_scanner(self.settings, on_scan, events=self.events)
        )
        self.camera = self._try(lambda: build_camera(self.settings, on_scan, events=self.events))
        for scanner in (self.serial_scanner, self.camera):
            if scanner is not None:
                scanner.start()

    def stop_scanners(self) -> None:
        for scanner in (self.serial_scanner, self.camera):
            if scanner is not None:
                scanner.stop()
        self.serial_scanner = self.camera = None

    def close(self) -> None:
        self.stop_scanners()
        for device in (self.printer, self.display, self.terminal, self.gateway):
            if device is not None:
                try:
                    device.close()
                except Exception:
                    log.exception("closing %r failed", device)

    def _try(self, build):
        try:
            return build()
        except (DeviceConfigError, ValueError) as exc:
            message = exc.message if isinstance(exc, DeviceConfigError) else str(exc)
            self.problems.append(message)
            self.events.publish("device_problem", device="settings", reason="config", message=message)
            return None


def build_devices(
    settings: Settings, *, events: EventSink | None = None, handler: HandlerSlot | None = None
) -> Devices:
    """Every device ``settings`` asks for (scanners are started later with :meth:`Devices.start_scanners`)."""
    devices = Devices(settings, events or NullEvents(), handler or HandlerSlot())
    devices.printer = devices._try(
        lambda: build_printer(settings, handler=devices.handler, events=devices.events)
    )
    devices.display = devices._try(lambda: build_display(settings, events=devices.events))
    devices.terminal = devices._try(lambda: build_payment_terminal(settings, events=devices.events))
    devices.gateway = devices._try(lambda: build_mobile_gateway(settings, events=devices.events))
    devices.wedge = devices._try(lambda: wedge_settings(settings))
    return devices
