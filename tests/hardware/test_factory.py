"""Devices chosen and set up in the settings file, built by hardware.factory and wired into a terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from hardware.customer_display import FakePoleDisplay, SerialPoleDisplay
from hardware.factory import build_devices, build_printer
from hardware.payment import SimulatedMobileGateway, SimulatedPaymentTerminal
from hardware.printer import FakePrinter, FilePrinter, NetworkPrinter, SerialPrinter, TextPrinter, UsbPrinter
from pos_app.app import build_terminal
from pos_app.config import Settings
from pos_app.domain.barcodes import ScanSource
from pos_app.domain.money import Money
from pos_app.services.demo import install_demo
from tests.hardware import codes
from tests.hardware.conftest import RecordingEvents, product_codes, wait_until
from tests.hardware.test_camera import write_video


def settings_with(home: Path, **values) -> Settings:
    (home / "settings.json").write_text(json.dumps(values), "utf-8")
    return Settings.load(home)


def test_nothing_is_set_up_by_default_but_a_keyboard_wedge(home):
    devices = build_devices(Settings.load(home))
    try:
        assert (devices.printer, devices.display, devices.terminal, devices.gateway) == (None,) * 4
        assert devices.wedge is not None and devices.wedge.max_gap_ms == 30 and devices.wedge.layout == "auto"
        assert devices.problems == []
    finally:
        devices.close()


@pytest.mark.parametrize(
    ("kind", "connection", "cls", "check"),
    [
        ("network", "10.0.0.5", NetworkPrinter, lambda p: (p.host, p.port) == ("10.0.0.5", 9100)),
        ("network", "printer.local:9101", NetworkPrinter, lambda p: p.port == 9101),
        ("serial", "/dev/ttyS0", SerialPrinter, lambda p: p.port == "/dev/ttyS0" and p.baudrate == 19200),
        ("usb", "0416:5011", UsbPrinter, lambda p: (p.vendor_id, p.product_id) == (0x0416, 0x5011)),
        ("file", "/dev/usb/lp0", FilePrinter, lambda p: str(p.path) == "/dev/usb/lp0" and not p.check_status),
        ("fake", "", FakePrinter, lambda p: True),
    ],
)
def test_printers_from_the_settings(home, kind, connection, cls, check):
    settings = settings_with(
        home,
        **{
            "printer.kind": kind,
            "printer.connection": connection,
            "printer.width_mm": 58,
            "printer.baudrate": 19200,
            "printer.drawer_pin": 5,
        },
    )
    printer = build_printer(settings)
    try:
        assert isinstance(printer, cls) and check(printer)
        assert printer.columns == 32 and printer.drawer_pin == 5
    finally:
        printer.close()


def test_a_text_printer_to_the_console_or_a_file(home, tmp_path):
    console = build_printer(settings_with(home, **{"printer.kind": "text"}))
    assert isinstance(console, TextPrinter) and console.target is sys.stdout
    to_file = build_printer(
        settings_with(home, **{"printer.kind": "text", "printer.connection": str(tmp_path / "r")})
    )
    assert to_file.target == tmp_path / "r"


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"printer.kind": "usb", "printer.connection": "the printer"}, "printer.connection"),
        ({"printer.kind": "network"}, "printer.connection"),
        ({"display.kind": "serial"}, "display.port"),
    ],
)
def test_a_device_set_up_wrongly_is_reported_and_left_out(home, values, words):
    events = RecordingEvents()
    devices = build_devices(settings_with(home, **values), events=events)
    try:
        assert devices.printer is None and devices.display is None
        assert len(devices.problems) == 1 and words in devices.problems[0]
        assert events.events[0][0] == "device_problem" and events.events[0][1]["reason"] == "config"
    finally:
        devices.close()


def test_displays_terminals_and_wedge_from_the_settings(home):
    settings = settings_with(
        home,
        **{
            "display.kind": "serial",
            "display.port": "/dev/ttyUSB1",
            "display.command_set": "led8",
            "display.payment_qr": "https://qr.alipay.com/fkx1",
            "payment.terminal": "simulator",
            "payment.mobile_gateway": "simulator",
            "scanner.kind": "serial",
        },
    )
    devices = build_devices(settings)
    try:
        assert isinstance(devices.display, SerialPoleDisplay) and devices.display.command_set == "led8"
        assert devices.display.store_payment_qr == "https://qr.alipay.com/fkx1"
        assert isinstance(devices.terminal, SimulatedPaymentTerminal)
        assert isinstance(devices.gateway, SimulatedMobileGateway)
        assert devices.wedge is None
    finally:
        devices.close()
    window = build_devices(settings_with(home, **{"display.kind": "window", "scanner.prefix": "#"}))
    assert window.display is None and window.wants_display_window and window.wedge.prefix == "#"
    window.close()


def test_the_serial_reader_and_the_camera_start_with_the_terminal(home, tmp_path):
    master, slave = os.openpty()
    video = tmp_path / "cam.avi"
    write_video(video, [(None, 2), (codes.qr_image("FROM-CAMERA", box=6), 4)], size=(640, 360))
    settings = settings_with(
        home,
        **{"scanner.kind": "both", "scanner.port": os.ttyname(slave), "camera.source": str(video)},
    )
    devices = build_devices(settings)
    scans = []
    try:
        devices.start_scanners(scans.append)
        assert devices.serial_scanner.wait_connected(5)
        os.write(master, b"6901234567892\r")
        assert devices.camera.wait_finished(20)
        wait_until(lambda: len(scans) == 2)
    finally:
        devices.close()
        os.close(master)
        os.close(slave)
    assert {(s.text, s.source) for s in scans} == {
        ("FROM-CAMERA", ScanSource.CAMERA),
        ("6901234567892", ScanSource.SERIAL),
    }
    assert devices.camera is None and devices.serial_scanner is None


def test_a_terminal_built_from_its_settings_file_sells_with_its_devices(home, clock):
    settings_with(
        home,
        **{
            "ui.language": "en",
            "receipt.language": "en",
            "printer.kind": "fake",
            "display.kind": "fake",
            "payment.terminal": "simulator",
        },
    )
    terminal = build_terminal(home, clock=clock)
    try:
        demo = install_demo(terminal.ctx, products=100, members=5)
        staff = terminal.staff.sign_in(1001, demo.staff[1001][2])
        terminal.checkout.set_cashier(staff)
        terminal.till.open(staff, Money.of("100"))
        terminal.checkout.scan(product_codes(terminal, 1)[0])
        outcome = terminal.payments.pay_card()
        assert outcome.paid
        sale = terminal.checkout.complete()
        printer = terminal.ctx.printer
        assert isinstance(printer, FakePrinter) and sale.receipt_no.encode() in printer.output
        assert isinstance(terminal.devices.display, FakePoleDisplay)
        assert len(terminal.devices.terminal.charges) == 1
    finally:
        terminal.close()  # closes the devices and their threads too
