"""Translations for every user-facing string: screens, receipts and domain errors.

Source strings are English; ``resources/locale/<lang>/LC_MESSAGES/pos.po`` holds the others (Simplified
Chinese ships). Use ``_("Total: {amount}").format(amount=...)`` -- never an f-string inside ``_()``,
or the message cannot be found in the catalogue.

The catalogue is compiled from the ``.po`` file with Babel when the ``.mo`` file is missing or older,
so a fresh checkout needs no build step. Thread-safe: switching language swaps one reference.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import threading
from pathlib import Path

import resources

DOMAIN = "pos"
SOURCE_LANGUAGE = "en"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_lock = threading.Lock()
_current: gettext.NullTranslations = gettext.NullTranslations()
_current_language = SOURCE_LANGUAGE
_cache: dict[str, gettext.NullTranslations] = {}


def _compile(po_file: Path, mo_file: Path) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=po_file.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    data = buffer.getvalue()
    # a read-only install still works from the in-memory catalogue
    with contextlib.suppress(OSError):
        mo_file.write_bytes(data)
    return data


def load(language: str) -> gettext.NullTranslations:
    """Return the catalogue for ``language`` (cached); English is the identity."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {sorted(LANGUAGES)}")
    with _lock:
        cached = _cache.get(language)
        if cached is not None:
            return cached
        po_file = resources.path("locale", f"{language}/LC_MESSAGES/{DOMAIN}.po")
        mo_file = po_file.with_suffix(".mo")
        if mo_file.exists() and mo_file.stat().st_mtime >= po_file.stat().st_mtime:
            data = mo_file.read_bytes()
        else:
            data = _compile(po_file, mo_file)
        catalogue = gettext.GNUTranslations(io.BytesIO(data))
        _cache[language] = catalogue
        return catalogue


def set_language(language: str) -> None:
    """Switch every later ``_()`` call to ``language`` (``en`` or ``zh_CN``)."""
    global _current, _current_language
    catalogue = load(language)
    _current, _current_language = catalogue, language


def current_language() -> str:
    return _current_language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translate where it is shown)."""
    return message


def translator(language: str):
    """Return a ``_``-like function bound to ``language``, whatever the screen shows.

    Receipts print in the store's receipt language while the cashier may work in another one;
    this avoids switching the global language from a worker thread.
    """
    return load(language).gettext
