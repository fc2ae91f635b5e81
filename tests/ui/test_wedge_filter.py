"""The wedge event filter on real widgets: key presses go through Qt's window-system path (QTest on
the QWindow, shortcuts included), or are sent to the window with the timestamps of recorded traces."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from hardware.wedge import WedgeSettings
from pos_app.domain.barcodes import ScanSource, Symbology
from pos_app.ui.wedge import WedgeFilter

EAN = "6901234567892"


class Till(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.pay = QPushButton("Pay")
        layout.addWidget(self.search)
        layout.addWidget(self.pay)
        self.fired: list[str] = []
        for sequence in ("5", "Return", "Ctrl+F", "F5"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.activated.connect(lambda s=sequence: self.fired.append(s))


@pytest.fixture
def till(qtbot):
    window = Till()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.search.setFocus()
    qtbot.waitUntil(window.search.hasFocus)
    wedge = WedgeFilter(WedgeSettings())
    wedge.install()
    scans = []
    wedge.scanned.connect(scans.append)
    window.wedge, window.scans = wedge, scans
    yield window
    wedge.uninstall()


def type_keys(window, text: str, gap_ms: int = 0, qtbot=None) -> None:
    """Through the window system's path (shortcut lookup included)."""
    handle = window.windowHandle()
    for ch in text:
        if ch == "\n":
            QTest.keyClick(handle, Qt.Key.Key_Return)
        else:
            QTest.keyClick(handle, ch)
        if gap_ms:
            qtbot.wait(gap_ms)


def test_a_reader_burst_never_lands_in_the_text_field(till, qtbot):
    type_keys(till, EAN + "\n")
    qtbot.wait(80)
    assert till.search.text() == ""
    assert [(s.text, s.source) for s in till.scans] == [(EAN, ScanSource.WEDGE)]


def test_what_a_person_types_lands_in_order(till, qtbot):
    type_keys(till, "milk", gap_ms=70, qtbot=qtbot)
    qtbot.waitUntil(lambda: till.search.text() == "milk", timeout=2000)
    assert till.scans == []


def test_a_scan_in_the_middle_of_typing(till, qtbot):
    type_keys(till, "ap", gap_ms=70, qtbot=qtbot)
    type_keys(till, EAN + "\n")
    qtbot.wait(70)
    type_keys(till, "ple", gap_ms=70, qtbot=qtbot)
    qtbot.waitUntil(lambda: till.search.text() == "apple", timeout=2000)
    assert [s.text for s in till.scans] == [EAN]


def test_scanner_data_triggers_no_shortcut_but_people_still_can(till, qtbot):
    till.pay.setFocus()  # not a text field: plain keys would reach the shortcuts
    qtbot.waitUntil(till.pay.hasFocus)
    type_keys(till, EAN + "\n")  # contains a 5 and ends with Return
    qtbot.wait(80)
    assert till.fired == []
    assert [s.text for s in till.scans] == [EAN]
    QTest.keyClick(till.windowHandle(), Qt.Key.Key_Return)  # a person pressing Enter
    QTest.keyClick(till.windowHandle(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(till.windowHandle(), Qt.Key.Key_F5)
    assert till.fired == ["Return", "Ctrl+F", "F5"]


def test_ime_commits_from_a_reader_are_swallowed_and_folded(till, qtbot):
    for chunk in ("６９０１", "２３４５６７", "８９２"):
        commit = QInputMethodEvent()
        commit.setCommitString(chunk)
        QCoreApplication.sendEvent(till.search, commit)
    QTest.keyClick(till.windowHandle(), Qt.Key.Key_Return)
    qtbot.wait(80)
    assert till.search.text() == ""
    assert [s.text for s in till.scans] == [EAN]


def test_chinese_typed_with_an_input_method_reaches_the_field(till, qtbot):
    composing = QInputMethodEvent("niu", [])
    QCoreApplication.sendEvent(till.search, composing)
    commit = QInputMethodEvent()
    commit.setCommitString("牛奶")
    QCoreApplication.sendEvent(till.search, commit)
    qtbot.waitUntil(lambda: till.search.text() == "牛奶", timeout=2000)
    assert till.scans == []


def send_trace(window, trace, start_ms: int = 50_000) -> None:
    """Key presses with the timestamps of a recorded trace, sent straight to the window."""
    handle = window.windowHandle()
    stamp = start_ms
    for ch, gap in trace:
        stamp += gap
        if ch == "\n":
            key, text = Qt.Key.Key_Return, "\r"
        else:
            key, text = QKeySequence(ch.upper())[0].key() if ch.isalnum() else Qt.Key.Key_unknown, ch
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            event.setTimestamp(int(stamp))
            QCoreApplication.sendEvent(handle, event)


def test_recorded_reader_trace_with_window_system_timestamps(till, qtbot):
    trace = list(zip(EAN + "\n", [0, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8], strict=True))
    send_trace(till, trace)
    qtbot.wait(80)
    assert till.search.text() == ""
    assert [(s.text, s.symbology) for s in till.scans] == [(EAN, Symbology.UNKNOWN)]


def test_recorded_typing_trace_reaches_the_field_even_when_handled_late(till, qtbot):
    """The loop was busy: the events are handled together, but their timestamps say 'a person'."""
    trace = list(zip("the milk", [0, 18, 96, 131, 88, 112, 140, 97], strict=True))
    send_trace(till, trace)
    qtbot.waitUntil(lambda: till.search.text() == "the milk", timeout=2000)
    assert till.scans == []


def test_a_click_gives_typed_keys_back_at_once(till, qtbot):
    QTest.keyClick(till.windowHandle(), "a")
    assert till.search.text() == ""  # held for at most max_gap_ms
    QTest.mouseClick(till.windowHandle(), Qt.MouseButton.LeftButton)
    assert till.search.text() == "a"


def test_uninstall_gives_back_what_is_held(till, qtbot):
    QTest.keyClick(till.windowHandle(), "z")
    till.wedge.uninstall()
    assert till.search.text() == "z"
    QTest.keyClick(till.windowHandle(), "y")
    assert till.search.text() == "zy"  # no filter any more


def test_without_the_filter_the_same_burst_would_fire_shortcuts(till, qtbot):
    """The control experiment for the test above: the path does reach the shortcuts."""
    till.wedge.uninstall()
    till.pay.setFocus()
    qtbot.waitUntil(till.pay.hasFocus)
    type_keys(till, EAN + "\n")
    assert till.fired == ["5", "Return"]
