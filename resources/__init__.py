"""Packaged resources (translations, stylesheets, sounds, demo data), loaded by name.

Every resource is reached through :func:`path`, which raises on an unknown name, so a typo fails
loudly at the call site instead of showing a blank icon or an untranslated screen.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent

_KINDS = {
    "locale": "locale",
    "style": "styles",
    "sound": "sounds",
    "demo": "demo",
}


class UnknownResourceError(LookupError):
    """Raised for a resource name that does not exist in the package."""


def path(kind: str, name: str) -> Path:
    """Return the path of resource ``name`` of ``kind`` (locale, style, sound, demo)."""
    try:
        folder = _KINDS[kind]
    except KeyError:
        raise UnknownResourceError(f"unknown resource kind {kind!r}") from None
    candidate = (ROOT / folder / name).resolve()
    if ROOT not in candidate.parents or not candidate.exists():
        raise UnknownResourceError(f"no {kind} resource named {name!r}")
    return candidate


def names(kind: str) -> list[str]:
    """List the resource names of ``kind`` (file names relative to its folder)."""
    try:
        folder = ROOT / _KINDS[kind]
    except KeyError:
        raise UnknownResourceError(f"unknown resource kind {kind!r}") from None
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
