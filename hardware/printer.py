"""Receipt printers. A printer draws a :class:`~pos_app.domain.receipt.ReceiptDocument` laid out for its
paper width; the sale is committed before anything is printed, so a printer problem never loses a sale:
the job stays in the database and can be printed again.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TextIO

from pos_app.domain.receipt import COLUMNS_80MM, ReceiptDocument, render_text
from pos_app.i18n import translator


class PrinterError(Exception):
    """The printer could not print. ``reason``: offline, paper_out, cover_open, error."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ReceiptPrinter(ABC):
    """A receipt printer (with the cash drawer wired to it, as usual in stores)."""

    columns: int = COLUMNS_80MM

    @abstractmethod
    def print_receipt(self, document: ReceiptDocument, language: str, *, copy: bool = False) -> None:
        """Print ``document`` in ``language``; raises :class:`PrinterError`."""

    def open_drawer(self) -> None:  # noqa: B027 - printers without a drawer do nothing
        """Kick the cash drawer connected to the printer."""

    def is_usable(self) -> bool:
        return True


class TextPrinter(ReceiptPrinter):
    """Prints receipts as plain text to a stream (the console demo) or appends them to a file."""

    def __init__(self, target: TextIO | Path, columns: int = COLUMNS_80MM) -> None:
        self.target = target
        self.columns = columns
        self.drawer_kicks = 0
        self._lock = threading.Lock()

    def print_receipt(self, document: ReceiptDocument, language: str, *, copy: bool = False) -> None:
        text = render_text(document, language, translator(language), self.columns, copy=copy)
        with self._lock:
            if isinstance(self.target, Path):
                try:
                    with self.target.open("a", encoding="utf-8") as fh:
                        fh.write(text + "\n")
                except OSError as exc:
                    raise PrinterError("error", str(exc)) from exc
            else:
                self.target.write(text + "\n")
                self.target.flush()

    def open_drawer(self) -> None:
        with self._lock:
            self.drawer_kicks += 1
