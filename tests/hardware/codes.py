"""Codes rendered for the decoder and camera tests (qrcode, python-barcode, zxing-cpp's writer for
GS1 DataBar), and the distortions a camera adds: rotation, blur, shrinking, noise, perspective."""

from __future__ import annotations

import json
from pathlib import Path

import barcode
import cv2
import numpy as np
import qrcode
from barcode.writer import ImageWriter

SAMPLES = Path(__file__).resolve().parent / "samples"


def samples() -> list[dict]:
    return json.loads((SAMPLES / "expected.json").read_text("utf-8"))


def qr_image(text: str, box: int = 8, border: int = 4) -> np.ndarray:
    code = qrcode.QRCode(box_size=box, border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return np.array(code.make_image().convert("L"))


def linear_image(kind: str, digits: str, module_px: int = 3, height: int = 120) -> np.ndarray:
    """EAN-13, EAN-8, UPC-A or Code 128 as a grayscale array with quiet zones."""
    name = {"ean13": "ean13", "ean8": "ean8", "upca": "upca", "code128": "code128", "gs1_128": "gs1_128"}[
        kind
    ]
    writer = ImageWriter()
    code = barcode.get(name, digits, writer=writer)
    dpi = 254
    module_mm = module_px * 25.4 / dpi
    image = code.render(
        {
            "module_width": module_mm,
            "module_height": height * 25.4 / dpi,
            "quiet_zone": 12 * module_mm,
            "write_text": False,
            "dpi": dpi,
        }
    )
    return np.array(image.convert("L"))


def databar_image(gtin14: str, scale: int = 4) -> np.ndarray:
    import zxingcpp

    code = zxingcpp.create_barcode(f"(01){gtin14}", zxingcpp.BarcodeFormat.DataBar)
    image = np.array(code.to_image(scale=scale))
    return np.pad(image, 40, constant_values=255)


def scene(
    code: np.ndarray, size=(1280, 720), at=(500, 200), background: int | None = None, seed=1
) -> np.ndarray:
    """A BGR camera-like frame (textured background) with ``code`` pasted at ``at``."""
    width, height = size
    rng = np.random.default_rng(seed)
    if background is None:
        noise = rng.normal(150, 25, (height // 8, width // 8)).clip(0, 255).astype(np.uint8)
        gray = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    else:
        gray = np.full((height, width), background, np.uint8)
    x, y = at
    h, w = code.shape[:2]
    gray[y : y + h, x : x + w] = code
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, matrix, (nw, nh), borderValue=255)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma)


def shrink(image: np.ndarray, factor: float) -> np.ndarray:
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def noisy(image: np.ndarray, sigma: float, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (image.astype(np.float32) + rng.normal(0, sigma, image.shape)).clip(0, 255).astype(np.uint8)


def low_contrast(image: np.ndarray, low: int = 90, high: int = 170) -> np.ndarray:
    return (low + image.astype(np.float32) * (high - low) / 255).astype(np.uint8)


def perspective(image: np.ndarray, amount: float = 0.15) -> np.ndarray:
    h, w = image.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    d = amount * w
    dst = np.float32([[d, d * 0.5], [w - d * 0.3, 0], [w, h], [0, h - d * 0.4]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, matrix, (w, h), borderValue=255)
