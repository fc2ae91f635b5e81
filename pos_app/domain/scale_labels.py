"""The labels the store's own scales print: restricted circulation numbers (GS1 prefix 2) carrying a
PLU and the amount, the weight, or both.

Chinese label scales (Dahua, Aclas and others) let the store choose the label's layout, so a layout
is written the way their manuals write it, one letter per digit:

    F  flag (1 or 2 digits, starts with 2)      I  item number (PLU, 4-6 digits)
    P  amount in fen                            W  weight in grams
    V  price verifier digit (GS1 General Specifications 7.9.3, before a 4- or 5-digit amount)
    C  check digit (GS1 mod 10 over every digit before it, as for EAN-13)

A layout is 13 digits (an EAN-13) or 18 digits (printed as Code 128 or ITF: amount AND weight).
The presets below are the layouts named in the sources the tests cite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stdnum import ean as stdnum_ean

from pos_app.domain.barcodes import BarcodeError, ProductCode, ProductKey, price_check_digit
from pos_app.domain.money import Money

_FORMAT = re.compile(r"(F{1,2})(I{4,6})(?:V?P{4,6}|W{4,6}|V?P{4,6}W{4,6}|W{4,6}V?P{4,6})C")
_RUN = re.compile(r"F+|I+|V|P+|W+|C")


@dataclass(frozen=True, slots=True)
class ScalePreset:
    name: str
    format: str
    description: str  # for the settings screen (English; the names are the vendors')


#: Layouts the scales ship with, by the name the settings use.
PRESETS: Mapping[str, ScalePreset] = {
    p.name: p
    for p in (
        # Dahua TM/TMA scales, TOP2000 software: 13-digit amount label F1F2 CCCCC XXXXX CD
        ScalePreset("dahua-13-amount", "FFIIIIIPPPPPC", "Dahua 13 digits: flag, PLU 5, amount 5"),
        ScalePreset("dahua-13-weight", "FFIIIIIWWWWWC", "Dahua 13 digits: flag, PLU 5, weight 5"),
        # Dahua 18-digit label: 26 XXXXX MMMMM WWWWW C (amount 2 decimals, weight 3 decimals)
        ScalePreset("dahua-18", "FFIIIIIPPPPPWWWWWC", "Dahua 18 digits: flag, PLU 5, amount 5, weight 5"),
        # Aclas LS2/PS1 barcode formats: 2-digit flag and 5-digit PLU, or 1-digit flag and 6-digit PLU
        ScalePreset("aclas-13-amount", "FFIIIIIPPPPPC", "Aclas 13 digits: flag, PLU 5, amount 5"),
        ScalePreset("aclas-13-weight", "FFIIIIIWWWWWC", "Aclas 13 digits: flag, PLU 5, weight 5"),
        ScalePreset("aclas-13-plu6-weight", "FIIIIIIWWWWWC", "Aclas 13 digits: flag 1, PLU 6, weight 5"),
        ScalePreset("aclas-18", "FFIIIIIWWWWWPPPPPC", "Aclas 18 digits: flag, PLU 5, weight 5, amount 5"),
        # GS1 General Specifications 7.9.3: PLU 4, price verifier, amount 5
        ScalePreset("gs1-price-verifier", "FFIIIIVPPPPPC", "GS1: flag, PLU 4, price verifier, amount 5"),
    )
}


@dataclass(frozen=True, slots=True)
class ScaleRule:
    """One label layout the store's scales print, for the codes that start with ``flag``."""

    flag: str
    format: str
    preset: str = ""

    def __post_init__(self) -> None:
        if not self.flag.isdigit() or not 1 <= len(self.flag) <= 2 or self.flag[0] != "2":
            raise ValueError(f"a scale flag is 1 or 2 digits starting with 2, got {self.flag!r}")
        if len(self.format) not in (13, 18) or not _FORMAT.fullmatch(self.format):
            raise ValueError(f"{self.format!r} is not a 13- or 18-digit scale label layout")
        if self.format.count("F") != len(self.flag):
            raise ValueError(f"the layout {self.format} has room for a {self.format.count('F')}-digit flag")
        if "V" in self.format and self.format.count("P") not in (4, 5):
            raise ValueError("a price verifier needs a 4- or 5-digit amount")

    @property
    def length(self) -> int:
        return len(self.format)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ScaleRule:
        """``{"flag": "26", "preset": "dahua-18"}``, ``{"flag": "2", "format": "FIIIIIIWWWWWC"}``, or
        the first version's ``{"prefix", "item_digits", "value", "value_digits", "value_check"}``."""
        if "prefix" in data:
            return cls._from_first_version(data)
        flag = str(data["flag"])
        preset = str(data.get("preset") or "")
        if preset:
            if preset not in PRESETS:
                raise ValueError(f"no scale label preset {preset!r}")
            return cls(flag, PRESETS[preset].format, preset)
        return cls(flag, str(data["format"]))

    @classmethod
    def _from_first_version(cls, data: Mapping[str, object]) -> ScaleRule:
        item, digits = int(data["item_digits"]), int(data["value_digits"])  # type: ignore[call-overload]
        letter = "P" if data["value"] == "price" else "W"
        verifier = "V" if data.get("value_check") else ""
        return cls(str(data["prefix"]), "FF" + "I" * item + verifier + letter * digits + "C")

    def to_dict(self) -> dict[str, str]:
        return (
            {"flag": self.flag, "preset": self.preset}
            if self.preset
            else {"flag": self.flag, "format": self.format}
        )

    def matches(self, digits: str) -> bool:
        return len(digits) == len(self.format) and digits.startswith(self.flag)

    def read(self, digits: str, currency: str = "CNY") -> ProductCode:
        """The PLU and the amount and/or weight of a label this rule matches. Raises ``BarcodeError``."""
        if stdnum_ean.calc_check_digit(digits[:-1]) != digits[-1]:
            raise BarcodeError("check_digit")
        fields: dict[str, str] = {}
        for run in _RUN.finditer(self.format):
            fields[run.group()[0]] = digits[run.start() : run.end()]
        if "V" in fields and price_check_digit(fields["P"]) != fields["V"]:
            raise BarcodeError("price_check_digit")
        price = Money(int(fields["P"]), currency) if "P" in fields else None
        weight = int(fields["W"]) if "W" in fields else None
        if weight == 0 and price is None:
            raise BarcodeError("zero_weight")
        return ProductCode(
            ProductKey.PLU, fields["I"].lstrip("0") or "0", price=price, weight_grams=weight or None
        )


@dataclass(frozen=True, slots=True)
class ScaleLayout:
    """The store's scale label layouts, asked before anything else reads the digits."""

    rules: tuple[ScaleRule, ...] = ()

    @classmethod
    def from_config(cls, rules: Sequence[Mapping[str, object]]) -> ScaleLayout:
        return cls(tuple(ScaleRule.from_dict(r) for r in rules))

    def rule_for(self, digits: str) -> ScaleRule | None:
        # a longer flag is the more specific: "26" wins over "2"
        best = None
        for rule in self.rules:
            if rule.matches(digits) and (best is None or len(rule.flag) > len(best.flag)):
                best = rule
        return best
