"""Keyboard-wedge detection on timing traces of real readers and real typing.

Each trace is (characters, milliseconds since the previous key) as a Qt event filter would see it.
The helper plays it like the filter does: before each key it fires the detector's timer if the gap was
longer than ``max_gap_ms``, and it collects what reaches the application and what becomes a scan.
"""

from __future__ import annotations

import pytest

from hardware.wedge import (
    AZERTY_TO_US,
    Key,
    KeyStroke,
    WedgeDetector,
    WedgeSettings,
    fold_ime,
    normalise,
)
from pos_app.domain.barcodes import ScanSource, Symbology

ENTER = "\n"
TAB = "\t"

# --- traces (ms since the previous key) -----------------------------------------------------------

# A USB HID reader polled every 8 ms (Honeywell 1450g class), EAN-13 then Enter.
USB_8MS = list(
    zip(
        "6901234567892" + ENTER,
        [0, 8.1, 7.9, 8.0, 8.2, 7.8, 8.0, 8.1, 7.9, 8.0, 8.0, 8.1, 7.9, 8.0],
        strict=True,
    )
)

# A full-speed reader sending a key every 1-2 ms, a signed member QR code.
MEMBER = "O2O1M.AEAAAADEAAAAAAAHUL3RQAAAAB4KQ"
USB_FAST = list(zip(MEMBER + ENTER, [0] + [1.0 + (i % 3) * 0.4 for i in range(len(MEMBER))], strict=True))

# A Bluetooth reader: 12-28 ms with jitter, Tab as terminator.
BLUETOOTH = list(
    zip("4006381333931" + TAB, [0, 14, 22, 12, 27, 18, 16, 25, 13, 21, 28, 15, 19, 17], strict=True)
)

# A cashier typing a PLU and Enter.
HUMAN_PLU = list(zip("4011" + ENTER, [0, 182, 143, 221, 260], strict=True))

# Fast typing with a rollover: "th" 18 ms apart, the rest at a normal pace.
HUMAN_ROLLOVER = list(zip("the milk" + ENTER, [0, 18, 96, 131, 88, 112, 140, 97, 210], strict=True))

# A two-key rollover then Enter within the gap: too short to be a code.
HUMAN_SHORT_BURST = list(zip("12" + ENTER, [0, 19, 24], strict=True))


def _kind(ch: str) -> Key:
    return Key.ENTER if ch == ENTER else Key.TAB if ch == TAB else Key.CHARACTER


def play(detector: WedgeDetector, trace, start_ms: float = 1000.0):
    """Returns (what the application received, scans)."""
    app: list[str] = []
    scans = []
    t = start_ms
    last_key_at = None

    def shown(s: KeyStroke) -> str:
        return s.text if s.key is Key.CHARACTER else f"<{s.key.value}>"

    def apply(decision, stroke=None):
        app.extend(shown(s) for s in decision.replay)
        if stroke is not None and not decision.swallow:
            app.append(shown(stroke))
        if decision.scan is not None:
            scans.append(decision.scan)

    for item in trace:
        ch, gap = item[0], item[1]
        extra = item[2] if len(item) > 2 else {}
        t += gap
        if detector.pending and last_key_at is not None and t - last_key_at > detector.settings.max_gap_ms:
            apply(detector.expire())  # the filter's timer fired first
        kind = extra.get("key", _kind(ch))
        stroke = KeyStroke(ch if kind is Key.CHARACTER else "", t / 1000, kind, **extra.get("flags", {}))
        apply(detector.feed(stroke), stroke)
        last_key_at = t
    if detector.pending:
        apply(detector.expire())
    return "".join(app), scans


# --- scanners -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trace", "text"),
    [(USB_8MS, "6901234567892"), (USB_FAST, MEMBER), (BLUETOOTH, "4006381333931")],
    ids=["usb-8ms", "usb-1ms", "bluetooth-tab"],
)
def test_reader_bursts_become_one_scan_and_nothing_reaches_the_application(trace, text):
    app, scans = play(WedgeDetector(), trace)
    assert app == ""
    assert [(s.text, s.source) for s in scans] == [(text, ScanSource.WEDGE)]


def test_two_scans_in_a_row():
    second = [(ch, gap) for ch, gap in USB_8MS]
    second[0] = ("6", 350.0)
    app, scans = play(WedgeDetector(), USB_8MS + second)
    assert app == ""
    assert [s.text for s in scans] == ["6901234567892"] * 2


def test_an_aim_identifier_sets_the_symbology():
    trace = list(zip("]E06901234567892" + ENTER, [0] + [4] * 16, strict=True))
    _app, scans = play(WedgeDetector(), trace)
    assert [(s.text, s.symbology) for s in scans] == [("6901234567892", Symbology.EAN13)]


def shifted(code: str, gap: float = 7.0):
    """A reader typing ``code`` on a US layout: Shift (no text) before each capital and ``:``."""
    trace = []
    for ch in code:
        if ch.isupper() or ch == ":":
            trace.append(("", gap, {"key": Key.MODIFIER}))
            trace.append((ch, 0.0))
        else:
            trace.append((ch, gap))
    return [*trace, (ENTER, gap)]


def test_shift_presses_inside_a_burst_belong_to_it():
    """X11 and USB readers press Shift on its own before a capital: the burst goes on."""
    code = "https://r.o2o.example/S001-T01-261123-0001"
    app, scans = play(WedgeDetector(), shifted(code))
    assert app == ""
    assert [s.text for s in scans] == [code]


def test_a_code_starting_with_a_capital_starts_with_shift():
    app, scans = play(WedgeDetector(), shifted("A0000031"))
    assert app == "" and [s.text for s in scans] == ["A0000031"]


def test_a_persons_shift_comes_back_before_the_letter():
    trace = [("", 0, {"key": Key.MODIFIER}), ("M", 140.0), ("i", 130.0)]
    app, scans = play(WedgeDetector(), trace)
    assert scans == [] and app == "<modifier>Mi"


def test_shift_then_a_function_key_is_given_back_in_order():
    trace = [("", 0, {"key": Key.MODIFIER}), ("", 5.0, {"key": Key.OTHER})]
    app, scans = play(WedgeDetector(), trace)
    assert scans == [] and app == "<modifier><other>"


# --- people ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trace", "typed"),
    [
        (HUMAN_PLU, "4011<enter>"),
        (HUMAN_ROLLOVER, "the milk<enter>"),
        (HUMAN_SHORT_BURST, "12<enter>"),
    ],
    ids=["plu", "rollover", "short-burst"],
)
def test_what_a_person_types_reaches_the_application_in_order(trace, typed):
    app, scans = play(WedgeDetector(), trace)
    assert scans == []
    assert app == typed


def test_a_person_typing_then_a_scan_then_typing_again():
    trace = HUMAN_PLU[:2] + [(c, g) for c, g in USB_8MS] + [("x", 400.0), ("y", 150.0)]
    trace[2] = ("6", 300.0)
    app, scans = play(WedgeDetector(), trace)
    assert [s.text for s in scans] == ["6901234567892"]
    assert app == "40xy"


def test_shortcuts_and_function_keys_pass_at_once_and_release_what_was_held():
    detector = WedgeDetector()
    assert detector.feed(KeyStroke("a", 1.000)).swallow
    decision = detector.feed(KeyStroke("c", 1.010, modified=True))
    assert not decision.swallow and [s.text for s in decision.replay] == ["a"]
    assert not detector.pending
    decision = detector.feed(KeyStroke("", 1.020, Key.OTHER))
    assert decision == detector.feed(KeyStroke("", 1.021, Key.OTHER)) and not decision.swallow


def test_auto_repeat_of_a_held_key_is_typing_not_a_scan():
    trace = [("1", 0)] + [("1", 33, {"flags": {"auto_repeat": True}})] * 12 + [(ENTER, 60)]
    app, scans = play(WedgeDetector(), trace)
    assert scans == [] and app == "1" * 13 + "<enter>"


def test_enter_alone_passes_through():
    detector = WedgeDetector()
    assert detector.feed(KeyStroke("", 1.0, Key.ENTER)).swallow is False


def test_a_burst_without_a_terminator_is_given_back_unless_the_reader_sends_none():
    trace = list(zip("6901234567892", [0] + [5] * 12, strict=True))
    app, scans = play(WedgeDetector(), trace)
    assert scans == [] and app == "6901234567892"
    app, scans = play(WedgeDetector(WedgeSettings(require_terminator=False)), trace)
    assert app == "" and [s.text for s in scans] == ["6901234567892"]


def test_a_late_key_when_the_timer_did_not_fire_keeps_the_order():
    detector = WedgeDetector()
    assert detector.feed(KeyStroke("a", 1.000)).swallow
    decision = detector.feed(KeyStroke("b", 1.200))  # the event loop was busy: no expire() call
    assert decision.swallow and [s.text for s in decision.replay] == ["a"]
    assert [s.text for s in detector.flush()] == ["b"]


def test_prefix_and_suffix():
    settings = WedgeSettings(prefix="#", suffix="$")
    trace = list(zip("#6901234567892$" + ENTER, [0] + [3] * 15, strict=True))
    app, scans = play(WedgeDetector(settings), trace)
    # the suffix ends the scan; the Enter after it has nothing held and passes
    assert [s.text for s in scans] == ["6901234567892"] and app == "<enter>"
    no_prefix = list(zip("6901234567892$" + ENTER, [0] + [3] * 14, strict=True))
    app, scans = play(WedgeDetector(settings), no_prefix)
    assert scans == [] and app == "6901234567892$<enter>"


def test_suffix_without_enter():
    settings = WedgeSettings(suffix="\\")
    trace = list(zip("6901234567892\\", [0] + [3] * 13, strict=True))
    app, scans = play(WedgeDetector(settings), trace)
    assert app == "" and [s.text for s in scans] == ["6901234567892"]


def test_settings_are_checked():
    with pytest.raises(ValueError, match="layout"):
        WedgeSettings(layout="dvorak-ish")
    with pytest.raises(ValueError):
        WedgeSettings(max_gap_ms=0)


# --- layouts and input methods --------------------------------------------------------------------

US_TO_AZERTY = {us: fr for fr, us in AZERTY_TO_US.items()}


def azerty(text: str) -> str:
    """What a reader sending US key positions types on a French AZERTY layout."""
    lower = {c: c for c in "bcdefghijklnoprstuvxy"}
    upper = {c: c for c in "BCDEFGHIJKLNOPRSTUVXY"}
    return "".join({**lower, **upper, **US_TO_AZERTY}[ch] for ch in text)


def test_ean_on_an_azerty_keyboard_is_repaired_automatically():
    typed = azerty("6901234567892")
    assert typed == "-çà&é\"'(-è_çé"  # the digit row gives symbols and accented letters
    trace = list(zip(typed + ENTER, [0] + [6] * 13, strict=True))
    app, scans = play(WedgeDetector(), trace)
    assert app == "" and [s.text for s in scans] == ["6901234567892"]


def test_letters_and_digits_on_azerty_need_the_layout_setting():
    typed = azerty("SKU-AQ12WZM")
    assert typed != "SKU-AQ12WZM"
    trace = list(zip(typed + ENTER, [0] + [4] * len(typed), strict=True))
    _app, scans = play(WedgeDetector(WedgeSettings(layout="azerty")), trace)
    assert [s.text for s in scans] == ["SKU-AQ12WZM"]


def test_qwertz_swaps_y_and_z():
    assert normalise("SKU-Y1Z", "qwertz") == "SKU/Z1Y"
    assert normalise("ZY123ß", "qwertz") == "YZ123-"


def test_plain_text_is_left_alone_on_auto():
    assert normalise("6901234567892") == "6901234567892"
    assert normalise("A-(B)") == "A-(B)"  # symbols with letters are not the AZERTY digit row


def test_full_width_digits_from_an_input_method():
    trace = list(zip("６９０１２３４５６７８９２" + ENTER, [0] + [5] * 13, strict=True))
    app, scans = play(WedgeDetector(), trace)
    assert app == "" and [s.text for s in scans] == ["6901234567892"]


def test_an_input_method_committing_several_characters_at_once():
    detector = WedgeDetector()
    assert detector.feed(KeyStroke("６９０１", 2.000)).swallow
    assert detector.feed(KeyStroke("２３４５６７８９２", 2.004)).swallow
    decision = detector.feed(KeyStroke("", 2.006, Key.ENTER))
    assert decision.swallow and decision.scan.text == "6901234567892"


def test_chinese_punctuation_of_a_signed_token_is_folded_back():
    assert fold_ime("Ｏ２Ｏ１Ｍ。ＡＥＡＡ") == "O2O1M.AEAA"
    assert fold_ime("【１２】《Ａ》——￥……") == "[12]<A>_$^"
    assert fold_ime("plain") == "plain"
