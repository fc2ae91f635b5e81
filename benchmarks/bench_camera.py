"""Camera scanning: decode 1280x720 frames on one core, and QR code in view -> scan accepted.

Budgets (DESIGN.md): >= 30 frames/s decoded on one core; a QR code coming into view is accepted within
150 ms. Both are measured through what the camera really runs -- ``hardware.decode_frame`` with the
camera's settings, and the whole ``CameraScanner`` (capture thread, decode thread, two-frame
confirmation) fed by a live 30 frames/s source -- with the process pinned to one CPU core and OpenCV
limited to one thread. The same pipeline with pyzbar alone is measured beside it.

Floors measured in the same run: zxing-cpp reading QR codes only, with no retry (the least a decoder
can do per frame); and, for the latency, one frame interval (the confirming second frame cannot come
sooner) plus that frame's decode time.
"""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

import cv2
import numpy as np

from benchmarks.common import ms, percentile, report

FPS_BUDGET = 30.0
LATENCY_BUDGET_MS = 150.0
TRIALS = 20
CAMERA_FPS = 30.0


@contextmanager
def one_core():
    """Pin this process to one CPU and OpenCV to one thread (restored afterwards)."""
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    threads = cv2.getNumThreads()
    if before:
        os.sched_setaffinity(0, {min(before)})
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)
        if before:
            os.sched_setaffinity(0, before)


def _background(rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(150, 28, (90, 160)).clip(0, 255).astype(np.uint8)
    return cv2.resize(noise, (1280, 720), interpolation=cv2.INTER_CUBIC)


def _qr(text: str, box: int) -> np.ndarray:
    import qrcode

    code = qrcode.QRCode(box_size=box, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return np.array(code.make_image().convert("L"))


def _linear(kind: str, digits: str) -> np.ndarray:
    import barcode
    from barcode.writer import ImageWriter

    image = barcode.get(kind, digits, writer=ImageWriter()).render(
        {"module_width": 0.3, "module_height": 12, "quiet_zone": 3.6, "write_text": False, "dpi": 254}
    )
    return np.array(image.convert("L"))


def _place(frame: np.ndarray, code: np.ndarray, angle: float, x: int, y: int) -> np.ndarray:
    h, w = code.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    rotated = cv2.warpAffine(code, matrix, (nw, nh), borderValue=255)
    out = frame.copy()
    out[y : y + nh, x : x + nw] = rotated
    return out


def frames() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """60 BGR frames (a third empty, a third with a QR code, a third with a 1D code), one empty frame
    and one QR frame for the latency runs."""
    rng = np.random.default_rng(4)
    qr_texts = [f"O2O1M.AEAAAADEAAAAAAAHUL3RQ{i:04d}" for i in range(20)]
    out = []
    for i in range(60):
        gray = _background(rng)
        if i % 3 == 1:
            code = _qr(qr_texts[i // 3], box=4 + i % 4)
            gray = _place(gray, code, angle=(i * 17) % 60 - 30, x=200 + (i * 37) % 500, y=60 + (i * 23) % 200)
        elif i % 3 == 2:
            code = _linear("ean13", "690123456789") if i % 2 else _linear("code128", f"SKU-{i:06d}")
            gray = _place(
                gray, code, angle=(i * 11) % 30 - 15, x=150 + (i * 31) % 400, y=120 + (i * 13) % 200
            )
        gray = cv2.GaussianBlur(gray, (3, 3), 0.6)
        out.append(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
    blank = cv2.cvtColor(_background(rng), cv2.COLOR_GRAY2BGR)
    qr_frame = cv2.cvtColor(
        _place(_background(rng), _qr(qr_texts[0], box=5), 10, 500, 200), cv2.COLOR_GRAY2BGR
    )
    return out, blank, qr_frame


def _decode_ms(images: list[np.ndarray], **options) -> list[float]:
    from hardware.decoding import decode_frame

    for image in images[:5]:
        decode_frame(image, **options)  # warm up
    samples = []
    for _round in range(3):
        for image in images:
            start = time.perf_counter()
            decode_frame(image, **options)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def _latencies(blank: np.ndarray, qr_frame: np.ndarray, decoders: tuple[str, ...]) -> list[float]:
    """Trials of: a live 30 frames/s camera shows nothing, then the QR code; capture of the first
    frame with the code -> the scan accepted (ms)."""
    from hardware.camera import CameraScanner, FakeFrameSource

    lead_in = 10
    samples = []
    for _trial in range(TRIALS):
        accepted: list[float] = []
        source = FakeFrameSource([blank] * lead_in + [qr_frame] * 15 + [None], live=True, fps=CAMERA_FPS)
        scanner = CameraScanner(
            source,
            lambda scan, accepted=accepted: accepted.append(time.monotonic()),
            decoders=decoders,
            preview=True,
        )
        scanner.start()
        try:
            scanner.wait_finished(30)
        finally:
            scanner.stop()
        if not accepted:
            samples.append(float("inf"))
            continue
        samples.append((accepted[0] - source.read_times[lead_in]) * 1000)
    return samples


def run() -> None:
    from hardware.camera import camera_decoders
    from hardware.decoding import PYZBAR, ZXING, available_decoders
    from pos_app.domain.barcodes import Symbology

    images, blank, qr_frame = frames()
    camera = camera_decoders()
    options = {"decoders": camera, "enhance": False}  # as CameraScanner calls it
    empty = images[0::3]  # most frames a camera sees hold no code: the common case
    with one_core():
        pipeline = _decode_ms(images, **options)
        pipeline_empty = _decode_ms(empty, **options)
        floor = _decode_ms(images, formats={Symbology.QR}, decoders=(ZXING,), enhance=False)
        pyzbar = _decode_ms(images, decoders=(PYZBAR,)) if PYZBAR in available_decoders() else []
        found = sum(1 for image in images if _found(image, camera))

    fps = 1000 / statistics.mean(pipeline)
    fps_empty = 1000 / statistics.mean(pipeline_empty)
    report(
        "camera: decode 1280x720 frames on one core (decode_frame as the camera calls it)",
        f"{fps:.0f} frames/s over the mix (mean {ms(statistics.mean(pipeline))}, "
        f"p99 {ms(percentile(pipeline, 99))}), {fps_empty:.0f} frames/s on frames without a code; "
        f"codes found in {found}/40 frames that have one",
        f">= {FPS_BUDGET:.0f} frames/s",
        f"zxing-cpp QR only, no retry: {1000 / statistics.mean(floor):.0f} frames/s "
        f"(mean {ms(statistics.mean(floor))})",
        min(fps, fps_empty) >= FPS_BUDGET,
        decoders=list(camera),
    )
    if pyzbar:
        report(
            "camera: the same frames with pyzbar alone (comparison)",
            f"{1000 / statistics.mean(pyzbar):.0f} frames/s (mean {ms(statistics.mean(pyzbar))}, "
            f"p99 {ms(percentile(pyzbar, 99))})",
            "none: shown beside zxing-cpp",
            f"zxing-cpp pipeline {fps:.0f} frames/s",
            True,
        )

    with one_core():
        latency = _latencies(blank, qr_frame, camera)
        pyzbar_latency = _latencies(blank, qr_frame, (PYZBAR,)) if pyzbar else []
        qr_decode = statistics.median(_decode_ms([qr_frame], **options))
    interval = 1000 / CAMERA_FPS
    p95 = percentile(latency, 95)
    report(
        "camera: QR code in view -> scan accepted (live 30 frames/s source, 2 frames to confirm)",
        f"p50 {ms(statistics.median(latency))}, p95 {ms(p95)}, max {ms(max(latency))} (n={len(latency)})",
        f"p95 <= {LATENCY_BUDGET_MS:.0f} ms",
        f"one frame interval + one decode: {ms(interval + qr_decode)}",
        p95 <= LATENCY_BUDGET_MS,
    )
    if pyzbar_latency:
        report(
            "camera: QR code in view -> accepted with pyzbar alone (comparison)",
            f"p50 {ms(statistics.median(pyzbar_latency))}, p95 {ms(percentile(pyzbar_latency, 95))}, "
            f"max {ms(max(pyzbar_latency))} (n={len(pyzbar_latency)})",
            "none: shown beside zxing-cpp",
            f"zxing-cpp pipeline p50 {ms(statistics.median(latency))}",
            True,
        )


def _found(image: np.ndarray, decoders: tuple[str, ...]) -> bool:
    from hardware.decoding import decode_frame

    return bool(decode_frame(image, decoders=decoders))
