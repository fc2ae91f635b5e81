"""The devices' side of the window: their questions ("out of paper -- retry?") in a banner that does
not block the sale, their progress messages, scans from readers that run on their own threads, and the
camera's live preview.

``QtDeviceHandler`` implements ``hardware.handler.DeviceHandler``: it is called on a device's thread,
hands the question to the GUI thread and waits there for the person's answer.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from hardware.handler import DeviceHandler
from pos_app.domain.barcodes import ScanEvent
from pos_app.i18n import N_, _
from pos_app.ui.widgets import button, label

DEVICE_NAMES = {
    "printer": N_("Printer"),
    "drawer": N_("Cash drawer"),
    "display": N_("Customer display"),
    "payment": N_("Card terminal"),
    "camera": N_("Camera"),
    "scanner": N_("Barcode reader"),
}


def device_name(device: str) -> str:
    return _(DEVICE_NAMES[device]) if device in DEVICE_NAMES else device


class _Question:
    def __init__(self, device: str, reason: str, message: str) -> None:
        self.device = device
        self.reason = reason
        self.message = message
        self.answer = False
        self.done = threading.Event()


class _HandlerSignals(QObject):
    asked = Signal(object)  # _Question
    status = Signal(str, str)  # device, message ("" clears)


class QtDeviceHandler(DeviceHandler):
    """Asks on the GUI thread, waits on the device's thread. Create on the GUI thread; connect
    ``signals.asked`` and ``signals.status`` to the banner."""

    def __init__(self, parent: QObject | None = None) -> None:
        self.signals = _HandlerSignals(parent)
        self._gui_thread = threading.current_thread()
        self._closed = False

    def ask_retry(self, device: str, reason: str, message: str) -> bool:
        if threading.current_thread() is self._gui_thread or self._closed:
            return False  # never wait for a person on the thread that shows the question
        question = _Question(device, reason, message)
        self.signals.asked.emit(question)
        while not question.done.wait(0.2):
            if self._closed:
                return False
        return question.answer

    def show_status(self, device: str, message: str) -> None:
        self.signals.status.emit(device, message)

    def clear_status(self, device: str) -> None:
        self.signals.status.emit(device, "")

    def close(self) -> None:
        """The window is closing: every waiting device gets "no" at once."""
        self._closed = True


class DeviceBanner(QFrame):
    """A strip above the pages: a device's question with Retry / Give up, or its progress message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deviceBanner")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 14, 8)
        self.text = label("", "", wrap=True)
        self.retry = button("", "primary", lambda: self._answer(True))
        self.give_up = button("", "", lambda: self._answer(False))
        for b in (self.retry, self.give_up):
            b.setMaximumWidth(180)
        row.addWidget(self.text, 1)
        row.addWidget(self.retry)
        row.addWidget(self.give_up)
        self.questions: list[_Question] = []
        self.statuses: dict[str, str] = {}
        self.hide()

    @Slot(object)
    def ask(self, question: _Question) -> None:
        self.questions.append(question)
        self._render()

    @Slot(str, str)
    def set_status(self, device: str, message: str) -> None:
        if message:
            self.statuses[device] = message
        else:
            self.statuses.pop(device, None)
        self._render()

    def _answer(self, retry: bool) -> None:
        if not self.questions:
            return
        question = self.questions.pop(0)
        question.answer = retry
        question.done.set()
        self._render()

    def answer_all(self, retry: bool = False) -> None:
        while self.questions:
            self._answer(retry)

    def _render(self) -> None:
        if self.questions:
            q = self.questions[0]
            self.setProperty("kind", "question")
            self.text.setText(f"⚠ {device_name(q.device)}: {q.message}")
            self.retry.setText(_("Retry"))
            self.give_up.setText(_("Give up") if q.device == "payment" else _("Skip"))
            self.retry.show()
            self.give_up.show()
            self.show()
        elif self.statuses:
            self.setProperty("kind", "status")
            self.text.setText("   ".join(f"{device_name(d)}: {m}" for d, m in self.statuses.items()))
            self.retry.hide()
            self.give_up.hide()
            self.show()
        else:
            self.hide()
        self.style().unpolish(self)
        self.style().polish(self)


class ScanRelay(QObject):
    """Scans from readers on their own threads (serial reader, camera), delivered on the GUI thread."""

    scanned = Signal(object)  # ScanEvent

    def __call__(self, event: ScanEvent) -> None:
        self.scanned.emit(event)  # queued to the GUI thread


class CameraPreview(QLabel):
    """The camera's latest frame with the code it sees outlined, refreshed ~12 times a second."""

    def __init__(self, camera, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        self.setObjectName("cameraPreview")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(150)
        self.setText(_("Camera starting..."))
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(80)

    def refresh(self) -> None:
        frame = self.camera.latest_preview() if self.camera is not None else None
        if frame is None:
            return
        image = QImage(
            frame.rgb.data, frame.width, frame.height, frame.bytes_per_line, QImage.Format.Format_RGB888
        )
        pixmap = QPixmap.fromImage(image.copy())  # copy: the array may be replaced by the next frame
        self.setPixmap(
            pixmap.scaled(
                self.width(),
                self.height(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def stop(self) -> None:
        self._timer.stop()
