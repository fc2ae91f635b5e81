"""Screenshots of the main screens in Chinese and in English at 1024x768, for the README and for a
person to look at. Saved under docs/screenshots/ by every run."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from pos_app.domain.money import Money
from tests.services.conftest import barcodes, scale_label
from tests.ui.conftest import open_till, scan, settle, sign_in

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def ime_commit(widget, text: str) -> None:
    """Chinese typed through an input method arrives as one committed string, not as key presses."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def save(window, name: str, language: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-{language}.png"
    image = window.grab()
    assert image.width() == 1024 and image.height() == 768
    assert image.save(str(path))
    return path


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_screenshots_of_the_main_screens(qtbot, window, language):
    save(window, "1-sign-in", language)
    sign_in(qtbot, window)
    save(window, "2-open-till", language)
    open_till(qtbot, window)
    terminal = window.terminal
    for code in [
        *barcodes(terminal, 1, 2),
        barcodes(terminal, 1)[0],
        *barcodes(terminal, 2, 3),
        *barcodes(terminal, 3, 1),
    ]:
        scan(qtbot, window, code)
    scan(qtbot, window, scale_label("10001", 655))
    scan(qtbot, window, terminal.demo.member_code)
    scan(qtbot, window, terminal.demo.coupon_codes[1])
    save(window, "3-sale", language)
    if language == "en":
        qtbot.keyClicks(window.sale.scan_field, "nongfu")
    else:
        ime_commit(window.sale.scan_field, "农夫")
    settle(qtbot, window)
    save(window, "4-search", language)
    window.sale.scan_field.clear()
    window.sale.results.hide()
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    panel = window.sale.full_panel
    panel.points.emit(300)
    settle(qtbot, window)
    save(window, "5-payment", language)
    panel.cash.emit(Money.of("100"), False)
    settle(qtbot, window)
    save(window, "6-paid", language)
    qtbot.keyClick(panel, "\r")
    settle(qtbot, window)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F8)
    window.sale.handle_scan(window.last_receipt)
    settle(qtbot, window)
    window.sale.full_panel.spins[1].setValue(1)
    save(window, "7-return", language)
    qtbot.keyClick(window.sale.full_panel, Qt.Key.Key_Escape)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F9)
    panel = window.sale.full_panel
    qtbot.keyClicks(panel.code, terminal.demo.pickup_code)
    qtbot.keyClick(panel.code, "\r")
    settle(qtbot, window)
    save(window, "8-pickup", language)
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    window.backoffice("x_report")
    settle(qtbot, window)
    path = save(window, "9-x-report", language)
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("language", ["zh_CN"])
def test_the_sale_screen_at_full_hd(qtbot, window, language):
    window.resize(1920, 1080)
    sign_in(qtbot, window)
    open_till(qtbot, window)
    for code in barcodes(window.terminal, 4, 6):
        scan(qtbot, window, code)
    scan(qtbot, window, window.terminal.demo.member_code)
    qtbot.wait(50)
    image = window.grab()
    assert (image.width(), image.height()) == (1920, 1080)
    SHOTS.mkdir(parents=True, exist_ok=True)
    image.save(str(SHOTS / f"3-sale-1920x1080-{language}.png"))
    pay = window.sale.pay_button
    assert pay.isVisible() and pay.height() >= 48
    assert window.sale.table.viewport().height() > 600  # the basket takes the extra room
