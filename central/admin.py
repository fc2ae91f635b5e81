"""What the chain's staff do on the platform: stores, terminal enrolment, coupon campaigns and codes,
member codes, online orders for pickup, revoking devices, and seeding the demo data.

Used by the ``pos-central`` command line (``central.cli``), the embedded demo platform and the tests.
Every change to pulled reference data takes a new version (``central.versions``) first.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from central.core.config import Settings
from central.core.db import Database
from central.ingest import apply_stock
from central.models import (
    Category,
    Coupon,
    CouponCampaign,
    CouponRedemption,
    Device,
    EnrolmentCode,
    Member,
    PickupOrder,
    PointsEntry,
    Product,
    Promotion,
    StockLevel,
    StockMove,
    Store,
    StoreSetting,
    SyncException,
    TaxClass,
    Tier,
)
from central.platform import member_lookup_salt, public_keys, signing_key, utcnow
from central.sync_exceptions import ExceptionRecord, insert_exceptions
from central.versions import next_version
from pos_app.domain.money import CashRounding
from pos_app.domain.pricing import FreeUnits, TaxRounding
from pos_app.domain.scale_labels import ScaleLayout
from sync.protocol import tokens
from sync.protocol.events import GENESIS_HASH
from sync.protocol.members import mask_phone, phone_lookup_key
from sync.protocol.wire import PLATFORM_SETTINGS, EnrolResponse

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by a person
DEFAULT_CODE_DAYS = 365


class AdminError(ValueError):
    """A request the platform refuses; the message says why."""


class EnrolmentRefused(AdminError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class IssuedCode:
    id: int
    text: str
    expires_at: int


def _t(model):
    return model.__table__


class Admin:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # --- stores and devices -----------------------------------------------------------------------
    def create_store(self, code: str, name: str = "") -> int:
        code = code.strip().upper()
        if not code or len(code) > 32:
            raise AdminError("a store code has 1 to 32 characters")
        with self.db.write() as conn:
            existing = conn.execute(select(_t(Store).c.id).where(_t(Store).c.code == code)).scalar()
            if existing is not None:
                return existing
            return conn.execute(
                _t(Store).insert().values(code=code, name=name, created_at=utcnow()).returning(_t(Store).c.id)
            ).scalar_one()

    def store_id(self, conn: Connection, code: str) -> int:
        store_id = conn.execute(
            select(_t(Store).c.id).where(_t(Store).c.code == code.strip().upper())
        ).scalar()
        if store_id is None:
            raise AdminError(f"no store {code!r}; create it with create-store")
        return store_id

    def issue_enrolment_code(self, store_code: str, terminal_code: str, minutes: int | None = None) -> str:
        """A single-use code that enrols one terminal of ``store_code``; it expires unused."""
        if not terminal_code or len(terminal_code) > 32:
            raise AdminError("a terminal code has 1 to 32 characters")
        minutes = self.settings.enrolment_code_minutes if minutes is None else minutes
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
        code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
        with self.db.write() as conn:
            store_id = self.store_id(conn, store_code)
            conn.execute(
                _t(EnrolmentCode)
                .insert()
                .values(
                    code=code,
                    store_id=store_id,
                    terminal_code=terminal_code,
                    created_at=utcnow(),
                    expires_at=time.time() + minutes * 60,
                )
            )
        return code

    def enrol(self, code: str, device_id: str, public_key: str, app_version: str = "") -> EnrolResponse:
        """Use an enrolment code: register the device's public key; answer with what it needs."""
        ec, dev, st = _t(EnrolmentCode), _t(Device), _t(Store)
        normalised = code.strip().upper()
        with self.db.write() as conn:
            row = conn.execute(select(ec).where(ec.c.code == normalised).with_for_update()).first()
            if row is None:
                raise EnrolmentRefused("bad_enrolment_code", "unknown enrolment code")
            if row.used_at is not None:
                raise EnrolmentRefused("bad_enrolment_code", "this enrolment code was already used")
            if row.expires_at < time.time():
                raise EnrolmentRefused("bad_enrolment_code", "this enrolment code has expired")
            existing = conn.execute(select(dev.c.revoked_at).where(dev.c.id == device_id)).first()
            if existing is not None:
                if existing.revoked_at is not None:
                    raise EnrolmentRefused("device_revoked", "this device was revoked; it cannot enrol again")
                raise EnrolmentRefused("already_enrolled", "this device is already enrolled")
            now = utcnow()
            conn.execute(
                dev.insert().values(
                    id=device_id,
                    store_id=row.store_id,
                    terminal_code=row.terminal_code,
                    public_key=public_key,
                    app_version=app_version,
                    enrolled_at=now,
                    last_seq=0,
                    last_hash=GENESIS_HASH,
                )
            )
            conn.execute(update(ec).where(ec.c.code == normalised).values(used_at=now, device_id=device_id))
            store = conn.execute(select(st.c.code, st.c.name).where(st.c.id == row.store_id)).one()
            return EnrolResponse(
                device_id=device_id,
                store_code=store.code,
                store_name=store.name,
                store_id=row.store_id,
                terminal_code=row.terminal_code,
                platform_keys=public_keys(conn),
                member_lookup_salt=member_lookup_salt(conn),
                server_time=time.time(),
            )

    def revoke_device(self, device_id: str) -> None:
        with self.db.write() as conn:
            result = conn.execute(
                update(_t(Device))
                .where(_t(Device).c.id == device_id, _t(Device).c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            if result.rowcount != 1:
                raise AdminError(f"no enrolled, unrevoked device {device_id!r}")

    def devices(self) -> list[dict[str, Any]]:
        d, s = _t(Device), _t(Store)
        with self.db.read() as conn:
            rows = conn.execute(
                select(d, s.c.code.label("store_code"))
                .join(s, s.c.id == d.c.store_id)
                .order_by(d.c.enrolled_at)
            )
            return [dict(r._mapping) for r in rows]

    # --- catalogue --------------------------------------------------------------------------------
    def set_price(self, product_id: int, price: int, member_price: int | None = None) -> None:
        if price < 0:
            raise AdminError("a price cannot be negative")
        with self.db.write() as conn:
            version = next_version(conn)
            result = conn.execute(
                update(_t(Product))
                .where(_t(Product).c.id == product_id)
                .values(price=price, member_price=member_price, version=version)
            )
            if result.rowcount != 1:
                raise AdminError(f"no product {product_id}")

    # --- members ----------------------------------------------------------------------------------
    def create_member(
        self, phone: str, name: str = "", tier: str = "regular", points: int = 0, consent: bool = False
    ) -> int:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) < 8:
            raise AdminError("a member needs a full phone number")
        m = _t(Member)
        with self.db.write() as conn:
            salt = member_lookup_salt(conn)
            key = phone_lookup_key(digits, salt)
            if conn.execute(select(m.c.id).where(m.c.phone_hash == key, m.c.erased.is_(False))).first():
                raise AdminError("a member with this phone number exists")
            version = next_version(conn)
            member_id = (conn.execute(select(func.max(m.c.id))).scalar() or 100_000) + 1
            conn.execute(
                m.insert().values(
                    id=member_id,
                    phone=digits,
                    phone_hash=key,
                    phone_masked=mask_phone(digits),
                    name=name,
                    name_masked=(name[:1] + "*") if name else "",
                    tier=tier,
                    points_balance=points,
                    marketing_consent=consent,
                    erased=False,
                    version=version,
                )
            )
            if points:
                self._points(conn, member_id, points, "initial", "create")
        return member_id

    def _points(self, conn: Connection, member_id: int, delta: int, kind: str, ref: str) -> None:
        conn.execute(
            _t(PointsEntry).insert(),
            [{"member_id": member_id, "delta": delta, "kind": kind, "ref": ref, "created_at": utcnow()}],
        )

    def adjust_points_online(self, member_id: int, delta: int, ref: str) -> int:
        """Points earned or spent in the online shop; returns the new balance. Spending more than the
        balance is refused online (only an offline till can overdraw, and that is flagged)."""
        m = _t(Member)
        with self.db.write() as conn:
            row = conn.execute(
                select(m.c.points_balance).where(m.c.id == member_id, m.c.erased.is_(False)).with_for_update()
            ).first()
            if row is None:
                raise AdminError(f"no member {member_id}")
            if row.points_balance + delta < 0:
                raise AdminError(f"member {member_id} has only {row.points_balance} points")
            version = next_version(conn)
            self._points(conn, member_id, delta, "online", ref)
            balance = row.points_balance + delta
            conn.execute(update(m).where(m.c.id == member_id).values(points_balance=balance, version=version))
            return balance

    def erase_member(self, member_id: int) -> None:
        """Forget a member's personal data (their ledger stays, anonymous); terminals delete them."""
        m = _t(Member)
        with self.db.write() as conn:
            version = next_version(conn)
            result = conn.execute(
                update(m)
                .where(m.c.id == member_id, m.c.erased.is_(False))
                .values(
                    phone="",
                    phone_hash=f"erased:{member_id}",
                    phone_masked="",
                    name="",
                    name_masked="",
                    marketing_consent=False,
                    erased=True,
                    version=version,
                )
            )
            if result.rowcount != 1:
                raise AdminError(f"no member {member_id}")

    def resolve_exception(self, exception_id: int, note: str = "") -> None:
        """The manager explained it: mark it resolved (a later one of the same kind opens anew)."""
        x = _t(SyncException)
        with self.db.write() as conn:
            row = conn.execute(
                select(x.c.detail).where(x.c.id == exception_id, x.c.resolved_at.is_(None))
            ).first()
            if row is None:
                raise AdminError(f"no open exception {exception_id}")
            detail = {**json.loads(row.detail), "resolution": note}
            conn.execute(
                update(x)
                .where(x.c.id == exception_id)
                .values(resolved_at=utcnow(), dedupe_key=None, detail=json.dumps(detail, ensure_ascii=False))
            )

    def member_by_phone(self, phone: str) -> int | None:
        m = _t(Member)
        with self.db.read() as conn:
            key = phone_lookup_key(phone, member_lookup_salt(conn))
            return conn.execute(select(m.c.id).where(m.c.phone_hash == key, m.c.erased.is_(False))).scalar()

    def member_code(self, member_id: int, days: int = DEFAULT_CODE_DAYS) -> IssuedCode:
        with self.db.read() as conn:
            if conn.execute(select(_t(Member).c.id).where(_t(Member).c.id == member_id)).first() is None:
                raise AdminError(f"no member {member_id}")
            key_id, key = signing_key(conn)
        expires = int(time.time()) + days * 86400
        return IssuedCode(
            member_id, tokens.issue(tokens.MemberToken(member_id, expires, key_id), key), expires
        )

    # --- coupons ----------------------------------------------------------------------------------
    def create_campaign(
        self,
        name_zh: str,
        name_en: str,
        offer: dict[str, Any],
        *,
        campaign_id: int | None = None,
        single_use: bool = True,
        offline_allowed: bool = True,
        offline_max_value: int | None = None,
        starts_at: str | None = None,
        ends_at: str | None = None,
        stores: tuple[str, ...] = (),
    ) -> int:
        """A coupon campaign; its coupons are redeemable in ``stores`` (store codes), or everywhere."""
        if not isinstance(offer, dict) or "kind" not in offer:
            raise AdminError("an offer needs a kind (amount_off, percent_off, spend_get_off, buy_n_get_m)")
        c = _t(CouponCampaign)
        with self.db.write() as conn:
            version = next_version(conn)
            if campaign_id is None:
                campaign_id = (conn.execute(select(func.max(c.c.id))).scalar() or 0) + 1
            if len(stores) > tokens.MAX_STORES:
                raise AdminError(
                    f"a campaign names at most {tokens.MAX_STORES} stores (or none: every store)"
                )
            store_ids = ",".join(str(self.store_id(conn, code)) for code in stores)
            conn.execute(
                c.insert().values(
                    id=campaign_id,
                    name_zh=name_zh,
                    name_en=name_en,
                    offer=json.dumps(offer, sort_keys=True),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    single_use=single_use,
                    offline_allowed=offline_allowed,
                    offline_max_value=offline_max_value,
                    store_ids=store_ids,
                    revoked=False,
                    version=version,
                )
            )
        return campaign_id

    def issue_coupons(
        self, campaign_id: int, count: int = 1, days: int = DEFAULT_CODE_DAYS, first_id: int | None = None
    ) -> list[IssuedCode]:
        """Issue ``count`` single-use coupon codes of a campaign (signed QR text)."""
        if not 1 <= count <= 100_000:
            raise AdminError("issue between 1 and 100,000 coupons at a time")
        c = _t(Coupon)
        expires = int(time.time()) + days * 86400
        with self.db.write() as conn:
            campaign = conn.execute(
                select(_t(CouponCampaign).c.store_ids).where(_t(CouponCampaign).c.id == campaign_id)
            ).first()
            if campaign is None:
                raise AdminError(f"no campaign {campaign_id}")
            stores = _store_ids(campaign.store_ids)
            key_id, key = signing_key(conn)
            version = next_version(conn)
            start = (
                first_id
                if first_id is not None
                else (conn.execute(select(func.max(c.c.id))).scalar() or 800_000) + 1
            )
            rows = [
                {
                    "id": start + i,
                    "campaign_id": campaign_id,
                    "status": "issued",
                    "expires_at": expires,
                    "issued_at": utcnow(),
                    "revoked_reason": "",
                    "version": version,
                }
                for i in range(count)
            ]
            try:
                conn.execute(c.insert(), rows)
            except IntegrityError as exc:
                raise AdminError("those coupon ids are taken") from exc
        return [
            IssuedCode(
                r["id"],
                tokens.issue(tokens.CouponToken(r["id"], campaign_id, expires, key_id, stores), key),
                expires,
            )
            for r in rows
        ]

    def unused_coupons(self, campaign_id: int) -> list[int]:
        """Coupons of a campaign still to be used (issued, not reserved, redeemed, revoked or expired),
        oldest first."""
        c = _t(Coupon)
        with self.db.read() as conn:
            return list(
                conn.execute(
                    select(c.c.id)
                    .where(
                        c.c.campaign_id == campaign_id,
                        c.c.status == "issued",
                        c.c.expires_at > int(time.time()),
                    )
                    .order_by(c.c.id)
                ).scalars()
            )

    def coupon_code(self, coupon_id: int) -> IssuedCode:
        """The code of an issued coupon again (e.g. to print it once more), signed with today's key."""
        c = _t(Coupon)
        with self.db.read() as conn:
            k = _t(CouponCampaign)
            row = conn.execute(
                select(c.c.campaign_id, c.c.expires_at, k.c.store_ids)
                .join(k, k.c.id == c.c.campaign_id)
                .where(c.c.id == coupon_id)
            ).first()
            if row is None:
                raise AdminError(f"no coupon {coupon_id}")
            key_id, key = signing_key(conn)
        token = tokens.CouponToken(
            coupon_id, row.campaign_id, row.expires_at, key_id, _store_ids(row.store_ids)
        )
        return IssuedCode(coupon_id, tokens.issue(token, key), row.expires_at)

    def revoke_coupon(self, coupon_id: int, reason: str = "") -> None:
        c = _t(Coupon)
        with self.db.write() as conn:
            version = next_version(conn)
            result = conn.execute(
                update(c)
                .where(c.c.id == coupon_id, c.c.status != "redeemed")
                .values(status="revoked", revoked_reason=reason, version=version)
            )
            if result.rowcount != 1:
                raise AdminError(f"coupon {coupon_id} does not exist or was already redeemed")

    def redeem_coupon_online(self, coupon_id: int, order_ref: str, amount: int) -> bool:
        """The online shop redeems a coupon; True if this is its valid redemption. A coupon already
        used (in a store or online) is refused online -- nothing was sold yet, so nothing is lost."""
        c, r = _t(Coupon), _t(CouponRedemption)
        with self.db.write() as conn:
            row = conn.execute(select(c).where(c.c.id == coupon_id).with_for_update()).first()
            if row is None:
                raise AdminError(f"no coupon {coupon_id}")
            if row.status in ("redeemed", "revoked"):
                return False
            version = next_version(conn)
            conn.execute(
                update(c)
                .where(c.c.id == coupon_id)
                .values(status="redeemed", redeemed_ref=order_ref, reserved_basket=None, version=version)
            )
            conn.execute(
                r.insert().values(
                    coupon_id=coupon_id,
                    campaign_id=row.campaign_id,
                    channel="online",
                    ref=order_ref,
                    amount=amount,
                    valid=True,
                    voided=False,
                    created_at=utcnow(),
                )
            )
            return True

    # --- pickup orders ----------------------------------------------------------------------------
    def create_pickup_order(
        self,
        store_code: str,
        lines: Sequence[tuple[int, int]],
        *,
        member_id: int | None = None,
        paid: bool = False,
        order_id: int | None = None,
    ) -> tuple[int, str]:
        """An online order to collect in ``store_code``: ``lines`` of (product id, quantity in
        thousandths). Returns (order id, the 6-digit pickup code). ``paid`` pays it at once."""
        if not lines:
            raise AdminError("an order needs at least one line")
        p, o, m = _t(Product), _t(PickupOrder), _t(Member)
        with self.db.write() as conn:
            store_id = self.store_id(conn, store_code)
            version = next_version(conn)
            products = {
                r.id: r for r in conn.execute(select(p).where(p.c.id.in_([pid for pid, _q in lines])))
            }
            order_lines = []
            for product_id, quantity in lines:
                product = products.get(product_id)
                if product is None:
                    raise AdminError(f"no product {product_id}")
                if quantity <= 0:
                    raise AdminError("quantities are more than zero")
                order_lines.append(
                    {
                        "product_id": product_id,
                        "sku": product.sku,
                        "name_zh": product.name_zh,
                        "name_en": product.name_en,
                        "quantity": quantity,
                        "amount": product.price * quantity // 1000,
                    }
                )
            customer = ""
            if member_id is not None:
                member = conn.execute(
                    select(m.c.name_masked, m.c.phone_masked).where(m.c.id == member_id)
                ).first()
                if member is None:
                    raise AdminError(f"no member {member_id}")
                customer = f"{member.name_masked} {member.phone_masked}".strip()
            if order_id is None:
                order_id = (conn.execute(select(func.max(o.c.id))).scalar() or 900_000) + 1
            open_codes = set(
                conn.execute(
                    select(o.c.code).where(
                        o.c.store_id == store_id, o.c.status.notin_(("handed_over", "cancelled"))
                    )
                ).scalars()
            )
            code = f"{secrets.randbelow(1_000_000):06d}"
            while code in open_codes:
                code = f"{secrets.randbelow(1_000_000):06d}"
            now = utcnow()
            conn.execute(
                o.insert().values(
                    id=order_id,
                    code=code,
                    store_id=store_id,
                    status="created",
                    paid=False,
                    member_id=member_id,
                    customer_masked=customer,
                    lines=json.dumps(order_lines, ensure_ascii=False),
                    total=sum(ln["amount"] for ln in order_lines),
                    created_at=now,
                    updated_at=now,
                    version=version,
                )
            )
        if paid:
            self.pickup_paid(order_id)
        return order_id, code

    def pickup_code(self, order_id: int, days: int = 30) -> IssuedCode:
        o = _t(PickupOrder)
        with self.db.read() as conn:
            row = conn.execute(select(o.c.code, o.c.store_id).where(o.c.id == order_id)).first()
            if row is None:
                raise AdminError(f"no pickup order {order_id}")
            key_id, key = signing_key(conn)
        expires = int(time.time()) + days * 86400
        token = tokens.PickupToken(order_id, int(row.code), expires, key_id, row.store_id)
        text = tokens.issue(token, key)
        return IssuedCode(order_id, text, expires)

    def _move_order(self, order_id: int, allowed_from: tuple[str, ...], to: str) -> dict:
        o = _t(PickupOrder)
        with self.db.write() as conn:
            version = next_version(conn)  # before the order's stock moves (lock order)
            row = conn.execute(select(o).where(o.c.id == order_id).with_for_update()).first()
            if row is None:
                raise AdminError(f"no pickup order {order_id}")
            if row.status not in allowed_from:
                raise AdminError(f"order {order_id} is {row.status}; it cannot become {to}")
            values: dict[str, Any] = {"status": to, "updated_at": utcnow(), "version": version}
            moves = []
            if to == "paid":
                values["paid"] = True
                moves = self._order_moves(row, -1, "online")
            elif to == "cancelled" and row.paid:
                moves = self._order_moves(row, +1, "online_cancel")
            if to == "ready" and not row.paid:
                raise AdminError(f"order {order_id} is not paid")
            conn.execute(update(o).where(o.c.id == order_id).values(**values))
            if moves:
                conn.execute(_t(StockMove).insert(), moves)
                exceptions: list[ExceptionRecord] = []
                apply_stock(conn, moves, version, exceptions)
                insert_exceptions(conn, exceptions)
            return {**dict(row._mapping), **values}

    @staticmethod
    def _order_moves(row, sign: int, reason: str) -> list[dict]:
        now = utcnow()
        return [
            {
                "store_id": row.store_id,
                "product_id": line["product_id"],
                "delta": sign * int(line["quantity"]),
                "reason": reason,
                "ref": f"pickup:{row.id}",
                "event_id": None,
                "created_at": now,
            }
            for line in json.loads(row.lines)
        ]

    def pickup_paid(self, order_id: int) -> dict:
        """The customer paid online: the goods leave the store's stock now (one stock, both channels)."""
        return self._move_order(order_id, ("created",), "paid")

    def pickup_ready(self, order_id: int) -> dict:
        return self._move_order(order_id, ("paid",), "ready")

    def pickup_cancel(self, order_id: int) -> dict:
        """Cancel online. A handed-over order cannot be cancelled; one handed over offline that we have
        not heard of yet is cancelled here, and the handover, when it arrives, wins with an exception."""
        return self._move_order(order_id, ("created", "paid", "ready"), "cancelled")

    def open_pickup_orders(self, store_code: str, status: str = "ready") -> list[tuple[int, str]]:
        """(order id, pickup code) of a store's paid orders in ``status``, oldest first."""
        o = _t(PickupOrder)
        with self.db.read() as conn:
            store_id = self.store_id(conn, store_code)
            rows = conn.execute(
                select(o.c.id, o.c.code)
                .where(o.c.store_id == store_id, o.c.status == status, o.c.paid.is_(True))
                .order_by(o.c.id)
            ).all()
        return [(r.id, r.code) for r in rows]

    def pickup_order(self, order_id: int) -> dict:
        o = _t(PickupOrder)
        with self.db.read() as conn:
            row = conn.execute(select(o).where(o.c.id == order_id)).first()
        if row is None:
            raise AdminError(f"no pickup order {order_id}")
        return dict(row._mapping)

    # --- tax classes, store settings, promotions ---------------------------------------------------
    def set_tax_class(self, code: str, rate_bp: int, name_zh: str, name_en: str) -> None:
        """Create or change a tax class; every terminal gets the rate with its next sync."""
        if not 0 <= rate_bp <= 10_000:
            raise AdminError("a tax rate is between 0 and 10000 basis points (13 % = 1300)")
        t = _t(TaxClass)
        with self.db.write() as conn:
            version = next_version(conn)
            values = {"rate_bp": rate_bp, "name_zh": name_zh, "name_en": name_en, "version": version}
            if conn.execute(update(t).where(t.c.code == code).values(**values)).rowcount == 0:
                conn.execute(t.insert().values(code=code, **values))

    def set_product_tax_class(self, product_id: int, code: str) -> None:
        """Put a product in another tax class (a franchise store's small-scale rate, say)."""
        p, t = _t(Product), _t(TaxClass)
        with self.db.write() as conn:
            if conn.execute(select(t.c.code).where(t.c.code == code)).first() is None:
                raise AdminError(f"no tax class {code!r}; create it with set-tax-class")
            version = next_version(conn)
            if (
                conn.execute(
                    update(p).where(p.c.id == product_id).values(tax_class=code, version=version)
                ).rowcount
                == 0
            ):
                raise AdminError(f"no product {product_id}")

    def set_store_setting(self, key: str, value: Any, store_code: str | None = None) -> None:
        """Decide a terminal setting for one store, or for every store (``store_code`` None)."""
        if key not in PLATFORM_SETTINGS:
            raise AdminError(
                f"the platform does not set {key!r}; it sets {', '.join(sorted(PLATFORM_SETTINGS))}"
            )
        try:
            _SETTING_CHECKS[key](value)
        except (KeyError, TypeError, ValueError) as exc:
            raise AdminError(f"{value!r} is not a value of {key}: {exc}") from exc
        s = _t(StoreSetting)
        with self.db.write() as conn:
            if store_code is None:
                stores = list(conn.execute(select(_t(Store).c.id)).scalars())
            else:
                stores = [self.store_id(conn, store_code)]
            version = next_version(conn)
            text = json.dumps(value, sort_keys=True)
            for store_id in stores:
                where = (s.c.store_id == store_id) & (s.c.key == key)
                if conn.execute(update(s).where(where).values(value=text, version=version)).rowcount == 0:
                    conn.execute(s.insert().values(store_id=store_id, key=key, value=text, version=version))

    def create_promotion(
        self,
        name_zh: str,
        name_en: str,
        offer: dict[str, Any],
        *,
        priority: int = 100,
        promotion_id: int | None = None,
        starts_at: str | None = None,
        ends_at: str | None = None,
    ) -> int:
        """A promotion every terminal applies after its next sync (the offer as the terminal's pricing
        reads it: ``pos_app.domain.pricing.Offer.to_dict``)."""
        if not isinstance(offer, dict) or "kind" not in offer:
            raise AdminError("an offer needs a kind")
        t = _t(Promotion)
        with self.db.write() as conn:
            version = next_version(conn)
            if promotion_id is None:
                promotion_id = (conn.execute(select(func.max(t.c.id))).scalar() or 0) + 1
            conn.execute(
                t.insert().values(
                    id=promotion_id,
                    name_zh=name_zh,
                    name_en=name_en,
                    offer=json.dumps(offer, sort_keys=True),
                    priority=priority,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    active=True,
                    version=version,
                )
            )
        return promotion_id

    # --- demo -------------------------------------------------------------------------------------
    def seed_demo(
        self,
        products: int = 2000,
        members: int = 200,
        seed: int = 42,
        store_code: str = "S001",
        batch: int = 20_000,
    ) -> dict[str, Any]:
        """Seed the platform from ``resources.demo.generator`` so that terminals loaded with the same
        data set agree on every id; idempotent for a store that was already seeded."""
        from resources.demo import generator

        data = generator.build(products, members, seed)
        store_id = self.create_store(store_code, "O2O 示范店 Demo Store")
        with self.db.write() as conn:
            if conn.execute(select(_t(Product).c.id).limit(1)).first() is not None:
                return {"store_id": store_id, "seeded": False}
            version = next_version(conn)
            conn.execute(_t(TaxClass).insert(), [{**t, "version": version} for t in data.tax_classes])
            conn.execute(_t(Category).insert(), [{**c, "version": version} for c in data.categories])
            conn.execute(_t(Tier).insert(), [{**t, "version": version} for t in data.tiers])
            conn.execute(
                _t(Promotion).insert(),
                [
                    {
                        **{k: v for k, v in pr.items() if k != "offer"},
                        "offer": json.dumps(pr["offer"], sort_keys=True),
                        "version": version,
                    }
                    for pr in data.promotions
                ],
            )
            conn.execute(
                _t(CouponCampaign).insert(),
                [
                    {
                        **{k: v for k, v in c.items() if k != "offer"},
                        "offer": json.dumps(c["offer"], sort_keys=True),
                        "revoked": False,
                        "version": version,
                    }
                    for c in data.campaigns
                ],
            )
            now = utcnow()
            conn.execute(
                _t(Member).insert(),
                [
                    {
                        **m,
                        "phone": data.member_phones[m["id"]],
                        "name": m["name_masked"].rstrip("*") + "某",
                        "erased": False,
                        "version": version,
                    }
                    for m in data.members
                ],
            )
            initial_points = [
                {
                    "member_id": m["id"],
                    "delta": m["points_balance"],
                    "kind": "initial",
                    "ref": "seed",
                    "created_at": now,
                }
                for m in data.members
                if m["points_balance"]
            ]
            if initial_points:
                conn.execute(_t(PointsEntry).insert(), initial_points)
            # the demo terminal's sample coupons (pos_app.services.demo issues ids 700000 + campaign)
            expires = int(time.time()) + DEFAULT_CODE_DAYS * 86400
            conn.execute(
                _t(Coupon).insert(),
                [
                    {
                        "id": 700_000 + c["id"],
                        "campaign_id": c["id"],
                        "status": "issued",
                        "expires_at": expires,
                        "issued_at": now,
                        "revoked_reason": "",
                        "version": version,
                    }
                    for c in data.campaigns
                ],
            )
            products = data.products + data.other_items  # the other item has no stock to seed
            for start in range(0, len(products), batch):
                chunk = products[start : start + batch]
                conn.execute(
                    _t(Product).insert(),
                    [
                        {
                            **{k: v for k, v in p.items() if k != "barcodes"},
                            "barcodes": json.dumps(p["barcodes"]),
                            "version": version,
                        }
                        for p in chunk
                    ],
                )
                stock = data.stock[start : start + batch]
                if not stock:
                    continue
                conn.execute(
                    _t(StockMove).insert(),
                    [
                        {
                            "store_id": store_id,
                            "product_id": s["product_id"],
                            "delta": s["on_hand"],
                            "reason": "initial",
                            "ref": "seed",
                            "event_id": None,
                            "created_at": now,
                        }
                        for s in stock
                    ],
                )
                conn.execute(
                    _t(StockLevel).insert(),
                    [
                        {
                            "store_id": store_id,
                            "product_id": s["product_id"],
                            "on_hand": s["on_hand"],
                            "version": version,
                        }
                        for s in stock
                    ],
                )
            for order in data.pickup_orders:
                conn.execute(
                    _t(PickupOrder)
                    .insert()
                    .values(
                        id=order["id"],
                        code=order["code"],
                        store_id=store_id,
                        status=order["status"],
                        paid=order["paid"],
                        member_id=order.get("member_id"),
                        customer_masked=order["customer_masked"],
                        lines=json.dumps(order["lines"], ensure_ascii=False),
                        total=order["total"],
                        created_at=now,
                        updated_at=now,
                        version=version,
                    )
                )
                # paid online before the seed: its goods already left the store's stock
                moves = self._order_moves(_OrderRow(order, store_id), -1, "online")
                conn.execute(_t(StockMove).insert(), moves)
                apply_stock(conn, moves, version, [])
        return {
            "store_id": store_id,
            "seeded": True,
            "products": len(data.products),
            "members": len(data.members),
        }


@dataclass
class _OrderRow:
    data: dict
    store_id: int

    @property
    def id(self) -> int:
        return self.data["id"]

    @property
    def lines(self) -> str:
        return json.dumps(self.data["lines"])


__all__ = ["Admin", "AdminError", "EnrolmentRefused", "IssuedCode"]


def _store_ids(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def _scale_layout(value: Any) -> None:
    if not isinstance(value, list):
        raise TypeError("a list of label layouts")
    ScaleLayout.from_config(value)


def _one_of(*choices: str) -> Any:
    def check(value: Any) -> None:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)}")

    return check


# what a terminal accepts (pos_app.config declares the same choices for the terminal's own file)
_SETTING_CHECKS = {
    "scan.scale_layout": _scale_layout,
    "scan.expired_goods": _one_of("warn", "refuse"),
    "promotions.free_units": _one_of(*(rule.value for rule in FreeUnits)),
    "tax.rounding": _one_of(*(rounding.value for rounding in TaxRounding)),
    "money.cash_rounding": _one_of(*CashRounding.MODES),
}
