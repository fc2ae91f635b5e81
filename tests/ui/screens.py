"""A screen compared with its committed image in ``docs/screenshots/``.

Two renderings of the same screen are not always byte-identical across machines and library versions,
though a person sees no difference. What a person does see is a word or a digit that changed, a widget
that moved or grew, a colour that changed. So a pixel counts as changed only when one of its channels
differs by more than ``TOLERANCE``, and a screen has changed when more than ``MAX_CHANGED`` pixels did.

The figures come from measurements on the till's screens (``tests/ui/test_screenshots.py``):

- noise a person does not see: the same screens drawn by PySide6 6.10.3 instead of 6.11.3 differ in
  up to 3,244 pixels, all by at most 63 levels (the shading of scroll bars); drawn with subpixel
  antialiasing (fontconfig ``rgba=rgb``, ``lcdfilter=lcddefault``) they differ in up to 19,160
  pixels, at most 38 of them by more than 88 levels. Not one pixel moves by more than 96.
- the smallest change tried that a person can read: one letter of the muted "Subtotal" caption
  ("Subtotel") changes 7 pixels by more than 96 levels; one character of other labels ("F3" to "F6",
  "0.99" to "0.92", "Member" to "Membex") changes 18 to 40, a digit of the large total 227.

So ``TOLERANCE`` is 96 and a screen fails when more than ``MAX_CHANGED`` = 4 pixels changed; an
added full stop (4 pixels) gets through. No shift is forgiven: a widget one pixel out of place
is a layout change. Glyphs drawn with another hinting style (fontconfig ``hintstyle``) are drawn
differently, not noisily -- hundreds of pixels move -- so a machine set up that way redraws the images
with ``make screenshots`` before it compares. A text field's blinking caret would be a change of 26
pixels, so the screenshots are taken with the caret not blinking.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter

TOLERANCE = 96  # of 255, on any channel
MAX_CHANGED = 4  # pixels


@dataclass(frozen=True)
class Difference:
    changed: int  # pixels
    box: tuple[int, int, int, int]  # x, y, width, height of the changed area
    marked: QImage  # the new screen with the changed pixels in red

    def describe(self) -> str:
        x, y, w, h = self.box
        return f"{self.changed} pixels changed in the area x={x} y={y} {w}x{h}"


def pixels(image: QImage) -> np.ndarray:
    """The image as a height x width x 3 array of ints (its colour channels)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height = rgb.width(), rgb.height()
    raw = np.frombuffer(rgb.constBits(), np.uint8).reshape(height, rgb.bytesPerLine())
    return raw[:, : width * 4].reshape(height, width, 4)[:, :, :3].astype(np.int16)


def changed_pixels(new: QImage, old: QImage) -> np.ndarray:
    """A mask of the pixels that changed by more than ``TOLERANCE`` on any channel."""
    return np.abs(pixels(new) - pixels(old)).max(axis=2) > TOLERANCE


def difference(new: QImage, committed: Path) -> Difference | str | None:
    """None when ``new`` looks like the committed image; else what differs (a str for a missing image
    or a different size)."""
    if not committed.exists():
        return f"there is no committed image {committed.name}"
    old = QImage(str(committed))
    if old.size() != new.size():
        return f"the size changed from {old.width()}x{old.height()} to {new.width()}x{new.height()}"
    mask = changed_pixels(new, old)
    count = int(mask.sum())
    if count <= MAX_CHANGED:
        return None
    ys, xs = np.nonzero(mask)
    box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    marked = new.convertToFormat(QImage.Format.Format_RGB32)
    painter = QPainter(marked)
    painter.setPen(QColor(255, 0, 0))
    for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
        painter.drawPoint(x, y)
    painter.end()
    return Difference(count, box, marked)
