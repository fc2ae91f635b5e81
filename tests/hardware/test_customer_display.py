"""Pole displays: what the customer reads, the bytes of each command set, a serial pty, failures."""

from __future__ import annotations

import os
import time

import pytest

from hardware.customer_display import (
    CustomerScreen,
    FakePoleDisplay,
    ScreenKind,
    SerialPoleDisplay,
    screen_lines,
)
from pos_app.domain.money import Money

M = Money.of


@pytest.fixture
def display():
    d = FakePoleDisplay()
    yield d
    d.close()


def test_what_each_screen_says_on_two_lines_of_twenty():
    def lines(screen):
        return screen_lines(screen, 20, "en")

    assert lines(CustomerScreen(ScreenKind.WELCOME, title="Demo Store")) == (
        "      Welcome",
        "     Demo Store",
    )
    item = CustomerScreen(ScreenKind.ITEM, "Bright Pure Milk 250ml", "3 x 3.50", M("10.50"), M("23.80"), 4)
    assert lines(item) == ("Bright Pure Mi 10.50", "Total          23.80")
    assert lines(CustomerScreen(ScreenKind.TOTAL, total=M("23.80"), due=M("23.80"))) == (
        "Total          23.80",
        "",
    )
    assert (
        lines(CustomerScreen(ScreenKind.TOTAL, total=M("23.80"), due=M("3.80")))[1] == "To pay          3.80"
    )
    assert lines(CustomerScreen(ScreenKind.PAYMENT, due=M("3.80"), qr_data="weixin://x")) == (
        "To pay          3.80",
        "    Scan to pay",
    )
    assert lines(CustomerScreen(ScreenKind.CHANGE, paid=M("50.00"), change=M("26.20"))) == (
        "Paid           50.00",
        "Change         26.20",
    )
    assert lines(CustomerScreen(ScreenKind.CLOSED)) == ("    Till closed", "")


def test_chinese_labels_and_names_on_a_chinese_display():
    item = CustomerScreen(ScreenKind.ITEM, "光明纯牛奶 250ml", "", M("3.50"), M("3.50"), 1)
    first, second = screen_lines(item, 20, "zh_CN")
    assert first == "光明纯牛奶 250m 3.50"  # 20 columns: each Chinese character takes two
    assert second == "合计            3.50"


def test_cd5220_bytes(display):
    display.item("Tea", "1 x 2.00", M("2.00"), M("2.00"), 1)
    display.item("Milk", "1 x 3.50", M("3.50"), M("5.50"), 2)
    display.flush()
    first = b"\x1b@\x0c" + b"\x1bQATea             2.00\r" + b"\x1bQBTotal           2.00\r"
    second = b"\x1bQAMilk            3.50\r" + b"\x1bQBTotal           5.50\r"
    assert bytes(display.output) == first + second
    assert display.shown == ("Milk            3.50", "Total           5.50")


def test_epson_bytes():
    display = FakePoleDisplay(command_set="epson")
    try:
        display.change(M("50.00"), M("26.20"))
        display.flush()
    finally:
        display.close()
    assert bytes(display.output) == (
        b"\x1b@\x0c" + b"\x1f$\x01\x01Paid           50.00" + b"\x1f$\x01\x02Change         26.20"
    )
    assert display.shown == ("Paid           50.00", "Change         26.20")


def test_led_price_display_lights_the_right_lamp():
    display = FakePoleDisplay(command_set="led8")
    try:
        display.item("Tea", "", M("2.00"), M("2.00"), 1)
        display.flush()
        assert (display.lamp, display.shown[0]) == (b"1", "2.00")  # 单价
        display.total(M("123.45"))
        display.flush()
        assert (display.lamp, display.shown[0]) == (b"2", "123.45")  # 总计
        display.change(M("200.00"), M("76.55"))
        display.flush()
        assert (display.lamp, display.shown[0]) == (b"4", "76.55")  # 找零
        display.welcome("Store")
        display.flush()
        assert display.lamp == b"0" and display.shown == ("", "")
    finally:
        display.close()
    assert bytes(display.output).startswith(b"\x1b@\x1bs1\x1bQA2.00\r")


def test_chinese_names_are_spelled_in_pinyin_on_an_ascii_display(display):
    display.item("光明纯牛奶", "", M("3.50"), M("3.50"), 1)
    display.flush()
    assert display.shown == ("Guang Ming Chun 3.50", "Total           3.50")


def test_a_chinese_display_gets_gb18030(tmp_path):
    display = FakePoleDisplay(charset="gb18030", language="zh_CN")
    try:
        display.welcome("示范店")
        display.flush()
    finally:
        display.close()
    assert "欢迎光临".encode("gb18030") in display.output
    assert display.shown[1].strip() == "示范店"


def test_updates_never_wait_for_the_serial_line(display):
    slow = display._write

    def slow_write(data):
        time.sleep(0.3)
        slow(data)

    display._write = slow_write
    start = time.perf_counter()
    display.item("Tea", "", M("2.00"), M("2.00"), 1)
    display.total(M("2.00"))
    assert time.perf_counter() - start < 0.1
    display.flush()
    assert display.shown[0].startswith("Total")
    assert display.last_screen.kind is ScreenKind.TOTAL


def test_an_unplugged_display_is_reported_once_and_comes_back(events):
    display = FakePoleDisplay(events=events)
    try:
        display.connected = False
        display.total(M("1.00"))
        display.total(M("2.00"))
        display.flush()
        assert events.names() == ["device_problem"]
        assert events.events[0][1]["device"] == "display"
        display.connected = True
        display.total(M("3.00"))
        display.flush()
    finally:
        display.close()
    assert events.names() == ["device_problem", "device_ok"]
    assert bytes(display.output).startswith(b"\x1b@\x0c")  # initialised again after the cable came back
    assert display.shown[0] == "Total           3.00"


def test_serial_pole_display_on_a_pseudo_terminal():
    master, slave = os.openpty()
    display = SerialPoleDisplay(os.ttyname(slave), 9600)
    try:
        display.welcome("Demo Store")
        display.flush()
        expected = b"\x1b@\x0c\x1bQA      Welcome       \r\x1bQB     Demo Store     \r"
        received = b""
        while len(received) < len(expected):
            received += os.read(master, 1024)
    finally:
        display.close()
        os.close(master)
        os.close(slave)
    assert received == expected


def test_a_serial_display_that_is_not_there_is_a_problem_not_a_crash(events):
    display = SerialPoleDisplay("/dev/ttyNOPE1", events=events)
    try:
        display.welcome("x")
        display.flush()
    finally:
        display.close()
    assert events.names() == ["device_problem"]
    assert "/dev/ttyNOPE1" in events.events[0][1]["message"]


def test_unknown_command_sets_are_refused():
    with pytest.raises(ValueError):
        FakePoleDisplay(command_set="vt100")
