"""The receipt as a picture: PNG preview and PDF e-receipt, drawn from the same rows as the printer."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware import decode_frame
from hardware.receipt_render import (
    FONT_ENV,
    FontMissingError,
    font_path,
    receipt_image,
    receipt_preview_pdf,
    receipt_preview_png,
)
from pos_app.domain.barcodes import Symbology
from pos_app.domain.receipt import COLUMNS_58MM, COLUMNS_80MM, layout
from pos_app.i18n import translator
from tests.hardware.receipts import full_receipt

DOCS = Path(__file__).resolve().parents[2] / "docs"


def png(data: bytes) -> np.ndarray:
    return np.array(Image.open(io.BytesIO(data)).convert("L"))


def test_the_80mm_chinese_preview_in_the_docs_is_current():
    """docs/receipt-80mm-zh_CN.png is the picture checked by eye; POS_REGOLD=1 redraws it."""
    data = receipt_preview_png(full_receipt(), "zh_CN", columns=COLUMNS_80MM)
    target = DOCS / "receipt-80mm-zh_CN.png"
    if os.environ.get("POS_REGOLD"):
        target.write_bytes(data)
    stored, drawn = png(target.read_bytes()), png(data)
    assert stored.shape == drawn.shape
    # the same picture; a little leeway for another FreeType's anti-aliasing
    assert np.abs(stored.astype(int) - drawn.astype(int)).mean() < 2.0


@pytest.mark.parametrize(("columns", "width"), [(COLUMNS_80MM, 640), (COLUMNS_58MM, 464)])
def test_paper_width_and_margins(columns, width):
    image = png(receipt_preview_png(full_receipt(), "en", columns=columns))
    assert image.shape[1] == width
    margin = (width - columns * 12) // 2
    ink = np.nonzero(image.min(axis=0) < 128)[0]
    assert ink.min() >= margin - 1 and ink.max() <= width - margin  # nothing cut off at the sides
    assert image.shape[0] > 1200


def test_the_qr_code_in_the_preview_scans_back_to_the_receipt_link():
    image = png(receipt_preview_png(full_receipt(), "zh_CN"))
    codes = decode_frame(image)
    assert [(c.text, c.symbology) for c in codes] == [("https://r.o2o.example/S001-T01-000042", Symbology.QR)]


def test_amounts_line_up_on_the_right_edge_like_on_paper():
    rows = layout(full_receipt(), "en", translator("en"))
    image = np.array(receipt_image(rows, COLUMNS_80MM))
    right_edge = 640 - 32
    ink_columns = np.nonzero(image[:, right_edge - 12 : right_edge].min(axis=0) < 128)[0]
    assert len(ink_columns) > 0  # the last column holds digits
    assert image[:, right_edge + 2 :].min() > 128  # and nothing spills past it


def test_scale_doubles_the_picture():
    one = png(receipt_preview_png(full_receipt(), "en"))
    two = png(receipt_preview_png(full_receipt(), "en", scale=2))
    assert two.shape == (one.shape[0] * 2, one.shape[1] * 2)


def test_a_copy_says_so():
    plain = png(receipt_preview_png(full_receipt(), "en"))
    copy = png(receipt_preview_png(full_receipt(), "en", copy=True))
    assert copy.shape[0] == plain.shape[0] + 32  # one more row: *** COPY ***


def test_the_pdf_e_receipt_is_one_page_80mm_wide():
    data = receipt_preview_pdf(full_receipt(), "zh_CN")
    assert data.startswith(b"%PDF-")
    (box,) = re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", data)
    width_mm = float(box[0]) / 72 * 25.4
    assert 79.5 < width_mm < 80.5
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page/") >= 1
    assert len(data) < 100_000


def test_a_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "nothing.ttf"))
    with pytest.raises(FontMissingError, match="fonts-wqy-microhei"):
        font_path()
    monkeypatch.delenv(FONT_ENV)
    assert font_path().is_file()
