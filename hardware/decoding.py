"""Barcode decoding of one image: :func:`decode_frame`, the function the camera calls for every frame.

zxing-cpp is the decoder: restricted to the formats a store uses it reads a 1280x720 frame in a few
milliseconds, including rotated and inverted codes. When it finds nothing, the frame is tried once more
after local contrast equalisation (CLAHE), which rescues dim or glossy labels (the camera skips this
retry: see :class:`hardware.camera.CameraScanner`). pyzbar (libzbar) is the
fallback: used when zxing-cpp is not installed, and after zxing for a still image when asked. It is
about ten times slower, so the camera uses it only when zxing-cpp is missing.

Bundling note: on Linux and macOS pyzbar looks libzbar up with ``ctypes.util.find_library``, which
does not see a library collected into a PyInstaller bundle. :func:`_use_bundled_libzbar` loads it by
path instead: ``$POS_ZBAR_LIBRARY``, else a ``libzbar*`` file in the bundle (``sys._MEIPASS``).
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pos_app.domain.barcodes import Symbology

log = logging.getLogger(__name__)

Point = tuple[int, int]

#: What a store scans: products (EAN/UPC, Code 128, GS1 DataBar) and our QR codes (members, coupons,
#: pickups, customers' payment codes).
RETAIL_FORMATS: frozenset[Symbology] = frozenset(
    {
        Symbology.QR,
        Symbology.EAN13,
        Symbology.EAN8,
        Symbology.UPCA,
        Symbology.UPCE,
        Symbology.CODE128,
        Symbology.GS1_128,
        Symbology.DATABAR,
        Symbology.DATABAR_EXPANDED,
    }
)

ZXING = "zxing"
PYZBAR = "pyzbar"
ZBAR_LIBRARY_ENV = "POS_ZBAR_LIBRARY"


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One code found in an image: its text, symbology and corners (pixels, clockwise from top left)."""

    text: str
    symbology: Symbology
    corners: tuple[Point, Point, Point, Point]
    decoder: str = ZXING

    @property
    def center(self) -> tuple[float, float]:
        return (sum(p[0] for p in self.corners) / 4, sum(p[1] for p in self.corners) / 4)


# --- availability ---------------------------------------------------------------------------------


@cache
def _zxing():
    try:
        import zxingcpp
    except ImportError:
        return None
    return zxingcpp


@cache
def _pyzbar():
    try:
        _use_bundled_libzbar()
        from pyzbar import pyzbar
    except (ImportError, OSError):  # OSError: libzbar itself is missing
        return None
    return pyzbar


def _use_bundled_libzbar() -> None:
    """Point pyzbar at libzbar by path when it is named or shipped in the bundle (see above)."""
    path = os.environ.get(ZBAR_LIBRARY_ENV)
    bundle = getattr(sys, "_MEIPASS", None)
    if not path and bundle and sys.platform != "win32":
        found = sorted(Path(bundle).glob("**/libzbar*.so*")) + sorted(Path(bundle).glob("**/libzbar*.dylib"))
        path = str(found[0]) if found else None
    if not path:
        return
    from ctypes import cdll

    from pyzbar import zbar_library

    def load():
        return cdll.LoadLibrary(path), []

    zbar_library.load = load


def available_decoders() -> tuple[str, ...]:
    """The decoders installed here, best first."""
    return tuple(name for name, module in ((ZXING, _zxing()), (PYZBAR, _pyzbar())) if module is not None)


def is_usable() -> bool:
    return bool(available_decoders())


# --- the function ---------------------------------------------------------------------------------


def decode_frame(
    image: np.ndarray,
    formats: Iterable[Symbology] | None = None,
    *,
    decoders: Sequence[str] = (ZXING, PYZBAR),
    enhance: bool = True,
) -> list[DecodedCode]:
    """Every code of ``formats`` (default: :data:`RETAIL_FORMATS`) found in ``image``.

    ``image``: a numpy ``uint8`` array, grayscale (H, W) or BGR/BGRA (H, W, 3|4) as OpenCV gives it.
    ``decoders`` are tried in order until one finds something (those not installed are skipped);
    ``enhance`` retries zxing on a contrast-equalised copy when the plain pass finds nothing.
    Thread-safe and free of side effects; raises ``ValueError`` for an array that is not an image.
    """
    gray = to_gray(image)
    wanted = frozenset(formats) if formats is not None else RETAIL_FORMATS
    for name in decoders:
        if name == ZXING and _zxing() is not None:
            found = _decode_zxing(gray, wanted)
            if not found and enhance:
                found = _decode_zxing(_equalise(gray), wanted)
        elif name == PYZBAR and _pyzbar() is not None:
            found = _decode_pyzbar(gray, wanted)
        elif name in (ZXING, PYZBAR):
            continue
        else:
            raise ValueError(f"unknown decoder {name!r}; use {ZXING!r} or {PYZBAR!r}")
        if found:
            return found
    return []


def to_gray(image: np.ndarray) -> np.ndarray:
    """A C-contiguous 8-bit grayscale view or copy of ``image`` (see :func:`decode_frame`)."""
    import cv2

    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected a numpy image array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit image, got {image.dtype}")
    if image.ndim == 2:
        gray = image
    elif image.ndim == 3 and image.shape[2] == 1:
        gray = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] == 3:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    elif image.ndim == 3 and image.shape[2] == 4:
        gray = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    else:
        raise ValueError(f"expected a grayscale or BGR image, got shape {image.shape}")
    if gray.shape[0] < 8 or gray.shape[1] < 8:
        raise ValueError(f"image too small to hold a code: {gray.shape[1]}x{gray.shape[0]}")
    return np.ascontiguousarray(gray)


_local = threading.local()


def _equalise(gray: np.ndarray) -> np.ndarray:
    import cv2

    clahe = getattr(_local, "clahe", None)
    if clahe is None:  # OpenCV objects are not shared between threads
        clahe = _local.clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    return clahe.apply(gray)


# --- zxing-cpp ------------------------------------------------------------------------------------


@cache
def _zxing_formats(wanted: frozenset[Symbology]) -> tuple:
    z = _zxing()
    F = z.BarcodeFormat
    table = {
        Symbology.QR: (F.QRCode,),
        Symbology.EAN13: (F.EAN13,),
        Symbology.EAN8: (F.EAN8,),
        Symbology.UPCA: (F.UPCA,),
        Symbology.UPCE: (F.UPCE,),
        Symbology.CODE128: (F.Code128,),
        Symbology.GS1_128: (F.Code128,),
        Symbology.DATABAR: (F.DataBar, F.DataBarLimited),
        Symbology.DATABAR_EXPANDED: (F.DataBarExpanded,),
    }
    chosen: list = []
    for symbology in wanted:
        for fmt in table.get(symbology, ()):
            if fmt not in chosen:
                chosen.append(fmt)
    return tuple(chosen)


@cache
def _zxing_symbologies() -> dict:
    F = _zxing().BarcodeFormat
    names = {
        "QRCode": Symbology.QR,
        "EAN13": Symbology.EAN13,
        "EAN8": Symbology.EAN8,
        "UPCA": Symbology.UPCA,
        "UPCE": Symbology.UPCE,
        "Code128": Symbology.CODE128,
        "DataBar": Symbology.DATABAR,
        "DataBarOmni": Symbology.DATABAR,
        "DataBarStk": Symbology.DATABAR,
        "DataBarStkOmni": Symbology.DATABAR,
        "DataBarLtd": Symbology.DATABAR,
        "DataBarLimited": Symbology.DATABAR,
        "DataBarExp": Symbology.DATABAR_EXPANDED,
        "DataBarExpStk": Symbology.DATABAR_EXPANDED,
        "DataBarExpanded": Symbology.DATABAR_EXPANDED,
    }
    return {getattr(F, name): symbology for name, symbology in names.items() if hasattr(F, name)}


def _decode_zxing(gray: np.ndarray, wanted: frozenset[Symbology]) -> list[DecodedCode]:
    z = _zxing()
    formats = _zxing_formats(wanted)
    if not formats:
        return []
    found: list[DecodedCode] = []
    for barcode in z.read_barcodes(gray, formats=formats):
        if not barcode.valid or not barcode.text:
            continue
        symbology = _zxing_symbologies().get(barcode.format, Symbology.UNKNOWN)
        if symbology is Symbology.CODE128 and barcode.symbology_identifier == "]C1":
            symbology = Symbology.GS1_128
        if symbology not in wanted and not (symbology is Symbology.GS1_128 and Symbology.CODE128 in wanted):
            continue
        p = barcode.position
        corners = tuple(
            (int(q.x), int(q.y)) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        )
        _add(found, DecodedCode(barcode.text, symbology, corners, ZXING), wanted)  # type: ignore[arg-type]
    return found


# --- pyzbar ---------------------------------------------------------------------------------------

_ZBAR_NAMES = {
    "QRCODE": Symbology.QR,
    "EAN13": Symbology.EAN13,
    "EAN8": Symbology.EAN8,
    "UPCA": Symbology.UPCA,
    "UPCE": Symbology.UPCE,
    "CODE128": Symbology.CODE128,
    "DATABAR": Symbology.DATABAR,
    "DATABAR_EXP": Symbology.DATABAR_EXPANDED,
}


@cache
def _zbar_symbols(wanted: frozenset[Symbology]) -> tuple:
    ZBarSymbol = _pyzbar().ZBarSymbol
    chosen = []
    for name, symbology in _ZBAR_NAMES.items():
        if symbology in wanted or (name == "CODE128" and Symbology.GS1_128 in wanted):
            chosen.append(getattr(ZBarSymbol, name))
        if name == "EAN13" and (Symbology.UPCA in wanted or Symbology.UPCE in wanted):
            # zbar reports UPC-A (and expanded UPC-E) as 13-digit EAN unless told otherwise
            chosen.append(ZBarSymbol.EAN13)
    return tuple(dict.fromkeys(chosen))


def _decode_pyzbar(gray: np.ndarray, wanted: frozenset[Symbology]) -> list[DecodedCode]:
    import cv2

    zbar = _pyzbar()
    symbols = _zbar_symbols(wanted)
    if not symbols:
        return []
    height, width = gray.shape
    found: list[DecodedCode] = []
    for result in zbar.decode((gray.tobytes(), width, height), symbols=list(symbols)):
        try:
            text = result.data.decode("utf-8")
        except UnicodeDecodeError:
            text = result.data.decode("gb18030", errors="replace")
        symbology = _ZBAR_NAMES.get(result.type, Symbology.UNKNOWN)
        if "\x1d" in text and symbology is Symbology.CODE128:
            symbology = Symbology.GS1_128
        points = np.array([(p.x, p.y) for p in result.polygon] or [(0, 0)], dtype=np.float32)
        box = cv2.boxPoints(cv2.minAreaRect(points)) if len(points) >= 2 else np.repeat(points, 4, 0)
        corners = _clockwise_from_top_left([(round(float(x)), round(float(y))) for x, y in box])
        _add(found, DecodedCode(text, symbology, corners, PYZBAR), wanted)
    return found


def _clockwise_from_top_left(points: list[Point]) -> tuple[Point, Point, Point, Point]:
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    ordered = sorted(points, key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
    start = min(range(len(ordered)), key=lambda i: ordered[i][0] + ordered[i][1])
    ordered = ordered[start:] + ordered[:start]
    return tuple(ordered[:4])  # type: ignore[return-value]


def _add(found: list[DecodedCode], code: DecodedCode, wanted: frozenset[Symbology]) -> None:
    if (
        code.symbology is Symbology.EAN13
        and len(code.text) == 13
        and code.text.startswith("0")
        and Symbology.UPCA in wanted
    ):
        # An EAN-13 starting with 0 is a UPC-A symbol; both decoders report it as EAN-13.
        code = DecodedCode(code.text[1:], Symbology.UPCA, code.corners, code.decoder)
    if all((c.text, c.symbology) != (code.text, code.symbology) for c in found):
        found.append(code)
