"""Names that exist in both shipped languages (catalogue names, promotion and tier names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Text:
    zh: str
    en: str

    def get(self, language: str) -> str:
        """The name in ``language`` (``zh_CN`` or ``en``), falling back to the other one if empty."""
        if language.startswith("zh"):
            return self.zh or self.en
        return self.en or self.zh
