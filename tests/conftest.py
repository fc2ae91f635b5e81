"""Hermetic fixtures: every test gets its own data folder, a fixed clock and the English UI; a test
that leaves a thread running fails."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos_app import i18n

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _hermetic(tmp_path, monkeypatch):
    monkeypatch.setenv("POS_HOME", str(tmp_path / "pos-home"))
    i18n.set_language("en")
    before = {t.ident for t in threading.enumerate()}
    yield
    i18n.set_language("en")
    deadline = time.monotonic() + 5
    while True:
        leaked = [
            t
            for t in threading.enumerate()
            if t.ident not in before and t.is_alive() and t is not threading.current_thread()
        ]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not leaked, f"test leaked threads: {[t.name for t in leaked]}"


@pytest.fixture
def clock():
    from pos_app.services.context import FixedClock

    return FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "terminal"
    path.mkdir()
    return path
