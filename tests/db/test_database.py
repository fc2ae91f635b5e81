"""The SQLite file: settings, migrations, refusing newer files, catalogue search."""

import hashlib
import sqlite3

import pytest
from sqlalchemy import text

from pos_app.db import catalog
from pos_app.db.database import Database, DatabaseTooNewError, head_revision
from resources.demo import generator


def test_wal_full_sync_busy_timeout_and_foreign_keys(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    with db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.current_revision() == head_revision()
    db.close()


def test_opening_again_is_a_no_op_and_keeps_data(tmp_path):
    path = tmp_path / "t.sqlite3"
    db = Database(path)
    db.set_meta("x", "1")
    db.close()
    db = Database(path)
    assert db.get_meta("x") == "1"
    db.close()


def test_a_database_from_a_newer_version_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "t.sqlite3"
    Database(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseTooNewError, match="newer version"):
        Database(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path):
    path = tmp_path / "t.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(Exception, match=r"cannot be opened as a database|not a database"):
        Database(path)


@pytest.fixture
def catalogue_db(tmp_path):
    db = Database(tmp_path / "c.sqlite3")
    with db.write() as conn:
        catalog.upsert_products(conn, generator.build(600, 0).products)
        catalog.upsert_products(
            conn,
            [
                {
                    "id": 90001,
                    "sku": "Z0000001",
                    "name_zh": "农夫山泉天然水 550ml",
                    "name_en": "Nongfu Spring Natural Water 550ml",
                    "price": 200,
                    "barcodes": ["06921168509256"],
                },
                {
                    "id": 90002,
                    "sku": "Z0000002",
                    "name_zh": "牛奶",
                    "name_en": "Milk",
                    "price": 300,
                    "barcodes": [],
                },
                {
                    "id": 90003,
                    "sku": "Z0000003",
                    "name_zh": "酸牛奶",
                    "name_en": "Sour Milk",
                    "price": 300,
                    "barcodes": [],
                },
            ],
        )
    yield db
    db.close()


def names(products):
    return [p.name.zh for p in products]


def test_search_chinese_one_two_and_more_characters(catalogue_db):
    with catalogue_db.read() as conn:
        assert "牛奶" in names(catalog.search_products(conn, "牛奶"))
        assert "酸牛奶" in names(catalog.search_products(conn, "牛奶"))
        one_char = names(catalog.search_products(conn, "奶"))  # one character: below trigram's reach
        assert len(one_char) == 50 and all("奶" in n for n in one_char)
        assert names(catalog.search_products(conn, "牛"))[0] == "牛奶"  # names starting with it come first
        assert names(catalog.search_products(conn, "酸牛")) == ["酸牛奶"]
        assert "农夫山泉天然水 550ml" in names(catalog.search_products(conn, "山泉 550"))
        assert catalog.search_products(conn, "牛酸") == []  # characters must be consecutive


def test_long_prefixes_expand_to_whole_terms(catalogue_db):
    with catalogue_db.read() as conn:
        expanded = catalog.expand_prefix(conn, "nongf")
        assert {"nongfu", "nongfushanquan"} <= set(expanded) and all(t.startswith("nongf") for t in expanded)
        assert catalog.expand_prefix(conn, "zzzz") == []
        assert catalog.search_products(conn, "zzzzz") == []
        assert "农夫山泉天然水 550ml" in names(catalog.search_products(conn, "nongfushanquantian"))


def test_search_english_prefix_pinyin_and_sku(catalogue_db):
    with catalogue_db.read() as conn:
        assert "农夫山泉天然水 550ml" in names(catalog.search_products(conn, "nongfu natu"))
        assert "农夫山泉天然水 550ml" in names(catalog.search_products(conn, "NFSQ"))  # pinyin initials
        assert "农夫山泉天然水 550ml" in names(
            catalog.search_products(conn, "nongfushan")
        )  # joined pinyin prefix
        assert "酸牛奶" in names(catalog.search_products(conn, "suanniunai"))
        assert names(catalog.search_products(conn, "z0000002"))[0] == "牛奶"  # exact SKU first
        assert "牛奶" in names(catalog.search_products(conn, "ｍｉｌｋ"))  # full-width letters from an IME


@pytest.mark.parametrize(
    "query", ['"', "*", "AND OR NOT", "(", "a:b", "NEAR(", "'; DROP TABLE product; --", "", "   ", "\x00"]
)
def test_search_survives_any_typing(catalogue_db, query):
    with catalogue_db.read() as conn:
        assert isinstance(catalog.search_products(conn, query), list)


def test_barcode_and_plu_lookup(catalogue_db):
    with catalogue_db.read() as conn:
        assert catalog.product_by_gtin(conn, "06921168509256").sku == "Z0000001"
        assert catalog.product_by_plu(conn, "10001").name.en == "Apples"
        assert catalog.product_by_gtin(conn, "00000000000000") is None


def test_updating_a_product_updates_its_search_entry_and_barcodes(catalogue_db):
    with catalogue_db.write() as conn:
        catalog.upsert_products(
            conn,
            [
                {
                    "id": 90002,
                    "sku": "Z0000002",
                    "name_zh": "豆浆",
                    "name_en": "Soy Milk",
                    "price": 250,
                    "barcodes": ["00000000000017"],
                }
            ],
        )
    with catalogue_db.read() as conn:
        assert "豆浆" in names(catalog.search_products(conn, "豆浆"))
        assert "牛奶" not in names(catalog.search_products(conn, "牛奶"))
        assert catalog.product_by_gtin(conn, "00000000000017").sku == "Z0000002"


def test_schema_head_constant_matches_the_migrations():
    from pos_app.db import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD, "set pos_app.db.SCHEMA_HEAD to the newest migration"


def test_a_whole_word_ranks_before_a_word_it_begins_even_behind_many_of_them(tmp_path):
    """Three hundred "Milkground ..." names come first in the index; "milk" still finds the whole
    word first (it is looked for as a word before the prefixes fill the candidates)."""
    db = Database(tmp_path / "m.sqlite3")
    try:
        with db.write() as conn:
            catalog.upsert_products(
                conn,
                [
                    {"id": i, "sku": f"M{i:07d}", "name_zh": f"奶酪棒{i}", "name_en": f"Milkground {i}",
                     "price": 100, "barcodes": []}
                    for i in range(1, 301)
                ]
                + [
                    {"id": 500, "sku": "M0000500", "name_zh": "伊利纯牛奶", "name_en": "Yili Whole Milk",
                     "price": 350, "barcodes": []},
                    {"id": 501, "sku": "M0000501", "name_zh": "牛奶饮品", "name_en": "Milky Drink",
                     "price": 350, "barcodes": []},
                ],
            )  # fmt: skip
        with db.read() as conn:
            found = [p.name.en for p in catalog.search_products(conn, "milk", limit=5)]
            assert found[0] == "Yili Whole Milk"
            assert all(name.startswith(("Milkground", "Milky")) for name in found[1:])
            assert [p.name.en for p in catalog.search_products(conn, "whole milk")] == ["Yili Whole Milk"]
    finally:
        db.close()
