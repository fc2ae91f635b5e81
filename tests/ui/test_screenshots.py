"""Screenshots of the main screens in Chinese and in English at 1024x768, for the README and for a
person to look at.

A test run saves them in a temporary folder and compares each with its image committed under
``docs/screenshots/`` (``tests/ui/screens.py`` says what counts as a change), so a screen that changes
by accident fails. ``make screenshots`` (``O2O_REFRESH_SCREENSHOTS=1``) writes them into
``docs/screenshots/`` instead, when a change is meant.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from pos_app.domain.money import Money
from tests.services.conftest import barcodes, scale_label
from tests.ui.conftest import open_till, scan, settle, sign_in
from tests.ui.screens import Difference, difference

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REFRESH = os.environ.get("O2O_REFRESH_SCREENSHOTS") == "1"
# The font the committed images were drawn with: another font changes every line of text, so the
# comparison only means something where the screens are drawn with the same one.
RENDERING = DOCS / "rendering.json"


class Shots:
    """Where a test's screenshots go, and what differs from the committed ones."""

    def __init__(self, folder: Path, compare: bool) -> None:
        self.folder = folder
        self.compare = compare
        self.changed: list[str] = []

    def save(self, window, name: str, language: str, size: tuple[int, int] = (1024, 768)) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}-{language}.png"
        image = window.grab()
        assert (image.width(), image.height()) == size
        assert image.save(str(path))
        if self.compare:
            found = difference(image.toImage(), DOCS / path.name)
            if isinstance(found, Difference):
                marked = path.with_name(path.stem + "-changes.png")
                found.marked.save(str(marked))
                self.changed.append(f"{path.name}: {found.describe()} (see {path} and {marked})")
            elif found is not None:
                self.changed.append(f"{path.name}: {found} (see {path})")
        return path

    def check(self) -> None:
        assert not self.changed, (
            "screens differ from docs/screenshots/ -- if the change is meant, run `make screenshots`"
            " and look at the new images:\n" + "\n".join(self.changed)
        )


def _font() -> str:
    return QApplication.font().family()


@pytest.fixture
def shots(tmp_path, window):
    flash = QApplication.cursorFlashTime()
    QApplication.setCursorFlashTime(0)  # a caret caught on or off would be a change of 26 pixels
    yield _shots(tmp_path)
    QApplication.setCursorFlashTime(flash)


def _shots(tmp_path: Path) -> Shots:
    if REFRESH:
        DOCS.mkdir(parents=True, exist_ok=True)
        RENDERING.write_text(json.dumps({"font": _font()}, ensure_ascii=False) + "\n", "utf-8")
        return Shots(DOCS, compare=False)
    drawn_with = json.loads(RENDERING.read_text("utf-8"))["font"]
    if drawn_with != _font():
        pytest.skip(
            f"the committed screenshots were drawn with the font {drawn_with!r} and this machine draws"
            f" with {_font()!r}: `make screenshots` draws them here"
        )
    return Shots(tmp_path / "screenshots", compare=True)


def ime_commit(widget, text: str) -> None:
    """Chinese typed through an input method arrives as one committed string, not as key presses."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_screenshots_of_the_main_screens(qtbot, window, shots, language):
    save = shots.save
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
    panel.cash.emit(Money.of("100"))
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
    shots.check()


@pytest.mark.parametrize("language", ["zh_CN"])
def test_the_sale_screen_at_full_hd(qtbot, window, shots, language):
    window.resize(1920, 1080)
    sign_in(qtbot, window)
    open_till(qtbot, window)
    for code in barcodes(window.terminal, 4, 6):
        scan(qtbot, window, code)
    scan(qtbot, window, window.terminal.demo.member_code)
    qtbot.wait(50)
    shots.save(window, "3-sale-1920x1080", language, size=(1920, 1080))
    pay = window.sale.pay_button
    assert pay.isVisible() and pay.height() >= 48
    assert window.sale.table.viewport().height() > 600  # the basket takes the extra room
    shots.check()
