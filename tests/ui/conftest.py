"""The real till window on the offscreen platform, over a real terminal database with demo data."""

from __future__ import annotations

import pytest

from pos_app import config, i18n
from pos_app.app import build_terminal
from pos_app.config import Settings
from pos_app.services.demo import install_demo
from tests.services.conftest import RecordingPrinter


@pytest.fixture
def printer():
    return RecordingPrinter()


@pytest.fixture
def language():
    return "en"


@pytest.fixture
def scanner_kind():
    return "none"


@pytest.fixture
def device_settings():
    """Extra settings for the devices (override in a test module); {} keeps the defaults."""
    return {}


@pytest.fixture
def terminal(home, clock, printer, language, scanner_kind, device_settings):
    settings = Settings.load(home)
    settings.set(config.LANGUAGE, language)
    settings.set(config.RECEIPT_LANGUAGE, language)
    # qtbot types faster than any person: with the keyboard-wedge filter on, every keyClicks would be a
    # "scan". The filter has its own tests (test_wedge_filter.py, test_till_devices.py).
    settings.set(config.SCANNER_KIND, scanner_kind)
    for var, value in device_settings.items():
        settings.set(var, value)
    configured_printer = device_settings.get(config.PRINTER_KIND, "none") != "none"
    term = build_terminal(home, printer=None if configured_printer else printer, clock=clock)
    term.demo = install_demo(term.ctx, products=400, members=20)
    yield term
    term.close()
    i18n.set_language("en")


@pytest.fixture
def window(qtbot, qapp, terminal):
    from pos_app.ui.main import application
    from pos_app.ui.widgets import Sounds
    from pos_app.ui.window import TillWindow

    application([])
    win = TillWindow(terminal, sounds=Sounds(enabled=False))
    qtbot.addWidget(win)
    win.resize(1024, 768)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert not win.runner._worker.is_alive()


def settle(qtbot, win, timeout=5000):
    """Wait until every background task has come back to the GUI thread."""
    qtbot.waitUntil(lambda: win.runner.pending == 0, timeout=timeout)
    qtbot.wait(20)


def sign_in(qtbot, win, staff_id=1001):
    pin = win.terminal.demo.staff[staff_id][2]
    win.signin.staff_field.clear()
    qtbot.keyClicks(win.signin.staff_field, str(staff_id))
    qtbot.keyClick(win.signin.staff_field, "\r")
    qtbot.keyClicks(win.signin.pin_field, pin)
    qtbot.keyClick(win.signin.pin_field, "\r")
    settle(qtbot, win)


def open_till(qtbot, win, amount="500"):
    qtbot.keyClicks(win.open_page.amount, amount)
    qtbot.keyClick(win.open_page.amount, "\r")
    settle(qtbot, win)
    assert win.pages.currentWidget() is win.sale


def scan(qtbot, win, text):
    """A code typed into the scan field and Enter, as a keyboard-wedge reader does."""
    field = win.sale.scan_field
    field.setFocus()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, "\r")
    settle(qtbot, win)


def approve_as_supervisor(qtbot, win):
    """The supervisor (2001) enters their number and PIN in the approval panel now shown."""
    from pos_app.ui.panels import ApprovalPanel

    panel = win.sale.side_panel
    assert isinstance(panel, ApprovalPanel)
    qtbot.keyClicks(panel.staff, "2001")
    qtbot.keyClicks(panel.pin, win.terminal.demo.staff[2001][2])
    qtbot.keyClick(panel.pin, "\r")
    settle(qtbot, win)
