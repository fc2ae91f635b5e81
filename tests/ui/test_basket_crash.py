"""A basket being rung up survives the till being killed before payment: the real window in a child
process rings up goods with real key events and is killed with SIGKILL the moment the last line is
on its screen; the till started again shows the same basket to the cashier who signs in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pos_app import config, i18n
from pos_app.app import build_terminal
from pos_app.config import Settings
from pos_app.domain.money import Money
from pos_app.services.demo import install_demo
from tests.services.conftest import barcodes
from tests.ui.conftest import settle, sign_in

ROOT = Path(__file__).resolve().parents[2]


def prepared(home: Path, clock) -> tuple[str, list[str]]:
    """Demo data, the till opened; returns the cashier's PIN and codes to scan."""
    settings = Settings.load(home)
    settings.set(config.LANGUAGE, "en")
    settings.set(config.SCANNER_KIND, "none")
    terminal = build_terminal(home, clock=clock)
    try:
        demo = install_demo(terminal.ctx, products=400, members=20)
        pin = demo.staff[1001][2]
        terminal.till.open(terminal.staff.sign_in(1001, pin), Money.of("500"))
        codes = barcodes(terminal, 1, 2) + barcodes(terminal, 3, 1)
    finally:
        terminal.close()
    return pin, codes


@pytest.mark.parametrize("lines", [1, 3])
def test_a_basket_rung_up_comes_back_after_the_till_is_killed(qtbot, qapp, home, clock, lines):
    pin, codes = prepared(home, clock)
    child = subprocess.run(
        [sys.executable, str(ROOT / "tests/ui/basket_crash_worker.py"), str(home), pin, *codes[:lines]],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr

    from pos_app.ui.main import application
    from pos_app.ui.widgets import Sounds
    from pos_app.ui.window import TillWindow

    application([])
    terminal = build_terminal(home, clock=clock)
    terminal.demo = SimpleNamespace(staff={1001: ("", "cashier", pin)})  # what sign_in() reads
    window = TillWindow(terminal, sounds=Sounds(enabled=False))
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.sale.model.rowCount() == 0
        sign_in(qtbot, window)
        settle(qtbot, window)
        assert window.pages.currentWidget() is window.sale
        assert len(window.sale.model.lines) == lines
        assert not any(line.voided for line in window.sale.model.lines)
        assert window.sale.view.payment is None  # nothing was paid: the sale carries on as it was
        table = window.sale.table  # measured at the table's own width, not while it was hidden
        assert all(table.rowHeight(row) < 80 for row in range(lines)), [
            table.rowHeight(row) for row in range(lines)
        ]
    finally:
        window.close()
        terminal.close()
        i18n.set_language("en")
