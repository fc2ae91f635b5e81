"""Drawing receipt rows: ESC/POS bytes for the printer, and a picture (PNG/PDF) for the screen and
the e-receipt. Both draw the rows of :func:`pos_app.domain.receipt.layout` (and of the X/Z reports)
composed for the same paper width, so the preview is what the printer prints.

ESC/POS goes through python-escpos (``escpos.printer.Dummy`` collects the bytes): styles, native QR
codes, the cut and the drawer kick. Text is sent in the printer's Chinese mode (``FS &``) encoded in
GB18030, which leaves ASCII as it is; for printers without a Chinese font the ``ascii`` charset spells
Chinese in pinyin instead. Paper: 58 mm = 32 columns, 80 mm = 48 columns of 12x24-dot characters (a
Chinese character takes two columns), at 203 dpi.

Bundling note: python-escpos reads its printer profiles from package data: PyInstaller needs
``--collect-data escpos``.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pos_app.domain.receipt import COLUMNS_58MM, COLUMNS_80MM, Row, compose, text_width

FS_CHINESE_ON = b"\x1c&"  # FS &: Chinese (double-byte) character mode
CHARSETS = ("gb18030", "ascii")
DPI = 203
DOTS_PER_COLUMN = 12  # font A: 12 x 24 dots


@dataclass(frozen=True)
class PaperFormat:
    columns: int
    paper_dots: int  # the whole paper width
    qr_module: int  # dots per QR module

    @property
    def printable_dots(self) -> int:
        return self.columns * DOTS_PER_COLUMN


PAPER = {
    58: PaperFormat(COLUMNS_58MM, 464, 5),
    80: PaperFormat(COLUMNS_80MM, 640, 6),
}


def paper_for_columns(columns: int) -> PaperFormat:
    for paper in PAPER.values():
        if paper.columns == columns:
            return paper
    return PaperFormat(columns, columns * DOTS_PER_COLUMN + 64, 6 if columns >= 40 else 5)


def columns_for_width(width_mm: int) -> int:
    if width_mm not in PAPER:
        raise ValueError(f"paper width must be 58 or 80 mm, got {width_mm}")
    return PAPER[width_mm].columns


# --- ESC/POS --------------------------------------------------------------------------------------


def escpos_bytes(
    rows: Sequence[Row],
    columns: int,
    *,
    charset: str = "gb18030",
    native_qr: bool = True,
    partial_cut: bool = True,
) -> bytes:
    """The ESC/POS job that prints ``rows`` on paper ``columns`` wide (starts with ``ESC @``)."""
    from escpos import constants
    from escpos.printer import Dummy

    if charset not in CHARSETS:
        raise ValueError(f"charset must be one of {CHARSETS}, got {charset!r}")
    out = Dummy()
    out.hw("INIT")
    if charset == "gb18030":
        out._raw(FS_CHINESE_ON)
    paper = paper_for_columns(columns)
    bold = large = False
    for given in rows:
        row = _ascii_row(given) if charset == "ascii" else given
        if row.cut:
            out.cut(mode="PART" if partial_cut else "FULL")
            continue
        if row.qr:
            out.set(align="center")
            out.qr(row.qr, ec=constants.QR_ECLEVEL_M, size=paper.qr_module, native=native_qr)
            if native_qr:
                out._raw(b"\n")
            out.set(align="left")
            continue
        want_bold, want_large = row.bold and not row.rule, row.large and not row.rule
        if want_bold != bold:
            out.set(bold=want_bold)
            bold = want_bold
        if want_large != large:
            # GS ! (not ESC !): it enlarges Chinese characters too
            out.set(custom_size=True, width=2 if want_large else 1, height=2 if want_large else 1)
            large = want_large
        for line in compose(row, columns):
            out._raw(_encode(line.rstrip(), charset) + b"\n")
    if bold:
        out.set(bold=False)
    if large:
        out.set(custom_size=True, width=1, height=1)
    return out.output


def drawer_kick_bytes(pin: int = 2, *, realtime: bool = False) -> bytes:
    """A pulse on drawer connector pin 2 or 5: ``ESC p`` (through the print buffer, python-escpos),
    or with ``realtime`` ``DLE DC4 1 m t``, which the printer executes at once even while it is stopped
    (out of paper, cover open) -- so the cashier can still give change."""
    if realtime:
        return b"\x10\x14\x01" + bytes([0 if pin == 2 else 1, 2])  # 200 ms pulse
    from escpos.printer import Dummy

    out = Dummy()
    out.cashdraw(pin)
    return out.output


def _encode(text: str, charset: str) -> bytes:
    if charset == "gb18030":
        return text.encode("gb18030", errors="replace")
    return text.encode("ascii", errors="replace")


def _ascii_row(row: Row) -> Row:
    from dataclasses import replace

    return replace(row, left=to_ascii(row.left), right=to_ascii(row.right))


def to_ascii(text: str) -> str:
    """Chinese in pinyin (``示范店`` -> ``Shi Fan Dian``), full-width forms folded, for printers and
    displays without a Chinese font; anything else not in ASCII becomes ``?``."""
    if text.isascii():
        return text
    from pypinyin import Style, lazy_pinyin

    from hardware.wedge import fold_ime

    out = ""
    for run in _HAN_RUNS.split(fold_ime(text)):
        if not run:
            continue
        piece = run
        if _HAN_RUNS.fullmatch(run):
            piece = " ".join(syllable.capitalize() for syllable in lazy_pinyin(run, style=Style.NORMAL))
        if out and out[-1].isalnum() and piece[0].isalnum():
            out += " "
        out += piece
    return "".join(ch if ch.isascii() else "?" for ch in out)


_HAN_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")


# --- pictures -------------------------------------------------------------------------------------

#: Where a Chinese font is found on the terminals we support, first match wins.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
)
FONT_ENV = "POS_RECEIPT_FONT"


class FontMissingError(RuntimeError):
    pass


def font_path() -> Path:
    """The Chinese font for receipt pictures: ``$POS_RECEIPT_FONT``, else the first installed
    candidate. Raises :class:`FontMissingError` naming what to install."""
    override = os.environ.get(FONT_ENV)
    candidates = (override,) if override else FONT_CANDIDATES
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissingError(
        "No Chinese font for receipt previews: install fonts-wqy-microhei or set "
        f"{FONT_ENV} to a .ttf/.ttc file (looked in {', '.join(c for c in candidates if c)})"
    )


@cache
def _font(path: str, size: int):
    """The font at ``size``; in a collection (.ttc) the monospaced face if there is one (WenQuanYi
    Micro Hei Mono), whose Latin letters fit the printer's half-width cell."""
    from PIL import ImageFont

    fallback = ImageFont.truetype(path, size)
    if not path.lower().endswith(".ttc"):
        return fallback
    for index in range(1, 4):
        try:
            face = ImageFont.truetype(path, size, index=index)
        except OSError:
            break
        if "mono" in (face.getname()[0] or "").lower():
            return face
    return fallback


LINE_DOTS = 32  # ESC 2 default line spacing on a 203 dpi printer, about 4 mm
MARGIN_TOP = 24
FEED_LINES = 4


def receipt_image(rows: Sequence[Row], columns: int, *, scale: int = 1, charset: str = "gb18030"):
    """A grayscale ``PIL.Image`` of ``rows`` as the printer prints them, 203 dots per inch x ``scale``.

    Characters are placed on the printer's grid (12 x 24 dots, Chinese 24 x 24, large rows doubled),
    so columns line up exactly as on paper.
    """
    import qrcode
    from PIL import Image, ImageDraw

    paper = paper_for_columns(columns)
    path = str(font_path())
    margin = (paper.paper_dots - paper.printable_dots) // 2
    pieces: list[tuple[str, object]] = []
    height = MARGIN_TOP
    for given in rows:
        row = _ascii_row(given) if charset == "ascii" else given
        if row.cut:
            height += FEED_LINES * LINE_DOTS
            pieces.append(("cut", height))
            height += 16
            break
        if row.qr:
            code = qrcode.QRCode(
                box_size=paper.qr_module, border=1, error_correction=qrcode.constants.ERROR_CORRECT_M
            )
            code.add_data(row.qr)
            code.make(fit=True)
            image = code.make_image().get_image().convert("L")
            pieces.append(("qr", (height, image)))
            height += image.height + LINE_DOTS // 2
            continue
        line_height = LINE_DOTS * 2 if row.large else LINE_DOTS
        for line in compose(row, columns):
            pieces.append(("text", (height, line, row.bold and not row.rule, row.large and not row.rule)))
            height += line_height
    else:
        height += LINE_DOTS
    canvas = Image.new("L", (paper.paper_dots, height), 255)
    draw = ImageDraw.Draw(canvas)
    for kind, data in pieces:
        if kind == "qr":
            top, image = data  # type: ignore[misc]
            canvas.paste(image, ((paper.paper_dots - image.width) // 2, top))
        elif kind == "text":
            top, line, bold, large = data  # type: ignore[misc]
            _draw_line(draw, path, margin, top, line, bold, large)
        elif kind == "cut":
            y = int(data)  # type: ignore[call-overload]
            for x in range(0, paper.paper_dots, 16):
                draw.line([(x, y), (x + 8, y)], fill=150, width=2)
    if scale != 1:
        canvas = canvas.resize((canvas.width * scale, canvas.height * scale), Image.Resampling.LANCZOS)
    return canvas


def _draw_line(draw, path: str, margin: int, top: int, line: str, bold: bool, large: bool) -> None:
    factor = 2 if large else 1
    cell = DOTS_PER_COLUMN * factor
    wide_font = _font(path, 24 * factor)
    narrow_font = _font(path, 20 * factor)
    baseline = top + 21 * factor  # glyphs sit on a common baseline in the 24-dot character box
    column = 0
    for ch in line:
        width = text_width(ch)
        if width <= 0:
            continue
        if ch != " ":
            font = wide_font if width == 2 else narrow_font
            advance = font.getlength(ch)
            x = margin + column * cell + (width * cell - advance) / 2
            strikes = (0, 1) if bold else (0,)  # emphasised = printed twice, one dot apart
            for dx in strikes:
                draw.text((x + dx, baseline), ch, font=font, fill=0, anchor="ls")
        column += width


def receipt_png(rows: Sequence[Row], columns: int, *, scale: int = 1, charset: str = "gb18030") -> bytes:
    """PNG bytes of :func:`receipt_image` (the on-screen preview)."""
    buffer = io.BytesIO()
    receipt_image(rows, columns, scale=scale, charset=charset).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def receipt_pdf(rows: Sequence[Row], columns: int, *, charset: str = "gb18030") -> bytes:
    """A one-page PDF of the receipt at its real paper size (the e-receipt attachment)."""
    buffer = io.BytesIO()
    image = receipt_image(rows, columns, scale=2, charset=charset)
    # black and white like the thermal print (and a twentieth of the size of a grey image)
    image = image.point(lambda value: 255 if value > 150 else 0).convert("1")
    image.save(buffer, format="PDF", resolution=DPI * 2, title="Receipt")
    return buffer.getvalue()


# --- documents ------------------------------------------------------------------------------------


def _document_rows(document, language: str, copy: bool) -> list[Row]:
    from pos_app.domain.receipt import layout
    from pos_app.i18n import translator

    return layout(document, language, translator(language), copy=copy)


def receipt_preview_png(
    document, language: str, *, columns: int = COLUMNS_80MM, copy: bool = False, scale: int = 1
) -> bytes:
    """The on-screen preview of a :class:`~pos_app.domain.receipt.ReceiptDocument`: PNG bytes of
    exactly what the printer prints (``QPixmap.loadFromData`` takes them as they are)."""
    return receipt_png(_document_rows(document, language, copy), columns, scale=scale)


def receipt_preview_pdf(document, language: str, *, columns: int = COLUMNS_80MM, copy: bool = False) -> bytes:
    """The e-receipt: the same picture as a one-page PDF at the paper's real width."""
    return receipt_pdf(_document_rows(document, language, copy), columns)
