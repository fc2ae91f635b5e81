"""A keyboard-wedge reader as an X server delivers it, into the real till window.

``traces/xdotool-receipt-qr.json`` was recorded under Xvfb from a Qt window while ``xdotool type``
typed a receipt's QR code and ``xdotool key Return`` ended it (as the issue's walk did, and as a USB
reader does): before each capital and ``:`` a Shift press with no text, the key with Shift held, then
the Shift release -- and the ``:`` key's release reported as ``;`` because Shift went up first. The
events are sent to the window with their recorded timestamps, native codes and modifiers, so they go
through the application's event filter exactly as the X server's did.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent

from pos_app.ui.backoffice import ReturnPanel
from tests.services.conftest import barcodes
from tests.ui.conftest import open_till, scan, settle, sign_in

TRACE = json.loads((Path(__file__).parent / "traces" / "xdotool-receipt-qr.json").read_text("utf-8"))
# what the trace types: the receipt QR of the first sale of business day 2026-11-23 on till T01
RECEIPT_QR = "https://r.o2o.example/S001-T01-261123-0001"


def typed_text(trace) -> str:
    return "".join(e[2] for e in trace["events"] if e[0] == "press" and e[2] != "\r")


def play_x11(window, trace, start_ms: int = 1_000_000) -> None:
    """Every recorded press and release, to the window as the xcb platform plugin sends them."""
    handle = window.windowHandle()
    for kind, key, text, modifiers, scan_code, virtual_key, native_modifiers, ms in trace["events"]:
        event = QKeyEvent(
            QEvent.Type.KeyPress if kind == "press" else QEvent.Type.KeyRelease,
            key,
            Qt.KeyboardModifier(modifiers),
            scan_code,
            virtual_key,
            native_modifiers,
            text,
        )
        event.setTimestamp(start_ms + ms)
        QCoreApplication.sendEvent(handle, event)


@pytest.fixture
def scanner_kind():
    return "wedge"


def sell_one(qtbot, window) -> str:
    """Sign in and sell one item for exact cash (the wedge filter is off while qtbot types)."""
    window.wedge.uninstall()
    sign_in(qtbot, window)
    open_till(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    panel = window.sale.full_panel
    qtbot.keyClick(panel.amount, "\r")
    settle(qtbot, window)
    qtbot.mouseClick(panel.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    window.wedge.install()
    return window.last_receipt


def test_the_trace_is_what_the_reader_typed():
    assert typed_text(TRACE) == RECEIPT_QR
    shift = [e for e in TRACE["events"] if e[1] == Qt.Key.Key_Shift.value]
    assert len(shift) == 2 * sum(ch.isupper() or ch == ":" for ch in RECEIPT_QR)
    assert all(e[2] == "" for e in shift)  # a Shift press types nothing


def test_a_receipt_qr_scanned_on_the_return_screen_finds_its_sale(qtbot, window):
    receipt = sell_one(qtbot, window)
    assert receipt == "S001-T01-261123-0001"
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F8)
    panel = window.sale.full_panel
    assert isinstance(panel, ReturnPanel) and panel.receipt.hasFocus()
    play_x11(window, TRACE)
    settle(qtbot, window)
    assert panel.sale is not None and panel.sale.receipt_no == receipt
    assert panel.receipt.text() == receipt and panel.error.text() == ""
    assert window.wedge.detector.scans == 1


def test_a_receipt_qr_scanned_on_the_sale_screen_opens_its_return(qtbot, window):
    receipt = sell_one(qtbot, window)
    field = window.sale.scan_field
    assert field.hasFocus()
    play_x11(window, TRACE)
    settle(qtbot, window)
    assert field.text() == ""  # no half of the code left in the field
    assert window.sale.model.rowCount() == 0  # and no other half rung up as an unknown product
    panel = window.sale.full_panel
    assert isinstance(panel, ReturnPanel) and panel.sale is not None and panel.sale.receipt_no == receipt
    assert "not in the catalogue" not in window.sale.message.text()


def test_a_person_typing_capitals_with_shift_still_types_them(qtbot, window):
    """Shift pressed by a person is given back before the letter it shifts."""
    sell_one(qtbot, window)
    field = window.sale.scan_field
    handle = window.windowHandle()
    stamp = 2_000_000
    for kind, key, text, modifiers in (
        ("press", Qt.Key.Key_Shift, "", Qt.KeyboardModifier.ShiftModifier),
        ("press", Qt.Key.Key_M, "M", Qt.KeyboardModifier.ShiftModifier),
        ("release", Qt.Key.Key_M, "M", Qt.KeyboardModifier.ShiftModifier),
        ("release", Qt.Key.Key_Shift, "", Qt.KeyboardModifier.NoModifier),
        ("press", Qt.Key.Key_I, "i", Qt.KeyboardModifier.NoModifier),
        ("release", Qt.Key.Key_I, "i", Qt.KeyboardModifier.NoModifier),
    ):
        stamp += 120  # a person: 120 ms between keys
        event = QKeyEvent(
            QEvent.Type.KeyPress if kind == "press" else QEvent.Type.KeyRelease, key, modifiers, text
        )
        event.setTimestamp(stamp)
        QCoreApplication.sendEvent(handle, event)
        qtbot.wait(60)  # the filter gives a person's key back after max_gap_ms
    qtbot.waitUntil(lambda: field.text() == "Mi", timeout=2000)
    assert window.wedge.detector.scans == 0
