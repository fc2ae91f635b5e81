"""Settings: a boolean is written yes or no; anything else is an error, never a quiet False."""

import json
import logging

import pytest

from pos_app import config
from pos_app.config import Settings


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("yes", True),
        (" On ", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        (True, True),
        ("no", False),
        ("Off", False),
        ("false", False),
        ("0", False),
        (0, False),
        (False, False),
    ],
)
def test_a_boolean_setting_reads_the_usual_words(written, meant):
    assert config.PAYMENT_OFFER_QR.coerce(written) is meant


@pytest.mark.parametrize("written", ["ture", "", "maybe", "2", 2, -1, None, 0.5])
def test_anything_else_for_a_boolean_is_an_error(written):
    with pytest.raises(ValueError, match=r"payment\.offer_qr"):
        config.PAYMENT_OFFER_QR.coerce(written)


def test_setting_a_misspelt_boolean_is_refused_and_changes_nothing(tmp_path):
    settings = Settings.load(tmp_path)
    settings.set(config.PAYMENT_OFFER_QR, "yes")
    with pytest.raises(ValueError):
        settings.set(config.PAYMENT_OFFER_QR, "ture")
    assert Settings.load(tmp_path).get(config.PAYMENT_OFFER_QR) is True


def test_a_misspelt_boolean_in_the_file_keeps_the_default_and_says_so_once(tmp_path, caplog):
    (tmp_path / "settings.json").write_text(json.dumps({config.PAYMENT_OFFER_QR.key: "ture"}))
    settings = Settings.load(tmp_path)
    with caplog.at_level(logging.WARNING, logger="pos_app.config"):
        assert settings.get(config.PAYMENT_OFFER_QR) is config.PAYMENT_OFFER_QR.default
        assert settings.get(config.PAYMENT_OFFER_QR) is config.PAYMENT_OFFER_QR.default
    warnings = [r for r in caplog.records if "payment.offer_qr" in r.getMessage()]
    assert len(warnings) == 1 and "'ture'" in warnings[0].getMessage()
