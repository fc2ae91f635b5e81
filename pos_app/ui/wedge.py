"""The Qt side of keyboard-wedge readers: an application event filter that feeds key presses to
:class:`hardware.wedge.WedgeDetector`, swallows a reader's bursts (so a scan never lands in a text
field nor triggers a shortcut) and emits each scan as :attr:`WedgeFilter.scanned`.

How it sits in Qt's event delivery:

- Key presses from the window system reach the application's top-level ``QWindow`` first; the filter
  decides there, once per key (the focus widget and its parents never see a swallowed key).
- Shortcuts are looked up before the key press is delivered, with a ``ShortcutOverride`` event to the
  focus widget: the filter accepts it for every key it may hold, so no shortcut fires on scanner data.
  (Shortcuts on plain printable keys therefore do not work while the filter is installed; the till
  uses function keys and Ctrl combinations, which are never held.)
- Keys a person typed are given back after at most ``max_gap_ms`` by sending the same key press and
  release to the same window, in the order typed.
- With a Chinese input method on, characters arrive as ``QInputMethodEvent`` commits to the focus
  widget; they are fed to the same detector and given back the same way.
- A reader presses Shift before a capital letter or ``:`` (X11 and USB readers alike: a key press with
  no text, then the letter with Shift held, then the Shift release), and AltGr before the characters a
  layout puts on AltGr. Those presses belong to the burst (``Key.MODIFIER``). On Windows AltGr arrives
  as Ctrl+Alt on the character itself: a printable character with exactly Ctrl+Alt is a character.
- A key's release is matched to its press by the native scan code: with Shift released first, X11
  reports the release of the ``:`` key as ``;``.

Runs on the GUI thread only.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QWindow

from hardware.wedge import Key, KeyStroke, WedgeDecision, WedgeDetector, WedgeSettings

_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)
#: Windows' AltGr: Ctrl+Alt on the character it types
_ALTGR = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
#: Modifier keys a reader presses on its own inside a code (never Ctrl: that would be a shortcut)
_BURST_MODIFIER_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_AltGr, Qt.Key.Key_Mode_switch})
_TERMINATOR_KEYS = {Qt.Key.Key_Return: Key.ENTER, Qt.Key.Key_Enter: Key.ENTER, Qt.Key.Key_Tab: Key.TAB}


@dataclass(frozen=True, slots=True)
class _KeyPress:
    """What it takes to give a key press back (the original event is gone by then)."""

    target: QObject
    key: int
    modifiers: Qt.KeyboardModifier
    native_scan_code: int
    native_virtual_key: int
    native_modifiers: int
    text: str


@dataclass(frozen=True, slots=True)
class _Commit:
    target: QObject
    text: str


class WedgeFilter(QObject):
    """Install with :meth:`install`; connect :attr:`scanned` (a ``ScanEvent``) to the checkout."""

    scanned = Signal(object)

    def __init__(self, settings: WedgeSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = WedgeDetector(settings)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(self.detector.settings.max_gap_ms) + 5)
        self._timer.timeout.connect(self._expire)
        self._replaying = False
        # keys (native scan code, else Qt key) whose press we kept: swallow their release
        self._held_keys: Counter[int] = Counter()
        self._offset_ms: float | None = None  # event timestamps -> monotonic milliseconds
        self._app: QCoreApplication | None = None

    # --- installation -----------------------------------------------------------------------------
    def install(self, app: QCoreApplication | None = None) -> None:
        self._app = app or QCoreApplication.instance()
        self._app.installEventFilter(self)

    def uninstall(self) -> None:
        self._give_back(self.detector.flush())
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None
        self._timer.stop()

    # --- the filter -------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self._replaying:
            return False
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            if self._may_hold(event):
                event.accept()  # no shortcut for this key; its key press comes next
                return True
            return False
        if not isinstance(obj, QWindow):
            if kind == QEvent.Type.InputMethod:
                return self._input_method(obj, event)
            return False
        if kind == QEvent.Type.KeyPress:
            return self._key_press(obj, event)
        if kind == QEvent.Type.KeyRelease:
            key = _physical_key(event)
            if self._held_keys[key] > 0:
                self._held_keys[key] -= 1
                return True
            return False
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.FocusOut, QEvent.Type.Close):
            self._give_back(self.detector.flush())  # typed keys land before the click or focus change
        return False

    def _may_hold(self, event: QKeyEvent) -> bool:
        if _shortcut_modified(event) or event.isAutoRepeat():
            return False
        if event.key() in _TERMINATOR_KEYS:
            return self.detector.pending
        text = event.text()
        return bool(text) and text.isprintable()

    def _key_press(self, window: QObject, event: QKeyEvent) -> bool:
        key = _TERMINATOR_KEYS.get(event.key())
        text = event.text()
        if key is None:
            if event.key() in _BURST_MODIFIER_KEYS:
                key = Key.MODIFIER
            else:
                key = Key.CHARACTER if text and text.isprintable() else Key.OTHER
        stroke = KeyStroke(
            text if key is Key.CHARACTER else "",
            self._event_time(event),
            key,
            modified=_shortcut_modified(event),
            auto_repeat=event.isAutoRepeat(),
            token=_KeyPress(
                window,
                event.key(),
                event.modifiers(),
                event.nativeScanCode(),
                event.nativeVirtualKey(),
                event.nativeModifiers(),
                text,
            ),
        )
        decision = self.detector.feed(stroke)
        self._apply(decision)
        if decision.swallow:
            self._held_keys[_physical_key(event)] += 1
        return decision.swallow

    def _input_method(self, obj: QObject, event: QInputMethodEvent) -> bool:
        commit = event.commitString()
        if not commit or event.preeditString():
            return False  # composing Chinese: the person is typing
        stroke = KeyStroke(commit, time.monotonic(), Key.CHARACTER, token=_Commit(obj, commit))
        decision = self.detector.feed(stroke)
        self._apply(decision)
        return decision.swallow

    def _expire(self) -> None:
        self._apply(self.detector.expire())

    def _apply(self, decision: WedgeDecision) -> None:
        self._give_back(decision.replay)
        if decision.scan is not None:
            self.scanned.emit(decision.scan)
        if self.detector.pending:
            self._timer.start()
        else:
            self._timer.stop()

    def _give_back(self, strokes: tuple[KeyStroke, ...]) -> None:
        self._replaying = True
        try:
            for stroke in strokes:
                token = stroke.token
                if isinstance(token, _KeyPress):
                    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                        QCoreApplication.sendEvent(
                            token.target,
                            QKeyEvent(
                                kind,
                                token.key,
                                token.modifiers,
                                token.native_scan_code,
                                token.native_virtual_key,
                                token.native_modifiers,
                                token.text,
                            ),
                        )
                elif isinstance(token, _Commit):
                    commit = QInputMethodEvent()
                    commit.setCommitString(token.text)
                    QCoreApplication.sendEvent(token.target, commit)
        finally:
            self._replaying = False

    def _event_time(self, event: QKeyEvent) -> float:
        """Seconds on the monotonic clock, as precise as the window system's timestamp allows.

        Event timestamps (ms) say when the key arrived, however late the event loop handles it; the
        offset to the monotonic clock is the smallest difference seen (delivery is never early).
        """
        now_ms = time.monotonic() * 1000
        stamp = event.timestamp()
        if not stamp:
            return now_ms / 1000
        offset = now_ms - stamp
        if self._offset_ms is None or offset < self._offset_ms or offset - self._offset_ms > 60_000:
            self._offset_ms = offset  # first event, or the window system's clock restarted
        return (stamp + self._offset_ms) / 1000


def _physical_key(event: QKeyEvent) -> int:
    """The key as a place on the keyboard: its press and release share it whatever the modifiers did
    to the symbol (Qt keys are below 2**25 + 2**24; scan codes are small, offset past them)."""
    code = event.nativeScanCode()
    return (1 << 32) + code if code else int(event.key())


def _shortcut_modified(event: QKeyEvent) -> bool:
    """Ctrl, Alt or Meta held for a shortcut -- not Windows' AltGr typing a character."""
    modifiers = event.modifiers() & _MODIFIERS
    if not modifiers:
        return False
    text = event.text()
    return not (modifiers == _ALTGR and text and text.isprintable())
