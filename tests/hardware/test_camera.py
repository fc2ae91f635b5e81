"""The camera path: acceptance rules, a video file played end to end through OpenCV, failures and
automatic reopening, and the live preview."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import (
    CANDIDATE_COLOUR,
    CONFIRMED_COLOUR,
    CameraError,
    CameraScanner,
    CameraState,
    FakeFrameSource,
    OpenCVSource,
    ScanConfirmer,
    make_preview,
    parse_camera_source,
)
from hardware.decoding import DecodedCode
from pos_app.domain.barcodes import ProductKey, ScanSource, Symbology
from pos_app.services.scanning import classify_scan
from tests.hardware import codes
from tests.hardware.conftest import wait_until

BOX = ((0, 0), (10, 0), (10, 10), (0, 10))


def code(text: str, symbology: Symbology = Symbology.EAN13) -> DecodedCode:
    return DecodedCode(text, symbology, BOX)


# --- acceptance -----------------------------------------------------------------------------------


def test_a_code_read_in_one_frame_only_is_not_accepted():
    confirmer = ScanConfirmer(hold_off_s=1.5)
    assert confirmer.feed([code("6901234567892")], 0.00) == []
    assert confirmer.feed([], 0.03) == []
    assert confirmer.feed([code("6901234567892")], 0.06) == []  # not consecutive


def test_a_misread_between_good_reads_does_not_get_through():
    confirmer = ScanConfirmer()
    good, bad = code("6901234567892"), code("6901234567885")  # both have valid check digits
    accepted = []
    for i, frame in enumerate([[good], [bad], [good], [good], [bad], [good]]):
        accepted += confirmer.feed(frame, i * 0.033)
    assert accepted == [good]


def test_a_code_left_in_view_is_accepted_once():
    confirmer = ScanConfirmer(hold_off_s=1.5)
    accepted = []
    for i in range(300):  # 10 s in view
        accepted += confirmer.feed([code("6901234567892")], i * 0.033)
    assert len(accepted) == 1


def test_the_same_code_again_after_it_left_and_the_hold_off_passed():
    confirmer = ScanConfirmer(hold_off_s=1.5, gone_after_s=0.4)
    c = code("6901234567892")
    t = 0.0
    accepted = []

    def frames(present: bool, seconds: float):
        nonlocal t
        for _ in range(round(seconds / 0.033)):
            accepted.extend(confirmer.feed([c] if present else [], t))
            t += 0.033

    frames(True, 0.3)  # first item
    frames(False, 0.5)  # taken away
    frames(True, 0.3)  # second item within the hold-off: not counted
    assert len(accepted) == 1
    frames(False, 0.8)
    frames(True, 0.3)  # third item after the hold-off
    assert len(accepted) == 2


def test_a_flicker_shorter_than_gone_after_does_not_count_as_leaving():
    confirmer = ScanConfirmer(hold_off_s=0.2, gone_after_s=0.4)
    c = code("6901234567892")
    accepted = []
    t = 0.0
    for present in [True] * 5 + [False] * 5 + [True] * 20:  # 0.17 s missed frames while held
        accepted += confirmer.feed([c] if present else [], t)
        t += 0.033
    assert len(accepted) == 1


def test_two_codes_in_view_are_both_accepted():
    confirmer = ScanConfirmer()
    a, b = code("6901234567892"), code("MEMBER", Symbology.QR)
    assert confirmer.feed([a, b], 0.0) == []
    assert confirmer.feed([b, a], 0.033) == [b, a]


def test_confirm_frames_must_be_positive():
    with pytest.raises(ValueError):
        ScanConfirmer(confirm_frames=0)


# --- a video file through OpenCV, end to end ------------------------------------------------------

EAN = "6901234567892"
QR_TEXT = "https://r.o2o.example/S001-T01-000042"
UPC = "036000291452"


def write_video(path: Path, segments, size=(1280, 720), fps=15) -> list[str]:
    """Write an MJPG video: ``segments`` are (content or None, frames)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i, (image, count) in enumerate(segments):
        for j in range(count):
            if image is None:
                frame = codes.scene(np.full((8, 8), 150, np.uint8), size=size, at=(0, 0), seed=i * 100 + j)
            else:
                # the code drifts a little from frame to frame, as in a hand
                frame = codes.scene(image, size=size, at=(300 + 3 * j, 150 + 2 * j), seed=i * 100 + j)
            writer.write(frame)
    writer.release()
    return [str(path)]


def video_segments():
    return [
        (None, 5),
        (codes.linear_image("ean13", EAN), 6),
        (None, 10),
        (codes.rotate(codes.qr_image(QR_TEXT, box=6), 20), 6),
        (None, 4),
        (codes.blur(codes.linear_image("upca", UPC), 1.0), 6),
        (None, 3),
    ]


def test_a_video_file_played_through_the_camera_path(tmp_path, events):
    video = tmp_path / "till.avi"
    write_video(video, video_segments())
    scans = []
    scanner = CameraScanner(OpenCVSource(str(video)), scans.append, events=events, pace=False)
    scanner.start()
    try:
        assert scanner.wait_finished(60)
    finally:
        scanner.stop()
    assert [(s.text, s.symbology, s.source) for s in scans] == [
        (EAN, Symbology.EAN13, ScanSource.CAMERA),
        (QR_TEXT, Symbology.QR, ScanSource.CAMERA),
        (UPC, Symbology.UPCA, ScanSource.CAMERA),
    ]
    assert scanner.state is CameraState.FINISHED
    assert scanner.stats.frames_decoded == 40 and scanner.stats.frames_dropped == 0
    assert "device_problem" not in events.names()
    product = classify_scan(scans[0].text, scans[0].symbology)
    assert (product.key, product.value) == (ProductKey.GTIN, "0" + EAN)
    assert classify_scan(scans[2].text, scans[2].symbology).value == "00" + UPC


def test_a_video_played_at_its_own_speed_like_a_camera(tmp_path):
    video = tmp_path / "paced.avi"
    write_video(video, [(None, 3), (codes.qr_image("PACED", box=6), 4), (None, 2)], size=(640, 360), fps=30)
    scans = []
    scanner = CameraScanner(OpenCVSource(str(video)), scans.append)  # files are paced by default
    assert scanner.pace
    scanner.start()
    try:
        assert scanner.wait_finished(10)
    finally:
        scanner.stop()
    assert [s.text for s in scans] == ["PACED"]
    assert 0 < scanner.stats.latencies_ms[0] < 500


def test_a_missing_camera_is_reported_and_reopened_when_it_comes(tmp_path, events):
    """The source is a file that appears only later: the scanner keeps trying, then scans."""
    video = tmp_path / "later.avi"
    scans = []
    scanner = CameraScanner(
        OpenCVSource(str(video)), scans.append, events=events, pace=False, reopen_delays_s=(0.05,)
    )
    scanner.start()
    try:
        problem = events.wait_for("device_problem")[0]
        assert problem["device"] == "camera" and problem["reason"] == "offline"
        assert "later.avi" in problem["message"]
        assert scanner.state in (CameraState.FAILED, CameraState.OPENING)
        partial = tmp_path / "partial.avi"
        write_video(partial, [(codes.qr_image("ARRIVED", box=6), 4)], size=(640, 360))
        partial.rename(video)
        assert scanner.wait_finished(20)
    finally:
        scanner.stop()
    assert [s.text for s in scans] == ["ARRIVED"]
    assert events.names().count("device_problem") == 1  # the same problem is not repeated
    assert "device_ok" in events.names()
    assert scanner.stats.reopens >= 1


def test_an_unplugged_camera_is_reopened_and_never_crashes(events):
    qr = codes.scene(codes.qr_image("AFTER-REPLUG", box=6), size=(640, 360), at=(100, 50))
    blank = codes.scene(np.full((8, 8), 150, np.uint8), size=(640, 360), at=(0, 0))
    unplugged = CameraError("unplugged")
    script = [blank] * 3 + [unplugged] * 5 + [qr] * 4 + [None]
    source = FakeFrameSource(script, live=True, fps=100, open_failures=1)
    scans = []
    scanner = CameraScanner(
        source, scans.append, events=events, reopen_delays_s=(0.01,), failures_before_reopen=3
    )
    scanner.start()
    try:
        assert scanner.wait_finished(10)
    finally:
        scanner.stop()
    assert [s.text for s in scans] == ["AFTER-REPLUG"]
    assert source.opens == 3  # failed, opened, lost the camera after 3 bad reads, reopened
    names = events.names()
    assert names.count("device_problem") >= 2 and names[-1] == "device_ok"


def test_a_broken_listener_or_driver_does_not_stop_the_scanner(events):
    qr = codes.scene(codes.qr_image("STILL-HERE", box=6), size=(640, 360), at=(100, 50))
    blank = codes.scene(np.full((8, 8), 150, np.uint8), size=(640, 360), at=(0, 0))
    calls = []

    def listener(scan):
        calls.append(scan.text)
        raise RuntimeError("listener bug")

    source = FakeFrameSource(
        [qr, qr, blank, blank, RuntimeError("driver bug"), qr, qr, None], live=True, fps=100
    )
    scanner = CameraScanner(source, listener, events=events, reopen_delays_s=(0.01,))
    scanner.confirmer = ScanConfirmer(hold_off_s=0, gone_after_s=0)  # count the second sighting
    scanner.start()
    try:
        assert scanner.wait_finished(10)
    finally:
        scanner.stop()
    assert calls == ["STILL-HERE", "STILL-HERE"]


def test_stop_releases_a_live_camera_that_is_still_running():
    blank = codes.scene(np.full((8, 8), 150, np.uint8), size=(320, 240), at=(0, 0))

    def forever():
        while True:
            yield blank

    source = FakeFrameSource(forever(), live=True, fps=30)
    scanner = CameraScanner(source, lambda scan: None)
    scanner.start()
    wait_until(lambda: scanner.stats.frames_decoded > 3)
    assert scanner.state is CameraState.RUNNING
    scanner.stop()
    assert not scanner.is_running and scanner.state is CameraState.STOPPED
    scanner.start()  # it can start again
    try:
        with pytest.raises(RuntimeError, match="already running"):
            scanner.start()
    finally:
        scanner.stop()


def test_a_live_camera_faster_than_the_decoder_drops_old_frames():
    frame = codes.scene(codes.qr_image("NEWEST", box=6), size=(640, 360), at=(10, 10))
    decoded = threading.Event()
    gate = threading.Event()

    def slow(codes_, at):
        decoded.set()
        gate.wait(5)

    source = FakeFrameSource([frame] * 40 + [None], live=True, realtime=False)
    scanner = CameraScanner(source, lambda s: None, on_decoded=slow, pace=False)
    scanner.start()
    try:
        assert decoded.wait(5)
        wait_until(lambda: scanner.stats.frames_read == 40)
        gate.set()
        assert scanner.wait_finished(10)
    finally:
        gate.set()
        scanner.stop()
    assert scanner.stats.frames_dropped >= 30
    assert scanner.stats.frames_decoded + scanner.stats.frames_dropped == 40


# --- preview --------------------------------------------------------------------------------------


def test_the_preview_is_rgb_with_the_code_outlined():
    qr = codes.qr_image("PREVIEW", box=8)
    frame = codes.scene(qr, size=(1280, 720), at=(400, 200), background=255)
    frames = [frame, frame, None]
    scanner = CameraScanner(FakeFrameSource(frames), lambda s: None, pace=False, preview_width=640)
    scanner.start()
    try:
        assert scanner.wait_finished(10)
    finally:
        scanner.stop()
    preview = scanner.latest_preview()
    assert preview is not None
    assert preview.rgb.shape == (360, 640, 3) and preview.rgb.dtype == np.uint8
    assert preview.rgb.flags["C_CONTIGUOUS"] and preview.bytes_per_line == 640 * 3
    assert [c.text for c in preview.codes] == ["PREVIEW"]
    green = np.all(preview.rgb == CONFIRMED_COLOUR, axis=2)
    ys, xs = np.nonzero(green)
    assert len(xs) > 100
    (corners,) = [c.corners for c in preview.codes]
    assert abs(xs.min() - min(x for x, _ in corners) / 2) <= 4
    assert abs(ys.max() - max(y for _, y in corners) / 2) <= 4


def test_an_unconfirmed_code_is_outlined_in_amber():
    frame = np.full((100, 100, 3), 255, np.uint8)
    preview = make_preview(frame, [code("X")], confirmed=lambda c: False)
    assert np.any(np.all(preview.rgb == CANDIDATE_COLOUR, axis=2))
    assert not np.any(np.all(preview.rgb == CONFIRMED_COLOUR, axis=2))


def test_camera_sources_are_parsed():
    assert parse_camera_source("0") == 0
    assert parse_camera_source(" 2 ") == 2
    assert parse_camera_source("rtsp://10.0.0.5/live") == "rtsp://10.0.0.5/live"
    assert OpenCVSource("rtsp://10.0.0.5/live").live
    assert OpenCVSource("http://10.0.0.5/video.mjpg").live
    assert OpenCVSource(1).live
    assert not OpenCVSource("/tmp/x.avi").live
    with pytest.raises(ValueError):
        parse_camera_source("  ")
