"""Keep the translation catalogues in step with the code: ``python -m resources.locale.messages``.

Extracts every ``_()``, ``N_()`` and ``tr()`` string from the client with Babel and merges it into each
``<lang>/LC_MESSAGES/pos.po`` (new strings arrive untranslated; ``tests/unit/test_i18n.py`` fails until
they are translated). With ``--check`` it only reports what is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = Path(__file__).resolve().parent
SOURCES = ("pos_app", "hardware", "sync")
KEYWORDS = {"_": None, "N_": None, "tr": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="o2o-store", charset="utf-8")
    for source in SOURCES:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if message:
                template.add(message)
    return template


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/pos.po"))


def untranslated(po_file: Path, template: Catalog | None = None) -> list[str]:
    template = template or extract()
    with po_file.open("rb") as fh:
        catalog = read_po(fh)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None or not found.string or found.fuzzy:
            missing.append(message.id)
    return missing


def update() -> None:
    template = extract()
    for po_file in catalogues():
        with po_file.open("rb") as fh:
            catalog = read_po(fh, locale=po_file.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        with po_file.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, width=120, ignore_obsolete=True, no_location=True)


def main(argv: list[str]) -> int:
    if "--check" not in argv:
        update()
    template = extract()
    status = 0
    for po_file in catalogues():
        missing = untranslated(po_file, template)
        for message in missing:
            print(f"{po_file.parent.parent.name}: untranslated: {message!r}")  # noqa: T201
        status |= bool(missing)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
