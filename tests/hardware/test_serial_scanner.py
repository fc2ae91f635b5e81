"""The serial barcode reader over a real pseudo-terminal pair: pyserial opens the slave side, the test
writes what a reader would send to the master side."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import pytest

from hardware.serial_scanner import FakeScanPort, ScannerError, SerialPort, SerialScanner
from pos_app.domain.barcodes import ProductKey, ScanSource, Symbology
from pos_app.services.scanning import PaymentScan, ScanContext, classify_scan
from tests.hardware.conftest import wait_until


class Pty:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def pty():
    p = Pty()
    yield p
    p.unplug()


class Collector:
    def __init__(self) -> None:
        self.scans = []
        self.cond = threading.Condition()

    def __call__(self, scan) -> None:
        with self.cond:
            self.scans.append(scan)
            self.cond.notify_all()

    def wait(self, n: int, timeout: float = 5.0):
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.scans) >= n, timeout), self.scans
            return list(self.scans)


def test_codes_from_a_reader_on_a_serial_port(pty, events):
    got = Collector()
    scanner = SerialScanner(SerialPort(pty.path, 9600), got, events=events)
    scanner.start()
    try:
        assert scanner.wait_connected(5)
        pty.send(b"6901234567892\r\n")
        pty.send(b"]E04006381333931\r")  # with an AIM identifier
        pty.send(b"134567890123456789\r")  # a customer's WeChat payment code
        pty.send(b"O2O1M.AEAA")  # one code in two pieces
        pty.send(b"AADEAAAA\n")
        scans = got.wait(4)
    finally:
        scanner.stop()
    assert [(s.text, s.symbology, s.source) for s in scans] == [
        ("6901234567892", Symbology.UNKNOWN, ScanSource.SERIAL),
        ("4006381333931", Symbology.EAN13, ScanSource.SERIAL),
        ("134567890123456789", Symbology.UNKNOWN, ScanSource.SERIAL),
        ("O2O1M.AEAAAADEAAAA", Symbology.UNKNOWN, ScanSource.SERIAL),
    ]
    assert classify_scan(scans[0].text, scans[0].symbology).key is ProductKey.GTIN
    assert isinstance(classify_scan(scans[2].text, None, ScanContext(taking_payment=True)), PaymentScan)
    assert "device_problem" not in events.names()


def test_stx_etx_framing_prefix_suffix_and_no_terminator(pty):
    got = Collector()
    scanner = SerialScanner(SerialPort(pty.path, 115200), got, prefix="#", suffix="!", idle_s=0.05)
    scanner.start()
    try:
        assert scanner.wait_connected(5)
        pty.send(b"\x026901234567892\x03")
        pty.send(b"#4006381333931!\r\n")
        pty.send(b"96385074")  # a reader set up without any terminator
        scans = got.wait(3)
    finally:
        scanner.stop()
    assert [s.text for s in scans] == ["6901234567892", "4006381333931", "96385074"]


def test_garbage_reaches_the_classifier_which_says_what_is_wrong(pty):
    got = Collector()
    scanner = SerialScanner(SerialPort(pty.path), got, idle_s=0.05)
    scanner.start()
    try:
        assert scanner.wait_connected(5)
        pty.send(b"\xff\xfe\x01\x80\r")  # line noise
        pty.send(b"\r\n\r\n")  # empty lines are ignored
        pty.send(b"X" * 600)  # no terminator, far too long: cut at 513 bytes, the rest after a pause
        time.sleep(0.3)
        pty.send("条码\r".encode("gb18030"))  # a reader set up for GBK text
        scans = got.wait(4)
    finally:
        scanner.stop()
    results = [classify_scan(s.text, s.symbology) for s in scans]
    assert [getattr(r, "code", None) for r in results] == ["unreadable", "too_long", "unknown", "unknown"]
    assert scans[3].text == "条码"


def test_an_unplugged_reader_is_reported_and_reopened(tmp_path, events):
    link = tmp_path / "ttyScanner"
    first = Pty()
    link.symlink_to(first.path)
    got = Collector()
    scanner = SerialScanner(SerialPort(str(link)), got, events=events, reopen_delays_s=(0.05,))
    scanner.start()
    second = None
    try:
        assert scanner.wait_connected(5)
        first.send(b"6901234567892\r")
        got.wait(1)
        first.unplug()  # the USB cable is pulled
        problem = events.wait_for("device_problem")[0]
        assert problem["device"] == "scanner" and problem["reason"] == "offline"
        second = Pty()  # plugged in again (a new tty behind the same name, as udev does)
        link.unlink()
        link.symlink_to(second.path)
        events.wait_for("device_ok")
        assert scanner.wait_connected(5)
        second.send(b"4006381333931\r")
        scans = got.wait(2)
    finally:
        scanner.stop()
        first.unplug()
        if second is not None:
            second.unplug()
    assert [s.text for s in scans] == ["6901234567892", "4006381333931"]
    assert not scanner.is_running


def test_a_port_that_does_not_exist_is_a_clear_problem(tmp_path, events):
    scanner = SerialScanner(SerialPort(str(tmp_path / "nothing")), lambda s: None, events=events)
    scanner.start()
    try:
        message = events.wait_for("device_problem")[0]["message"]
    finally:
        scanner.stop()
    assert "cannot be opened" in message and "nothing" in message


def test_the_fake_port_goes_through_the_same_scanner(events):
    port = FakeScanPort()
    port.open_failures = 1
    got = Collector()
    scanner = SerialScanner(port, got, events=events, reopen_delays_s=(0.01,))
    scanner.start()
    try:
        port.send(b"6901234567892\r")
        port.send(ScannerError("cable"))
        port.send(b"96385074\r")
        scans = got.wait(2)
        wait_until(lambda: events.names().count("device_ok") == 2)
    finally:
        scanner.stop()
    assert [s.text for s in scans] == ["6901234567892", "96385074"]
    assert port.opens == 3
    assert events.names() == ["device_problem", "device_ok", "device_problem", "device_ok"]


def test_a_listener_that_fails_does_not_stop_the_reader():
    port = FakeScanPort()
    seen = []

    def listener(scan):
        seen.append(scan.text)
        raise RuntimeError("bug")

    scanner = SerialScanner(port, listener)
    scanner.start()
    try:
        port.send(b"1111\r2222\r")
        wait_until(lambda: len(seen) == 2)
    finally:
        scanner.stop()
    assert seen == ["1111", "2222"]
    scanner.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            scanner.start()
    finally:
        scanner.stop()
