"""Every user-facing string ships in Simplified Chinese, with the same placeholders."""

import re
import string

import pytest

from pos_app import i18n
from pos_app.domain.money import Money
from pos_app.domain.tenders import Payment
from resources.locale import messages


def test_every_message_is_translated_into_chinese():
    template = messages.extract()
    assert len(template) > 150
    for po_file in messages.catalogues():
        assert messages.untranslated(po_file, template) == [], (
            f"run python -m resources.locale.messages and translate {po_file}"
        )


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_placeholders_match_between_english_and_chinese():
    catalogue = i18n.load("zh_CN")
    for message in messages.extract():
        if message.id:
            assert _fields(catalogue.gettext(message.id)) == _fields(message.id), message.id


def test_switching_language_translates_domain_errors():
    i18n.set_language("zh_CN")
    with pytest.raises(Exception, match="请输入大于零的金额"):
        Payment(Money(100)).add_cash(Money(0))
    i18n.set_language("en")
    with pytest.raises(Exception, match="Enter an amount more than zero"):
        Payment(Money(100)).add_cash(Money(0))


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        i18n.set_language("fr")


def test_no_fstrings_inside_translations():
    offenders = []
    for source in messages.SOURCES:
        for path in (messages.ROOT / source).rglob("*.py"):
            if re.search(r"\b_\(\s*f[\"']", path.read_text("utf-8")):
                offenders.append(str(path))
    assert offenders == []
