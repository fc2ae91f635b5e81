"""Starting the till window for a built terminal (called by ``pos-app till``)."""

from __future__ import annotations

import os
import sys

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

import resources
from pos_app.app import Terminal
from pos_app.ui.window import TillWindow

GIL_SWITCH_SECONDS = 0.001
FONT_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC")


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the till's style and a font that has Chinese glyphs."""
    # The sync engine, the device readers and the task runner are Python threads in this process; the
    # interpreter hands the GIL between threads every 5 ms by default, which a scan that crosses
    # threads twice pays several times over while the engine serialises a batch. 1 ms keeps the
    # window's answer to a scan within budget while sync runs (benchmarks/bench_till.py).
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    # QtMultimedia (the scan sounds) lists every optional codec library it did not find; not news to a
    # cashier's console. Real problems are still logged.
    os.environ.setdefault(
        "QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false"
    )
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("O2O Till")
    families = set(QFontDatabase.families())
    for family in FONT_FAMILIES:
        if family in families:
            app.setFont(QFont(family, 11))
            break
    app.setStyleSheet(resources.path("style", "till.qss").read_text("utf-8"))
    return app


def run_till(terminal: Terminal, *, fullscreen: bool = False) -> int:
    app = application()
    window = TillWindow(terminal)
    if fullscreen:
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()
    return app.exec()
