"""The camera as a barcode scanner: a frame source read on its own thread, frames decoded on another.

- :class:`FrameSource` is the driver (one transport method, :meth:`FrameSource.read`):
  :class:`OpenCVSource` opens a device index (``"0"``), a video file, or an RTSP/HTTP stream with
  OpenCV; :class:`FakeFrameSource` plays frames (and failures) from a script through the same path.
- :class:`CameraScanner` owns two threads. The capture thread reads frames (for a live camera it keeps
  only the newest, so the decoder never works on stale frames; a file is played frame by frame). The
  decode thread calls :func:`hardware.decoding.decode_frame`, and :class:`ScanConfirmer` accepts a code
  only when the same text is read in 2 consecutive frames (real photos produce misreads with valid
  check digits) and not again within the hold-off. Accepted codes go to ``on_scan`` as
  :class:`~pos_app.domain.barcodes.ScanEvent`, on the decode thread.
- The newest decoded frame, with the codes outlined, is available as :meth:`CameraScanner.latest_preview`
  (RGB888, ready for ``QImage``) for a live preview.
- A camera that fails to open, stops sending frames or is unplugged publishes ``device_problem``
  (device ``camera``) and is reopened with back-off until it works (``device_ok``). Nothing raises
  out of the threads.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from hardware.decoding import PYZBAR, ZXING, DecodedCode, available_decoders, decode_frame
from hardware.handler import EventSink, NullEvents
from hardware.threads import importable
from pos_app.domain.barcodes import ScanEvent, ScanSource, Symbology
from pos_app.i18n import _

log = logging.getLogger(__name__)

DEVICE = "camera"


class CameraError(Exception):
    """The camera cannot be opened or read. ``message`` is for the person at the till."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- frame sources --------------------------------------------------------------------------------


class FrameSource(ABC):
    """A source of BGR frames. ``live`` sources (cameras, streams) drop frames the decoder cannot
    keep up with; the others (files) are decoded frame by frame."""

    live: bool = True
    fps: float = 30.0

    def open(self) -> None:  # noqa: B027 - sources that need no opening
        """Open the source; raises :class:`CameraError`."""

    @abstractmethod
    def read(self) -> np.ndarray | None:
        """The next frame (BGR ``uint8``), or None at the end of a file. Raises :class:`CameraError`."""

    def close(self) -> None:  # noqa: B027 - sources that hold nothing
        """Release the source (it may be opened again)."""

    def is_usable(self) -> bool:
        return True

    def describe(self) -> str:
        return type(self).__name__


def parse_camera_source(source: str | int) -> int | str:
    """``"0"`` -> device index 0; anything else (file path, rtsp://, http://) stays a string."""
    if isinstance(source, int):
        return source
    text = str(source).strip()
    if text.isdigit():
        return int(text)
    if not text:
        raise ValueError("no camera source given")
    return text


class OpenCVSource(FrameSource):
    """A camera, video file or network stream through OpenCV's ``VideoCapture``."""

    def __init__(
        self,
        source: str | int,
        *,
        width: int = 1280,
        height: int = 720,
        timeout_s: float = 5.0,
    ) -> None:
        self.source = parse_camera_source(source)
        self.width = width
        self.height = height
        self.timeout_s = timeout_s
        self.is_stream = isinstance(self.source, str) and "://" in self.source
        self.live = isinstance(self.source, int) or self.is_stream
        self.fps = 30.0
        self._capture: Any = None

    def is_usable(self) -> bool:
        return importable("cv2")

    def describe(self) -> str:
        return f"camera {self.source}"

    def open(self) -> None:
        import cv2

        self.close()
        if isinstance(self.source, str) and not self.live and not Path(self.source).exists():
            raise CameraError(_("The video file {path} does not exist").format(path=self.source))
        timeout_ms = int(self.timeout_s * 1000)
        if isinstance(self.source, int):
            capture = cv2.VideoCapture(self.source)
        elif self.is_stream:
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
            capture = cv2.VideoCapture(self.source, cv2.CAP_FFMPEG, params)
        else:
            capture = cv2.VideoCapture(self.source)
        if not capture.isOpened():
            capture.release()
            raise CameraError(_("The camera {source} cannot be opened").format(source=self.source))
        if self.live:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame, not a queue of old ones
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1 <= fps <= 240 else 30.0
        self._capture = capture

    def read(self) -> np.ndarray | None:
        import cv2

        if self._capture is None:
            raise CameraError(_("The camera is not open"))
        try:
            ok, frame = self._capture.read()
        except cv2.error as exc:
            raise CameraError(_("The camera stopped sending pictures ({detail})").format(detail=exc)) from exc
        if not ok or frame is None:
            if not self.live:
                return None  # end of the file
            raise CameraError(_("The camera stopped sending pictures"))
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class FakeFrameSource(FrameSource):
    """Frames from a script, through the same scanner path as a camera (tests, demos, benchmarks).

    ``frames`` yields arrays (a frame), ``None`` (end of the video) or exceptions (raised from
    :meth:`read`, as a failing camera would). ``open_failures`` makes the first opens fail. A live
    source delivers frames at ``fps`` like a camera (``realtime=False``: as fast as it is read).
    The capture time of every frame is kept in :attr:`read_times` (monotonic seconds).
    """

    def __init__(
        self,
        frames: Iterable[np.ndarray | BaseException | None],
        *,
        live: bool = False,
        fps: float = 30.0,
        open_failures: int = 0,
        realtime: bool | None = None,
    ) -> None:
        self._frames: Iterator[np.ndarray | BaseException | None] = iter(frames)
        self.live = live
        self.fps = fps
        self.realtime = live if realtime is None else realtime
        self.open_failures = open_failures
        self.opens = 0
        self.read_times: list[float] = []
        self._next_at = 0.0

    def open(self) -> None:
        self.opens += 1
        if self.open_failures > 0:
            self.open_failures -= 1
            raise CameraError(_("The camera {source} cannot be opened").format(source="fake"))

    def read(self) -> np.ndarray | None:
        if self.realtime:
            now = time.monotonic()
            self._next_at = max(self._next_at + 1.0 / self.fps, now)
            time.sleep(max(0.0, self._next_at - now))
        item = next(self._frames, None)
        if isinstance(item, BaseException):
            raise item
        if item is not None:
            self.read_times.append(time.monotonic())
        return item


# --- accepting codes ------------------------------------------------------------------------------


@dataclass
class _Seen:
    streak: int = 0  # consecutive frames the code was in, up to the last frame it was seen in
    last_frame: int = -1
    last_seen: float = 0.0
    emitted_at: float | None = None
    returned: bool = False  # out of view for a while since it was emitted


class ScanConfirmer:
    """Decides which decoded codes become scans. Pure logic; not thread-safe (one per decode thread).

    A code is accepted when it is read in ``confirm_frames`` consecutive frames. It is not accepted
    again while it stays in view, nor within ``hold_off_s`` of the last acceptance: it has to leave
    the view (unseen for ``gone_after_s``) and the hold-off has to pass. So an item left under the
    camera is counted once, and the next identical item is counted when it comes.
    """

    def __init__(self, hold_off_s: float = 1.5, confirm_frames: int = 2, gone_after_s: float = 0.4) -> None:
        if confirm_frames < 1:
            raise ValueError("confirm_frames must be at least 1")
        self.hold_off_s = hold_off_s
        self.confirm_frames = confirm_frames
        self.gone_after_s = gone_after_s
        self._frame = 0
        self._seen: dict[tuple[str, Symbology], _Seen] = {}

    def feed(self, codes: Sequence[DecodedCode], now: float) -> list[DecodedCode]:
        """The codes of one frame (in order); returns those accepted with this frame."""
        self._frame += 1
        accepted = []
        for code in codes:
            key = (code.text, code.symbology)
            seen = self._seen.setdefault(key, _Seen())
            if seen.last_frame == self._frame:
                continue  # the same code twice in one frame
            if seen.last_frame != self._frame - 1:
                seen.streak = 0
            if seen.emitted_at is not None and now - seen.last_seen >= self.gone_after_s:
                seen.returned = True
            seen.streak += 1
            seen.last_frame = self._frame
            seen.last_seen = now
            if seen.streak < self.confirm_frames:
                continue
            if seen.emitted_at is not None and (not seen.returned or now - seen.emitted_at < self.hold_off_s):
                continue
            seen.emitted_at = now
            seen.returned = False
            accepted.append(code)
        self._forget(now)
        return accepted

    def is_confirmed(self, code: DecodedCode) -> bool:
        seen = self._seen.get((code.text, code.symbology))
        return seen is not None and seen.last_frame == self._frame and seen.streak >= self.confirm_frames

    def _forget(self, now: float) -> None:
        if len(self._seen) < 64:
            return
        horizon = max(self.hold_off_s, self.gone_after_s) * 2
        for key in [k for k, s in self._seen.items() if now - s.last_seen > horizon]:
            del self._seen[key]


# --- the scanner ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewFrame:
    """The newest decoded frame for the live preview: RGB888, C-contiguous, codes outlined.

    In Qt: ``QImage(frame.rgb.data, frame.width, frame.height, frame.bytes_per_line,
    QImage.Format.Format_RGB888).copy()``.
    """

    rgb: np.ndarray
    codes: tuple[DecodedCode, ...]
    at: float

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def bytes_per_line(self) -> int:
        return int(self.rgb.strides[0])


class CameraState(StrEnum):
    STOPPED = "stopped"
    OPENING = "opening"
    RUNNING = "running"
    FAILED = "failed"  # waiting to reopen
    FINISHED = "finished"  # a video file played to its end


@dataclass
class CameraStats:
    frames_read: int = 0
    frames_decoded: int = 0
    frames_dropped: int = 0
    scans: int = 0
    reopens: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # capture of a frame -> its code accepted


_END = object()


class _FrameSlot:
    """Hands frames from the capture thread to the decode thread: for a live source only the newest
    frame is kept; for a file each frame waits until the decoder took the previous one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: Any = None
        self._closed = False

    def put(self, item: Any, *, replace: bool) -> bool:
        """Returns True when an older frame was dropped."""
        with self._cond:
            while not replace and self._item is not None and not self._closed:
                self._cond.wait()
            if self._closed:
                return False
            dropped = self._item is not None and self._item is not _END
            self._item = item
            self._cond.notify_all()
            return dropped

    def take(self) -> Any:
        with self._cond:
            while self._item is None and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def camera_decoders() -> tuple[str, ...]:
    """zxing-cpp when installed (a few ms a frame), else pyzbar (tens of ms)."""
    installed = available_decoders()
    return (ZXING,) if ZXING in installed else (PYZBAR,) if PYZBAR in installed else ()


class CameraScanner:
    """Scans codes from a :class:`FrameSource` on its own threads and calls ``on_scan`` for each.

    Threading: :meth:`start`, :meth:`stop` and :meth:`latest_preview` may be called from any thread;
    ``on_scan`` and the events run on the scanner's decode/capture threads, never the GUI thread.

    ``enhance`` (the contrast-equalised second pass of :func:`~hardware.decoding.decode_frame`) is off
    by default: most frames hold no code, the retry would double their cost, and the next frame is
    another chance anyway.
    """

    def __init__(
        self,
        source: FrameSource,
        on_scan: Callable[[ScanEvent], None],
        *,
        events: EventSink | None = None,
        formats: Iterable[Symbology] | None = None,
        hold_off_ms: int = 1500,
        confirm_frames: int = 2,
        decoders: Sequence[str] | None = None,
        enhance: bool = False,
        preview: bool = True,
        preview_width: int | None = None,
        pace: bool | None = None,
        reopen_delays_s: Sequence[float] = (0.5, 1.0, 2.0, 5.0),
        failures_before_reopen: int = 5,
        on_decoded: Callable[[list[DecodedCode], float], None] | None = None,
    ) -> None:
        self.source = source
        self.on_scan = on_scan
        self.events: EventSink = events or NullEvents()
        self.formats = frozenset(formats) if formats is not None else None
        self.confirmer = ScanConfirmer(hold_off_ms / 1000, confirm_frames)
        self.decoders = tuple(decoders) if decoders is not None else camera_decoders()
        self.enhance = enhance
        self.preview_enabled = preview
        self.preview_width = preview_width
        self.pace = (not source.live) if pace is None else pace
        self.reopen_delays_s = tuple(reopen_delays_s) or (1.0,)
        self.failures_before_reopen = failures_before_reopen
        self.on_decoded = on_decoded
        self.stats = CameraStats()
        self.state = CameraState.STOPPED
        self._slot = _FrameSlot()
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._threads: list[threading.Thread] = []
        self._preview: PreviewFrame | None = None
        self._preview_lock = threading.Lock()
        self._problem: str | None = None

    # --- control (any thread) ---------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            raise RuntimeError("the camera scanner is already running")
        if not self.decoders:
            raise CameraError(_("No barcode decoder is installed (zxing-cpp or pyzbar)"))
        self._stop.clear()
        self._finished.clear()
        self._slot = _FrameSlot()
        self._threads = [
            threading.Thread(target=self._capture_loop, name="camera-capture"),
            threading.Thread(target=self._decode_loop, name="camera-decode"),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads and release the camera."""
        self._stop.set()
        self._slot.close()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if self.state is not CameraState.FINISHED:
            self.state = CameraState.STOPPED

    close = stop

    def wait_finished(self, timeout: float | None = None) -> bool:
        """For a video file: wait until every frame was decoded."""
        return self._finished.wait(timeout)

    def latest_preview(self) -> PreviewFrame | None:
        with self._preview_lock:
            return self._preview

    @property
    def is_running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    # --- capture thread ---------------------------------------------------------------------------
    def _capture_loop(self) -> None:
        attempt = 0
        try:
            while not self._stop.is_set():
                self.state = CameraState.OPENING
                try:
                    self.source.open()
                except CameraError as exc:
                    self._failed(exc.message)
                except Exception as exc:  # a driver bug must not kill the thread
                    log.exception("opening %s failed", self.source.describe())
                    self._failed(str(exc))
                else:
                    attempt = 0
                    ended = self._read_frames()
                    self._close_source()
                    if ended:
                        return
                    if self._stop.is_set():
                        break
                if self._stop.wait(self.reopen_delays_s[min(attempt, len(self.reopen_delays_s) - 1)]):
                    break
                attempt += 1
                self.stats.reopens += 1
        finally:
            self._close_source()

    def _read_frames(self) -> bool:
        """Read until the camera fails (False: reopen) or a file ends (True)."""
        failures = 0
        interval = 1.0 / self.source.fps if self.pace and self.source.fps > 0 else 0.0
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                frame = self.source.read()
            except CameraError as exc:
                failures += 1
                if failures >= self.failures_before_reopen or not self.source.live:
                    self._failed(exc.message)
                    return False
                continue
            except Exception as exc:
                log.exception("reading %s failed", self.source.describe())
                self._failed(str(exc))
                return False
            if frame is None:
                self._slot.put(_END, replace=False)
                return True
            failures = 0
            if self._problem is not None or self.state is not CameraState.RUNNING:
                self._recovered()
            self.stats.frames_read += 1
            if self._slot.put((frame, time.monotonic()), replace=self.source.live):
                self.stats.frames_dropped += 1
            if interval:
                next_at += interval
                delay = next_at - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    break
                if delay < -interval:
                    next_at = time.monotonic()
        return False

    def _close_source(self) -> None:
        try:
            self.source.close()
        except Exception:
            log.exception("closing %s failed", self.source.describe())

    def _failed(self, message: str) -> None:
        self.state = CameraState.FAILED
        if self._problem != message:
            self._problem = message
            self.events.publish(
                "device_problem",
                device=DEVICE,
                reason="offline",
                message=_("Camera: {problem}. Trying again...").format(problem=message),
            )

    def _recovered(self) -> None:
        self.state = CameraState.RUNNING
        if self._problem is not None:
            self._problem = None
            self.events.publish("device_ok", device=DEVICE)

    # --- decode thread ----------------------------------------------------------------------------
    def _decode_loop(self) -> None:
        while True:
            item = self._slot.take()
            if item is None:
                return
            if item is _END:
                self.state = CameraState.FINISHED
                self._finished.set()
                return
            frame, captured_at = item
            try:
                self._decode(frame, captured_at)
            except Exception:
                log.exception("decoding a camera frame failed")

    def _decode(self, frame: np.ndarray, captured_at: float) -> None:
        codes = decode_frame(frame, self.formats, decoders=self.decoders, enhance=self.enhance)
        self.stats.frames_decoded += 1
        now = time.monotonic()
        accepted = self.confirmer.feed(codes, now)
        if self.on_decoded is not None:
            self.on_decoded(codes, captured_at)
        if self.preview_enabled:
            self._update_preview(frame, codes, now)
        for code in accepted:
            self.stats.scans += 1
            self.stats.latencies_ms.append((time.monotonic() - captured_at) * 1000)
            try:
                self.on_scan(ScanEvent(code.text, code.symbology, ScanSource.CAMERA))
            except Exception:
                log.exception("the scan listener failed on %r", code.text)

    def _update_preview(self, frame: np.ndarray, codes: list[DecodedCode], now: float) -> None:
        self._set_preview(make_preview(frame, codes, self.confirmer.is_confirmed, self.preview_width, now))

    def _set_preview(self, preview: PreviewFrame) -> None:
        with self._preview_lock:
            self._preview = preview


CONFIRMED_COLOUR = (60, 200, 60)  # RGB
CANDIDATE_COLOUR = (255, 190, 0)


def make_preview(
    frame: np.ndarray,
    codes: Sequence[DecodedCode],
    confirmed: Callable[[DecodedCode], bool] = lambda code: True,
    width: int | None = None,
    at: float = 0.0,
) -> PreviewFrame:
    """An RGB copy of ``frame`` (scaled to ``width``) with each code's outline drawn: green once
    confirmed, amber while it has been read in one frame only."""
    import cv2

    if frame.ndim == 2:
        rgb = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    elif frame.shape[2] == 4:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    else:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    scale = 1.0
    if width and rgb.shape[1] > width:
        scale = width / rgb.shape[1]
        rgb = cv2.resize(rgb, (width, round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    thickness = max(2, round(rgb.shape[1] / 320))
    for code in codes:
        points = np.array([[round(x * scale), round(y * scale)] for x, y in code.corners], dtype=np.int32)
        colour = CONFIRMED_COLOUR if confirmed(code) else CANDIDATE_COLOUR
        cv2.polylines(rgb, [points], isClosed=True, color=colour, thickness=thickness, lineType=cv2.LINE_AA)
    return PreviewFrame(np.ascontiguousarray(rgb), tuple(codes), at)
