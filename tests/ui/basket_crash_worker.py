"""Child process for test_basket_crash: the real till window (offscreen) rings up goods with real
key events, and is killed with SIGKILL the moment the last line shows on the screen -- before any
payment. Arguments: the terminal's data folder, the cashier's PIN, the codes to scan."""

import os
import signal
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from pos_app.app import build_terminal
from pos_app.ui.main import application
from pos_app.ui.widgets import Sounds
from pos_app.ui.window import TillWindow


def main(home: str, pin: str, *codes: str) -> None:
    app = application([])
    terminal = build_terminal(Path(home))
    window = TillWindow(terminal, sounds=Sounds(enabled=False))
    window.show()

    def shown(view) -> None:
        if len(view.lines) == len(codes):
            os.kill(os.getpid(), signal.SIGKILL)  # the till crashes: no clean-up of any kind

    window.controller.basket_changed.connect(shown)

    def type_into(field, text: str) -> None:
        QTest.keyClicks(field, text)
        QTest.keyClick(field, Qt.Key.Key_Return)

    def ring_up() -> None:
        if window.pages.currentWidget() is not window.sale:
            QTimer.singleShot(20, ring_up)  # signing in goes through the worker
            return
        for code in codes:
            type_into(window.sale.scan_field, code)

    type_into(window.signin.staff_field, "1001")
    type_into(window.signin.pin_field, pin)
    QTimer.singleShot(20, ring_up)
    QTimer.singleShot(30_000, app.quit)  # never killed: the test sees "not killed"
    app.exec()
    print("not killed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
