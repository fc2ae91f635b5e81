"""Reference data on the terminal: catalogue and search, tiers, members, promotions, coupon campaigns,
pickup orders and stock levels. Written by the sync engine (or the demo loader), read by the till.

Lookups on the scan path use indexed primary keys and compiled Core statements (~30 us each).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select

from pos_app.db import schema
from pos_app.domain.catalog import Product, Unit
from pos_app.domain.members import DEFAULT_TIERS, Member, Tier
from pos_app.domain.money import Money
from pos_app.domain.pricing import Coupon, Offer, Promotion
from pos_app.domain.text import Text

p = schema.product

# --- products -------------------------------------------------------------------------------------


def product_from_row(row: Row[Any] | Mapping[str, Any], currency: str = "CNY") -> Product:
    m = row._mapping if isinstance(row, Row) else row
    member_price = m["member_price"]
    return Product(
        id=m["id"],
        sku=m["sku"],
        name=Text(m["name_zh"], m["name_en"]),
        price=Money(m["price"], currency),
        unit=Unit(m["unit"]),
        tax_class=m["tax_class"],
        category_id=m["category_id"],
        member_price=None if member_price is None else Money(member_price, currency),
        plu=m["plu"],
        points_eligible=bool(m["points_eligible"]),
        active=bool(m["active"]),
        tax_rate=m.get("tax_rate_bp"),
    )


_PRODUCT_COLUMNS = [
    p.c.id,
    p.c.sku,
    p.c.name_zh,
    p.c.name_en,
    p.c.category_id,
    p.c.unit,
    p.c.price,
    p.c.member_price,
    p.c.tax_class,
    p.c.plu,
    p.c.points_eligible,
    p.c.active,
    schema.tax_class.c.rate_bp.label("tax_rate_bp"),
]
# the platform's rate of the product's tax class (absent before the first sync: the built-in rate)
_WITH_TAX = p.outerjoin(schema.tax_class, schema.tax_class.c.code == p.c.tax_class)
# built once with bind parameters: constructing a statement per scan costs more than running it
_BY_GTIN = (
    select(*_PRODUCT_COLUMNS)
    .select_from(_WITH_TAX.join(schema.barcode, schema.barcode.c.product_id == p.c.id))
    .where(schema.barcode.c.code == bindparam("code"))
)
_BY_ID = select(*_PRODUCT_COLUMNS).select_from(_WITH_TAX).where(p.c.id == bindparam("id"))
_BY_SKU = select(*_PRODUCT_COLUMNS).select_from(_WITH_TAX).where(p.c.sku == bindparam("sku"))
_BY_PLU = select(*_PRODUCT_COLUMNS).select_from(_WITH_TAX).where(p.c.plu == bindparam("plu"))


def product_by_id(conn: Connection, product_id: int, currency: str = "CNY") -> Product | None:
    row = conn.execute(_BY_ID, {"id": product_id}).first()
    return None if row is None else product_from_row(row, currency)


def products_by_ids(conn: Connection, ids: Iterable[int], currency: str = "CNY") -> dict[int, Product]:
    ids = list(set(ids))
    result: dict[int, Product] = {}
    for chunk in range(0, len(ids), 500):
        rows = conn.execute(
            select(*_PRODUCT_COLUMNS).select_from(_WITH_TAX).where(p.c.id.in_(ids[chunk : chunk + 500]))
        )
        result.update({row.id: product_from_row(row, currency) for row in rows})
    return result


def product_by_gtin(conn: Connection, gtin14: str, currency: str = "CNY") -> Product | None:
    row = conn.execute(_BY_GTIN, {"code": gtin14}).first()
    return None if row is None else product_from_row(row, currency)


def product_by_sku(conn: Connection, sku: str, currency: str = "CNY") -> Product | None:
    row = conn.execute(_BY_SKU, {"sku": sku}).first()
    return None if row is None else product_from_row(row, currency)


def product_by_plu(conn: Connection, plu: str, currency: str = "CNY") -> Product | None:
    row = conn.execute(_BY_PLU, {"plu": plu}).first()
    return None if row is None else product_from_row(row, currency)


def product_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(p)).scalar_one()


# --- search ---------------------------------------------------------------------------------------

# Chinese runs (CJK Unified Ideographs, extension A, compatibility) or Latin/digit words
_SEGMENT = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([0-9a-z]+)")


def _segments(text: str) -> list[tuple[str, str]]:
    """``[("cjk", "农夫山泉"), ("word", "550ml"), ...]`` of NFKC-folded, lower-cased ``text``.

    NFKC folds full-width letters and digits (typed with a Chinese IME) to ASCII.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    return [("cjk", cjk) if cjk else ("word", word) for cjk, word in _SEGMENT.findall(folded)]


def search_terms(name_zh: str, name_en: str) -> tuple[str, str, str]:
    """Index text for the FTS columns (zh, en, py) of a product.

    ``zh``: each Chinese character a token, Latin words and numbers whole, in name order (so a typed
    run of characters matches as a phrase); ``en``: the English name; ``py``: the pinyin syllables,
    the initials (``nfsq`` for 农夫山泉) and the joined spelling of each Chinese run.

    A first catalogue sync indexes every product, so this is written for speed: the terms of a
    Chinese run are cached (a chain's names repeat their brands and words), the rest is regex work.
    """
    zh: list[str] = []
    py: list[str] = []
    for cjk, word in _SEGMENT.findall(unicodedata.normalize("NFKC", name_zh).lower()):
        if cjk:
            chars, spelled = _cjk_terms(cjk)
            zh.append(chars)
            if spelled:
                py.append(spelled)
        else:
            zh.append(word)
    en = " ".join(_WORD.findall(unicodedata.normalize("NFKC", name_en).lower()))
    return " ".join(zh), en, " ".join(py)


_WORD = re.compile(r"[0-9a-z]+")


@lru_cache(maxsize=16384)
def _cjk_terms(run: str) -> tuple[str, str]:
    """A Chinese run's characters, and its pinyin terms: the syllables, then (for two or more) the
    initials and the joined spelling; each space-separated."""
    # imported here: pypinyin loads its dictionaries (~0.5 s), needed only when names are indexed
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(run, errors="ignore") if s.isascii() and s.isalpha()]
    spelled = list(syllables)
    if len(syllables) > 1:
        spelled += ["".join(s[0] for s in syllables), "".join(syllables)]
    return " ".join(run), " ".join(spelled)


PREFIX_INDEXED = 3  # the FTS5 table has prefix indexes for 1, 2 and 3 characters
MAX_EXPANSION = 64


def expand_prefix(conn: Connection, prefix: str) -> list[str] | None:
    """Whole index terms starting with ``prefix``; None when there are too many to list."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    terms = list(conn.execute(_EXPAND, {"low": prefix, "high": upper, "limit": MAX_EXPANSION + 1}).scalars())
    return None if len(terms) > MAX_EXPANSION else terms


_EXPAND = (
    select(schema.search_term.c.term)
    .where(schema.search_term.c.term >= bindparam("low"), schema.search_term.c.term < bindparam("high"))
    .limit(bindparam("limit"))
)


def match_expression(query: str, *, expand: Callable[[str], list[str] | None] | None = None) -> str | None:
    """FTS5 MATCH text for what a cashier typed; None if nothing searchable was typed, "" if a typed
    word cannot match anything.

    Chinese runs must appear as consecutive characters; Latin words and numbers match as prefixes in
    any of the name columns (English name, pinyin, Latin words of the Chinese name). Words longer than
    the prefix indexes are expanded to whole terms with ``expand`` when given. Only
    letters, digits and CJK characters reach the expression, so no input can break its syntax.
    """
    parts = []
    for kind, segment in _segments(query):
        if kind == "cjk":
            parts.append('zh : "' + " ".join(segment) + '"')
            continue
        terms = expand(segment) if expand is not None and len(segment) > PREFIX_INDEXED else None
        if terms is None:
            parts.append('{zh en py} : "' + segment + '"*')
        elif not terms:
            return ""
        else:
            parts.append("{zh en py} : (" + " OR ".join('"' + t + '"' for t in terms) + ")")
    return " AND ".join(parts) if parts else None


_SEARCH = (
    "SELECT p.id, p.sku, p.name_zh, p.name_en, p.category_id, p.unit, p.price, p.member_price,"
    " p.tax_class, p.plu, p.points_eligible, p.active, t.rate_bp AS tax_rate_bp"
    " FROM (SELECT rowid FROM product_search WHERE product_search MATCH ? LIMIT ?) AS s"
    " JOIN product AS p ON p.id = s.rowid LEFT JOIN tax_class AS t ON t.code = p.tax_class WHERE p.active"
)


CANDIDATES = 200


def exact_words_expression(query: str) -> str | None:
    """FTS5 MATCH text for the typed words as whole words (``milk`` finds "Whole Milk", not
    "Milkground"); None when no typed word is long enough for that to mean anything."""
    parts = []
    for kind, segment in _segments(query):
        if kind == "cjk":
            parts.append('zh : "' + " ".join(segment) + '"')
        elif len(segment) >= 2:
            parts.append('{zh en py} : "' + segment + '"')
        else:
            return None
    return " AND ".join(parts) if parts else None


def search_products(conn: Connection, query: str, limit: int = 50, currency: str = "CNY") -> list[Product]:
    """Products whose names match ``query`` as typed so far (Chinese, English or pinyin), best first:
    an exact SKU; then names where what was typed is a whole word ("milk": "Yili Whole Milk"), then
    names where it begins a word ("Milkground Cheese Sticks"), then the rest; within each, names that
    start with it, then shorter names before longer ones.

    No bm25 ranking: FTS5 must read a term's whole doclist to rank (or to prove that no name *starts*
    with a term), which a one-letter query over a million names cannot afford per keystroke. The
    queries stream and stop after ``CANDIDATES`` matches -- whole words first, then prefixes, so a
    whole-word match is never crowded out by the prefixes -- and those are ordered here.
    """
    results: list[Product] = []
    sku = query.strip().upper()
    if len(sku) >= 3 and sku.isascii() and sku.isalnum():
        exact = product_by_sku(conn, sku, currency)
        if exact is not None and exact.active:
            results.append(exact)
    expression = match_expression(query, expand=functools.partial(expand_prefix, conn))
    if not expression:
        return results
    candidates = max(CANDIDATES, limit)
    whole = exact_words_expression(query)
    rows = conn.exec_driver_sql(_SEARCH, (whole, candidates)).all() if whole else []
    rows += conn.exec_driver_sql(_SEARCH, (expression, candidates)).all()
    typed = unicodedata.normalize("NFKC", query).strip().lower()
    words = [segment for _kind, segment in _segments(query)]

    def relevance(row: Row[Any]) -> tuple[int, bool, int, int]:
        zh, en = row.name_zh.lower(), row.name_en.lower()
        name_words = _WORDS.findall(zh) + _WORDS.findall(en)
        tier = 0
        for word in words:
            if word in name_words or (not word.isascii() and word in zh):
                continue  # a whole word (a run of Chinese characters is a word where it stands)
            tier = max(tier, 1 if any(w.startswith(word) for w in name_words) else 2)
        starts = zh.startswith(typed) or en.startswith(typed)
        return (tier, not starts, len(row.name_zh), row.id)

    seen = {p.id for p in results}
    for row in sorted(rows, key=relevance):
        if row.id not in seen and len(results) < limit:
            seen.add(row.id)
            results.append(product_from_row(row._mapping, currency))
    return results


_WORDS = re.compile(r"[^\W_]+")


# --- writing the catalogue (sync apply, demo data) ------------------------------------------------

_UPSERT_PRODUCT = (
    "INSERT INTO product (id, sku, name_zh, name_en, category_id, unit, price, member_price, tax_class,"
    " plu, points_eligible, active, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT(id) DO UPDATE SET sku=excluded.sku, name_zh=excluded.name_zh, name_en=excluded.name_en,"
    " category_id=excluded.category_id, unit=excluded.unit, price=excluded.price,"
    " member_price=excluded.member_price, tax_class=excluded.tax_class, plu=excluded.plu,"
    " points_eligible=excluded.points_eligible, active=excluded.active, version=excluded.version"
)


def upsert_products(conn: Connection, products: Sequence[Mapping[str, Any]]) -> None:
    """Insert or update products with their barcodes and search index entries, in bulk.

    Each mapping has the product columns plus ``barcodes`` (GTIN-14 strings), and optionally
    ``search_terms`` (what :func:`search_terms` gives for its names).
    """
    if not products:
        return
    existing = _existing_products(conn, [d["id"] for d in products])
    conn.exec_driver_sql(
        _UPSERT_PRODUCT,
        [
            (
                d["id"],
                d["sku"],
                d["name_zh"],
                d["name_en"],
                d.get("category_id"),
                d.get("unit", "each"),
                d["price"],
                d.get("member_price"),
                d.get("tax_class", "standard"),
                d.get("plu"),
                int(bool(d.get("points_eligible", True))),
                int(bool(d.get("active", True))),
                d.get("version", 0),
            )
            for d in products
        ],
    )
    # products already here lose their old index entries and barcodes (none on a first sync)
    known = [(i,) for i in existing]
    if known:
        conn.exec_driver_sql("DELETE FROM product_search WHERE rowid = ?", known)
        conn.exec_driver_sql("DELETE FROM barcode WHERE product_id = ?", known)
    # ``search_terms`` may come precomputed (the sync engine makes them while the previous page is written)
    indexed = [
        (d["id"], *(d.get("search_terms") or search_terms(d["name_zh"], d["name_en"]))) for d in products
    ]
    conn.exec_driver_sql("INSERT INTO product_search (rowid, zh, en, py) VALUES (?,?,?,?)", indexed)
    terms = set(" ".join([f"{zh} {en} {py}" for _id, zh, en, py in indexed]).split())
    conn.exec_driver_sql("INSERT OR IGNORE INTO search_term (term) VALUES (?)", [(t,) for t in terms])
    codes = [(code, d["id"]) for d in products for code in d.get("barcodes", ())]
    if codes:
        conn.exec_driver_sql("INSERT OR REPLACE INTO barcode (code, product_id) VALUES (?, ?)", codes)


def _existing_products(conn: Connection, ids: list[int], chunk: int = 5000) -> list[int]:
    found: list[int] = []
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        marks = ",".join("?" * len(part))
        found += [
            r[0] for r in conn.exec_driver_sql(f"SELECT id FROM product WHERE id IN ({marks})", tuple(part))
        ]
    return found


def delete_products(conn: Connection, ids: Sequence[int]) -> None:
    """Products removed centrally become inactive (old sales still name them)."""
    if ids:
        conn.exec_driver_sql("UPDATE product SET active = 0 WHERE id = ?", [(i,) for i in ids])


def upsert_categories(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO category (id, name_zh, name_en, parent_id, version) VALUES (?,?,?,?,?)",
        [(r["id"], r["name_zh"], r["name_en"], r.get("parent_id"), r.get("version", 0)) for r in rows],
    )


def categories(conn: Connection) -> list[tuple[int, Text]]:
    rows = conn.execute(select(schema.category).order_by(schema.category.c.id))
    return [(r.id, Text(r.name_zh, r.name_en)) for r in rows]


# --- tiers and members ----------------------------------------------------------------------------


def tiers(conn: Connection) -> dict[str, Tier]:
    rows = conn.execute(select(schema.member_tier)).all()
    if not rows:
        return dict(DEFAULT_TIERS)
    return {
        r.code: Tier(r.code, Text(r.name_zh, r.name_en), r.earn_multiplier_bp, bool(r.member_prices))
        for r in rows
    }


def upsert_tiers(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO member_tier"
        " (code, name_zh, name_en, earn_multiplier_bp, member_prices, version)"
        " VALUES (?,?,?,?,?,?)",
        [
            (
                r["code"],
                r["name_zh"],
                r["name_en"],
                r["earn_multiplier_bp"],
                int(r["member_prices"]),
                r.get("version", 0),
            )
            for r in rows
        ],
    )


def upsert_tax_classes(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO tax_class (code, rate_bp, name_zh, name_en, version) VALUES (?,?,?,?,?)",
        [(r["code"], r["rate_bp"], r["name_zh"], r["name_en"], r.get("version", 0)) for r in rows],
    )


def upsert_platform_settings(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO platform_setting (key, value, version) VALUES (?,?,?)",
        [(r["key"], json.dumps(r["value"]), r.get("version", 0)) for r in rows],
    )


def platform_settings(conn: Connection) -> dict[str, Any]:
    """The settings the platform set for this store, by key."""
    return {
        row.key: json.loads(row.value)
        for row in conn.execute(select(schema.platform_setting.c.key, schema.platform_setting.c.value))
    }


def _member_from_row(row: Row[Any]) -> Member:
    return Member(
        id=row.id,
        phone_masked=row.phone_masked,
        tier=row.tier,
        points_balance=row.points_balance,
        name_masked=row.name_masked,
        marketing_consent=bool(row.marketing_consent),
    )


def member_by_id(conn: Connection, member_id: int) -> Member | None:
    row = conn.execute(select(schema.member).where(schema.member.c.id == member_id)).first()
    return None if row is None else _member_from_row(row)


def member_by_phone_hash(conn: Connection, phone_hash: str) -> Member | None:
    row = conn.execute(select(schema.member).where(schema.member.c.phone_hash == phone_hash)).first()
    return None if row is None else _member_from_row(row)


def upsert_members(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO member (id, phone_hash, phone_masked, name_masked, tier, points_balance,"
        " marketing_consent, version) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                r["id"],
                r["phone_hash"],
                r["phone_masked"],
                r.get("name_masked", ""),
                r.get("tier", "regular"),
                r.get("points_balance", 0),
                int(bool(r.get("marketing_consent", False))),
                r.get("version", 0),
            )
            for r in rows
        ],
    )


def points_pending(conn: Connection, member_id: int, acked_seq: int) -> int:
    """Points moves made on this terminal that the platform has not acknowledged yet."""
    return conn.execute(
        select(func.coalesce(func.sum(schema.points_entry.c.delta), 0)).where(
            schema.points_entry.c.member_id == member_id, schema.points_entry.c.outbox_seq > acked_seq
        )
    ).scalar_one()


def points_spent_offline(conn: Connection, member_id: int, acked_seq: int) -> int:
    """Points this terminal let the member spend since the platform last acknowledged its events."""
    return -conn.execute(
        select(func.coalesce(func.sum(schema.points_entry.c.delta), 0)).where(
            schema.points_entry.c.member_id == member_id,
            schema.points_entry.c.outbox_seq > acked_seq,
            schema.points_entry.c.kind == "redeem",
        )
    ).scalar_one()


# --- promotions and coupon campaigns --------------------------------------------------------------


def _active_at(starts_at: str | None, ends_at: str | None, now: datetime) -> bool:
    stamp = now.isoformat()
    return (starts_at is None or starts_at <= stamp) and (ends_at is None or stamp < ends_at)


def active_promotions(conn: Connection, now: datetime, currency: str = "CNY") -> list[Promotion]:
    rows = conn.execute(select(schema.promotion).where(schema.promotion.c.active)).all()
    return [
        Promotion(
            r.id, Text(r.name_zh, r.name_en), Offer.from_dict(json.loads(r.offer), currency), r.priority
        )
        for r in rows
        if _active_at(r.starts_at, r.ends_at, now)
    ]


def upsert_promotions(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO promotion (id, name_zh, name_en, offer, priority, starts_at, ends_at, active,"
        " version) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                r["id"],
                r["name_zh"],
                r["name_en"],
                json.dumps(r["offer"]),
                r.get("priority", 100),
                r.get("starts_at"),
                r.get("ends_at"),
                int(bool(r.get("active", True))),
                r.get("version", 0),
            )
            for r in rows
        ],
    )


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    name: Text
    offer: Offer
    starts_at: str | None
    ends_at: str | None
    single_use: bool
    offline_allowed: bool
    offline_max_value: Money | None
    revoked: bool

    def coupon(self, coupon_id: int) -> Coupon:
        return Coupon(coupon_id, self.id, self.name, self.offer)

    def active_at(self, now: datetime) -> bool:
        return _active_at(self.starts_at, self.ends_at, now)


def campaign_by_id(conn: Connection, campaign_id: int, currency: str = "CNY") -> Campaign | None:
    r = conn.execute(select(schema.coupon_campaign).where(schema.coupon_campaign.c.id == campaign_id)).first()
    if r is None:
        return None
    return Campaign(
        r.id,
        Text(r.name_zh, r.name_en),
        Offer.from_dict(json.loads(r.offer), currency),
        r.starts_at,
        r.ends_at,
        bool(r.single_use),
        bool(r.offline_allowed),
        None if r.offline_max_value is None else Money(r.offline_max_value, currency),
        bool(r.revoked),
    )


def upsert_campaigns(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO coupon_campaign (id, name_zh, name_en, offer, starts_at, ends_at, single_use,"
        " offline_allowed, offline_max_value, revoked, version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                r["id"],
                r["name_zh"],
                r["name_en"],
                json.dumps(r["offer"]),
                r.get("starts_at"),
                r.get("ends_at"),
                int(bool(r.get("single_use", True))),
                int(bool(r.get("offline_allowed", True))),
                r.get("offline_max_value"),
                int(bool(r.get("revoked", False))),
                r.get("version", 0),
            )
            for r in rows
        ],
    )


def coupon_revoked(conn: Connection, coupon_id: int) -> bool:
    return (
        conn.execute(
            select(schema.coupon_revocation.c.coupon_id).where(
                schema.coupon_revocation.c.coupon_id == coupon_id
            )
        ).first()
        is not None
    )


def coupon_redeemed_here(conn: Connection, coupon_id: int) -> str | None:
    """The sale on this terminal that already redeemed ``coupon_id``, if any."""
    return conn.execute(
        select(schema.coupon_redemption.c.sale_id).where(
            schema.coupon_redemption.c.coupon_id == coupon_id, schema.coupon_redemption.c.status == "redeemed"
        )
    ).scalar()


# --- stock ----------------------------------------------------------------------------------------


def stock_on_hand(conn: Connection, product_id: int, acked_seq: int) -> int | None:
    """Stock shown to staff: the level last pulled plus this terminal's moves it does not count yet.

    A level pulled from the platform says up to which of this terminal's events it counts
    (``as_of_seq``); a level loaded otherwise (demo data) counts none the platform has not acknowledged.
    """
    row = conn.execute(
        select(schema.stock_level.c.on_hand, schema.stock_level.c.as_of_seq).where(
            schema.stock_level.c.product_id == product_id
        )
    ).first()
    if row is None:
        return None
    counted = acked_seq if row.as_of_seq is None else row.as_of_seq
    pending = conn.execute(
        select(func.coalesce(func.sum(schema.stock_move.c.delta), 0)).where(
            schema.stock_move.c.product_id == product_id, schema.stock_move.c.outbox_seq > counted
        )
    ).scalar_one()
    return row.on_hand + pending


def upsert_stock_levels(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Each row: ``product_id``, ``on_hand``, optionally ``version`` and ``as_of_seq`` (see above)."""
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO stock_level (product_id, on_hand, version, as_of_seq) VALUES (?,?,?,?)",
        [(r["product_id"], r["on_hand"], r.get("version", 0), r.get("as_of_seq")) for r in rows],
    )
