"""Keyboard-wedge barcode readers: telling a scanner's burst of keys from a person typing.

A wedge reader "types" the code as fast as USB allows -- a key every 1-10 ms -- and ends it with Enter
(or Tab). A person types a key every 80-300 ms. :class:`WedgeDetector` holds each key back for at
most ``max_gap_ms`` (30 ms by default, too short for anyone to notice): if the next key comes sooner,
a burst may be starting and it keeps holding; when the burst ends with a terminator and is long enough
it becomes one :class:`~pos_app.domain.barcodes.ScanEvent` and none of its keys reach the application;
anything else is given back (replayed) in order, as typed. Keys with Ctrl/Alt/Meta, function keys and
auto-repeat are never held.

A reader types a capital letter, ``:`` or ``/`` on some layouts the way a person does: it presses Shift
(a key that produces no text), the key, then releases Shift; on layouts that need AltGr for ``@`` or
``#`` it presses AltGr the same way. Those modifier presses (:attr:`Key.MODIFIER`) belong to the burst
they are in: they are held and given back with it, and never end it.

The text is repaired before it is emitted:

- **Keyboard layouts.** The reader sends key positions of a US keyboard; on a French AZERTY layout
  the digit row produces ``&é"'(-è_çà`` and A/Q, Z/W, M swap; on a German QWERTZ layout Y and Z swap.
  ``layout="azerty"``/``"qwertz"`` translates every key back; ``"auto"`` (the default) recognises a
  burst made only of the AZERTY digit row (every EAN/UPC scanned on AZERTY) and translates it.
- **Input methods.** With a Chinese IME on, digits and letters may arrive full-width (``１２３``) and
  punctuation as Chinese punctuation (``。`` for ``.``); both are folded back to ASCII.

Pure Python and single-threaded: the Qt event filter (``pos_app.ui.wedge``) feeds it on the GUI
thread; tests feed it recorded timing traces.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pos_app.domain.barcodes import ScanEvent, ScanSource, Symbology, strip_aim


class Key(StrEnum):
    CHARACTER = "character"  # a key that produced text
    ENTER = "enter"
    TAB = "tab"
    MODIFIER = "modifier"  # Shift or AltGr pressed on its own (no text): part of whatever it is in
    OTHER = "other"  # function keys, arrows, Escape, Backspace ...


@dataclass(frozen=True, slots=True)
class KeyStroke:
    """One key press (or one input-method commit) as the application saw it.

    ``text``: the characters produced (an IME may commit several at once); ``at``: when, in seconds
    (any clock, the same for every stroke); ``token``: whatever the caller needs to give the key back
    to the application (the Qt event's details).
    """

    text: str
    at: float
    key: Key = Key.CHARACTER
    modified: bool = False  # Ctrl, Alt or Meta held: a shortcut, never scanner data
    auto_repeat: bool = False
    token: Any = None


@dataclass(frozen=True, slots=True)
class WedgeDecision:
    """What to do with the stroke just fed: first give back ``replay`` (earlier strokes, in order),
    then keep the current stroke from the application if ``swallow``; ``scan`` is a finished scan."""

    swallow: bool
    replay: tuple[KeyStroke, ...] = ()
    scan: ScanEvent | None = None


PASS = WedgeDecision(False)
HOLD = WedgeDecision(True)


@dataclass(frozen=True)
class WedgeSettings:
    max_gap_ms: float = 30.0
    min_length: int = 4  # characters of data (without prefix and suffix)
    prefix: str = ""  # the reader is set up to send this before each code
    suffix: str = ""  # ... and this after it (before the Enter/Tab, or instead of them)
    terminators: frozenset[Key] = field(default_factory=lambda: frozenset({Key.ENTER, Key.TAB}))
    require_terminator: bool = True  # False: a burst that just stops is a scan too
    layout: str = "auto"  # auto | us | azerty | qwertz

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown keyboard layout {self.layout!r}; choose one of {sorted(LAYOUTS)}")
        if self.max_gap_ms <= 0 or self.min_length < 1:
            raise ValueError("max_gap_ms must be positive and min_length at least 1")


class WedgeDetector:
    """Feeds on key strokes, holds what may be a scan, gives back what a person typed.

    Call :meth:`feed` for each key press; when no key came for ``max_gap_ms``, call :meth:`expire`
    (the caller owns the timer); :meth:`flush` gives everything back (focus moved, window closed).
    """

    def __init__(self, settings: WedgeSettings | None = None) -> None:
        self.settings = settings or WedgeSettings()
        self._held: list[KeyStroke] = []
        self.scans = 0

    @property
    def pending(self) -> bool:
        return bool(self._held)

    @property
    def max_gap_s(self) -> float:
        return self.settings.max_gap_ms / 1000

    def feed(self, stroke: KeyStroke) -> WedgeDecision:
        held = self._held
        if stroke.modified or stroke.auto_repeat or stroke.key is Key.OTHER:
            return self._give_back(swallow=False)
        is_terminator = stroke.key in self.settings.terminators
        if not is_terminator and stroke.key not in (Key.CHARACTER, Key.MODIFIER):
            return self._give_back(swallow=False)  # Enter/Tab when not used as terminators
        if held and stroke.at - held[-1].at > self.max_gap_s:
            # the timer did not fire in time (a busy event loop): decide on the held keys first
            earlier = self.expire()
            later = self.feed(stroke)
            return WedgeDecision(later.swallow, earlier.replay + later.replay, later.scan or earlier.scan)
        if stroke.key is Key.MODIFIER:
            # Shift before a capital (or AltGr): held like a character, so the burst goes on; a
            # person's Shift comes back after max_gap_ms, before the letter it shifts
            held.append(stroke)
            return HOLD
        if is_terminator:
            if not held:
                return PASS
            scan = self._scan_of(held)
            if scan is not None:
                self._held = []
                return WedgeDecision(True, (), scan)
            return self._give_back(swallow=False)
        if not stroke.text:
            return self._give_back(swallow=False)
        held.append(stroke)
        if self.settings.suffix and self._text(held).endswith(self.settings.suffix):
            scan = self._scan_of(held)
            if scan is not None:  # the suffix ends the code; a following Enter passes (nothing held)
                self._held = []
                return WedgeDecision(True, (), scan)
        return HOLD

    def expire(self) -> WedgeDecision:
        """No key for ``max_gap_ms``: the held keys were typed by a person (or, without a required
        terminator, a scan that just stopped)."""
        if not self._held:
            return HOLD
        if not self.settings.require_terminator:
            scan = self._scan_of(self._held)
            if scan is not None:
                self._held = []
                return WedgeDecision(True, (), scan)
        return self._give_back(swallow=True)

    def flush(self) -> tuple[KeyStroke, ...]:
        """Give back everything held now."""
        held, self._held = tuple(self._held), []
        return held

    def _give_back(self, *, swallow: bool) -> WedgeDecision:
        return WedgeDecision(swallow, self.flush())

    @staticmethod
    def _text(strokes: Iterable[KeyStroke]) -> str:
        return "".join(s.text for s in strokes)

    def _scan_of(self, strokes: list[KeyStroke]) -> ScanEvent | None:
        s = self.settings
        text = normalise(self._text(strokes), s.layout)
        if s.prefix:
            if not text.startswith(s.prefix):
                return None
            text = text[len(s.prefix) :]
        if s.suffix:
            if not text.endswith(s.suffix):
                return None
            text = text[: -len(s.suffix)]
        if len(text) < s.min_length:
            return None
        data, symbology = strip_aim(text)
        self.scans += 1
        return ScanEvent(data, symbology or Symbology.UNKNOWN, ScanSource.WEDGE)


# --- text repair ----------------------------------------------------------------------------------

#: What a US-keyboard key position produces on a French AZERTY layout, mapped back (produced -> sent).
AZERTY_TO_US = {
    "&": "1", "é": "2", '"': "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8", "ç": "9", "à": "0",
    ")": "-", "²": "`",
    "a": "q", "z": "w", "q": "a", "w": "z", "m": ";", "ù": "'", "*": "\\", ",": "m", ";": ",", ":": ".",
    "!": "/", "$": "]",
    "1": "!", "2": "@", "3": "#", "4": "$", "5": "%", "6": "^", "7": "&", "8": "*", "9": "(", "0": ")",
    "°": "_",
    "A": "Q", "Z": "W", "Q": "A", "W": "Z", "M": ":", "%": '"', "µ": "|", "?": "M", ".": "<", "/": ">",
    "§": "?", "£": "}",
}  # fmt: skip

#: The same for a German QWERTZ layout (digits are where a US keyboard has them).
QWERTZ_TO_US = {
    "y": "z", "z": "y", "Y": "Z", "Z": "Y", "ß": "-", "ü": "[", "+": "]", "ö": ";", "ä": "'", "#": "\\",
    "-": "/", '"': "@", "§": "#", "&": "^", "/": "&", "(": "*", ")": "(", "=": ")", "?": "_", "`": "+",
    "Ü": "{", "*": "}", "Ö": ":", "Ä": '"', "'": "|", ";": "<", ":": ">", "_": "?",
}  # fmt: skip

LAYOUTS = {"auto": None, "us": None, "azerty": AZERTY_TO_US, "qwertz": QWERTZ_TO_US}

AZERTY_DIGIT_ROW = frozenset("&é\"'(-è_çà")

#: Chinese punctuation an input method types for ASCII keys, folded back (full-width forms
#: U+FF01-FF5E are folded by arithmetic).
_IME_PUNCTUATION = str.maketrans(
    {
        "\u3000": " ",
        "。": ".",
        "、": "/",
        "【": "[",
        "】": "]",
        "《": "<",
        "》": ">",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "￥": "$",
        "…": "^",
        "—": "_",
        "·": "`",
        "「": "{",
        "」": "}",
    }
)


def fold_ime(text: str) -> str:
    """Full-width ASCII and Chinese punctuation from an input method back to ASCII."""
    if text.isascii():
        return text
    text = "".join(chr(ord(ch) - 0xFEE0) if 0xFF01 <= ord(ch) <= 0xFF5E else ch for ch in text)
    text = text.translate(_IME_PUNCTUATION)
    # an IME types "……" for ^ and "——" for _: one key, two characters
    return text.replace("^^", "^").replace("__", "_")


def normalise(text: str, layout: str = "auto") -> str:
    """The characters the reader meant, from what the keyboard layout and the IME made of them."""
    table = LAYOUTS[layout]
    if layout == "auto" and text and all(ch in AZERTY_DIGIT_ROW for ch in text):
        table = AZERTY_TO_US  # a digits-only code typed through an AZERTY layout
    if table is not None:
        text = "".join(table.get(ch, ch) for ch in text)
    return fold_ime(text)
