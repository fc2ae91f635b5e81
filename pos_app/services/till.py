"""Till sessions: open with a float, cash in and out, X report, blind close with the Z report.

One session is open per terminal at a time; its business day is the store's local date when it opened,
whatever the device clock says later. Closing is blind: the cashier counts first, then sees the
difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import Connection, func, select, update

from pos_app.db import ledger, schema
from pos_app.domain.catalog import tax_contained
from pos_app.domain.errors import DomainError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Approval, Permission, StaffMember
from pos_app.domain.reports import TillTotals, ZReport
from pos_app.i18n import _
from pos_app.services.context import TerminalContext, new_id
from pos_app.services.recording import record
from sync.protocol.events import EventType

MAX_FLOAT_MINOR = 10_000_00  # 10,000 yuan: a typo guard, not a policy


@dataclass(frozen=True, slots=True)
class TillSession:
    id: str
    terminal_code: str
    business_day: str
    opened_at: str
    opened_by: int
    opening_float: Money


class TillService:
    def __init__(self, ctx: TerminalContext) -> None:
        self.ctx = ctx

    # --- session ----------------------------------------------------------------------------------
    def current(self) -> TillSession | None:
        with self.ctx.db.read() as conn:
            return self._current(conn)

    def _current(self, conn: Connection) -> TillSession | None:
        t = schema.till_session
        row = conn.execute(
            select(t).where(t.c.terminal_code == self.ctx.terminal_code, t.c.status == "open")
        ).first()
        if row is None:
            return None
        return TillSession(
            row.id,
            row.terminal_code,
            row.business_day,
            row.opened_at,
            row.opened_by,
            Money(row.opening_float, self.ctx.currency),
        )

    def require_open(self, conn: Connection) -> TillSession:
        session = self._current(conn)
        if session is None:
            raise DomainError(_("The till is closed. Open it with a float first."), code="till_closed")
        return session

    def open(self, staff: StaffMember, opening_float: Money) -> TillSession:
        staff.require(Permission.OPEN_TILL)
        if opening_float.minor < 0 or opening_float.minor > MAX_FLOAT_MINOR:
            raise DomainError(_("Enter a float between 0 and 10,000"), code="float")
        now = self.ctx.clock.now()
        at = self.ctx.clock.utc_iso()
        session = TillSession(
            new_id(), self.ctx.terminal_code, now.date().isoformat(), at, staff.id, opening_float
        )
        with self.ctx.db.write() as conn:
            if self._current(conn) is not None:
                raise DomainError(_("The till is already open"), code="till_open")
            conn.execute(
                schema.till_session.insert().values(
                    id=session.id,
                    terminal_code=session.terminal_code,
                    business_day=session.business_day,
                    opened_at=at,
                    opened_by=staff.id,
                    opening_float=opening_float.minor,
                )
            )
            record(
                conn,
                event_type=EventType.TILL_SESSION_OPENED,
                payload={
                    "till_session_id": session.id,
                    "store_code": self.ctx.store_code,
                    "terminal_code": session.terminal_code,
                    "business_day": session.business_day,
                    "opening_float": opening_float.minor,
                    "staff_id": staff.id,
                },
                till_session_id=session.id,
                staff_id=staff.id,
                ref=session.id,
                amount=opening_float.minor,
                at=at,
                device_id=self.ctx.device_id,
            )
        self.ctx.events.publish("outbox_appended")
        self.ctx.events.publish("till_opened", session=session)
        return session

    # --- cash in / out ----------------------------------------------------------------------------
    def move_cash(
        self, staff: StaffMember, kind: str, amount: Money, reason: str, approval: Approval | None = None
    ) -> None:
        """Put cash into the drawer (``cash_in``) or take it out (``cash_out``), e.g. to the safe."""
        if kind not in ("cash_in", "cash_out"):
            raise ValueError(kind)
        approver = approval.staff if approval else staff
        approver.require(Permission.CASH_IN_OUT)
        if amount.minor <= 0 or amount.minor > MAX_FLOAT_MINOR * 10:
            raise DomainError(_("Enter an amount more than zero"), code="amount")
        at = self.ctx.clock.utc_iso()
        with self.ctx.db.write() as conn:
            session = self.require_open(conn)
            if kind == "cash_out":
                self._check_cash_out(conn, session, amount)
            conn.execute(
                schema.cash_movement.insert().values(
                    till_session_id=session.id,
                    kind=kind,
                    amount=amount.minor,
                    reason=reason,
                    staff_id=staff.id,
                    approved_by=approver.id if approver.id != staff.id else None,
                    created_at=at,
                )
            )
            record(
                conn,
                event_type=EventType.CASH_MOVED,
                payload={
                    "till_session_id": session.id,
                    "kind": kind,
                    "amount": amount.minor,
                    "reason": reason,
                    "staff_id": staff.id,
                    "approved_by": approver.id,
                },
                till_session_id=session.id,
                staff_id=staff.id,
                ref=kind,
                amount=amount.minor if kind == "cash_in" else -amount.minor,
                at=at,
                device_id=self.ctx.device_id,
            )
        self.ctx.events.publish("outbox_appended")
        if self.ctx.printer is not None:
            self._kick_drawer(staff, session.id)

    def check_cash_out(self, amount: Money) -> None:
        """Refuse, before anyone is asked to approve it, a cash-out larger than the drawer can hold --
        without saying what it should hold: the cashier counts the drawer blind at closing."""
        if amount.minor <= 0 or amount.minor > MAX_FLOAT_MINOR * 10:
            raise DomainError(_("Enter an amount more than zero"), code="amount")
        with self.ctx.db.read() as conn:
            self._check_cash_out(conn, self.require_open(conn), amount)

    def _check_cash_out(self, conn: Connection, session: TillSession, amount: Money) -> None:
        if amount > self._totals(conn, session).expected_cash:
            raise DomainError(
                _("The drawer does not hold that much cash. Take out less, or ask a supervisor to count it."),
                code="amount",
            )

    def open_drawer(self, staff: StaffMember, approval: Approval | None = None, reason: str = "") -> None:
        """Open the drawer without a sale (change for a note); journalled."""
        approver = approval.staff if approval else staff
        approver.require(Permission.OPEN_DRAWER)
        with self.ctx.db.read() as conn:
            session = self.require_open(conn)
        self._kick_drawer(staff, session.id, reason=reason or "no_sale", approved_by=approver.id)

    def _kick_drawer(
        self, staff: StaffMember, session_id: str, reason: str = "", approved_by: int | None = None
    ) -> None:
        printer = self.ctx.printer
        if printer is None:
            raise DomainError(_("No cash drawer is connected"), code="no_drawer")
        with self.ctx.db.write() as conn:
            ledger.append_journal(
                conn,
                kind="drawer_open",
                created_at=self.ctx.clock.utc_iso(),
                staff_id=staff.id,
                till_session_id=session_id,
                ref=reason,
                payload={"approved_by": approved_by},
            )
        printer.open_drawer()

    # --- totals and reports -----------------------------------------------------------------------
    def totals(self, session_id: str | None = None) -> TillTotals:
        with self.ctx.db.read() as conn:
            session = self._session(conn, session_id) if session_id else self.require_open(conn)
            return self._totals(conn, session)

    def _session(self, conn: Connection, session_id: str) -> TillSession:
        row = conn.execute(select(schema.till_session).where(schema.till_session.c.id == session_id)).first()
        if row is None:
            raise DomainError(_("No such till session"), code="no_session")
        return TillSession(
            row.id,
            row.terminal_code,
            row.business_day,
            row.opened_at,
            row.opened_by,
            Money(row.opening_float, self.ctx.currency),
        )

    def _totals(self, conn: Connection, session: TillSession) -> TillTotals:
        cur = self.ctx.currency
        s, t, r, rt = schema.sale, schema.tender, schema.refund, schema.refund_tender
        sid = session.id

        def money(value: int | None) -> Money:
            return Money(int(value or 0), cur)

        completed = conn.execute(
            select(
                func.count(),
                func.sum(s.c.total),
                func.sum(s.c.subtotal),
                func.sum(s.c.discount_total),
                func.sum(s.c.rounding),
                func.sum(s.c.points_earned),
                func.sum(s.c.points_redeemed),
            ).where(s.c.till_session_id == sid, s.c.status == "completed")
        ).one()
        voided = conn.execute(
            select(func.count(), func.sum(s.c.total)).where(
                s.c.till_session_id == sid, s.c.status == "voided"
            )
        ).one()
        refunds = conn.execute(
            select(func.count(), func.sum(r.c.total), func.sum(r.c.points_reversed)).where(
                r.c.till_session_id == sid
            )
        ).one()
        tenders: dict[str, int] = {}
        for kind, amount in conn.execute(
            select(t.c.kind, func.sum(t.c.amount))
            .join(s, s.c.id == t.c.sale_id)
            .where(s.c.till_session_id == sid, s.c.status == "completed")
            .group_by(t.c.kind)
        ):
            tenders[kind] = tenders.get(kind, 0) + int(amount)
        for kind, amount in conn.execute(
            select(rt.c.kind, func.sum(rt.c.amount))
            .join(r, r.c.id == rt.c.refund_id)
            .where(r.c.till_session_id == sid)
            .group_by(rt.c.kind)
        ):
            tenders[kind] = tenders.get(kind, 0) - int(amount)
        cash = dict(
            conn.execute(
                select(schema.cash_movement.c.kind, func.sum(schema.cash_movement.c.amount))
                .where(schema.cash_movement.c.till_session_id == sid)
                .group_by(schema.cash_movement.c.kind)
            ).all()
        )
        taxes: dict[int, list[int]] = {}
        sl, rl = schema.sale_line, schema.refund_line
        for rate, net in conn.execute(
            select(sl.c.tax_rate_bp, func.sum(sl.c.net))
            .join(s, s.c.id == sl.c.sale_id)
            .where(s.c.till_session_id == sid, s.c.status == "completed")
            .group_by(sl.c.tax_rate_bp)
        ):
            taxes.setdefault(rate, [0])[0] += int(net)
        for rate, amount in conn.execute(
            select(rl.c.tax_rate_bp, func.sum(rl.c.amount))
            .join(r, r.c.id == rl.c.refund_id)
            .where(r.c.till_session_id == sid)
            .group_by(rl.c.tax_rate_bp)
        ):
            taxes.setdefault(rate, [0])[0] -= int(amount)
        cr = schema.coupon_redemption
        coupons = conn.execute(
            select(func.count(), func.sum(cr.c.amount))
            .join(s, s.c.id == cr.c.sale_id)
            .where(s.c.till_session_id == sid, cr.c.status == "redeemed")
        ).one()
        seqs = conn.execute(
            select(func.min(schema.outbox.c.seq), func.max(schema.outbox.c.seq)).where(
                schema.outbox.c.till_session_id == sid
            )
        ).one()
        staff_name = conn.execute(
            select(schema.staff.c.name).where(schema.staff.c.id == session.opened_by)
        ).scalar()
        refund_points_back = conn.execute(
            select(func.sum(rt.c.points)).join(r, r.c.id == rt.c.refund_id).where(r.c.till_session_id == sid)
        ).scalar()
        return TillTotals(
            till_session_id=sid,
            terminal=session.terminal_code,
            business_day=session.business_day,
            opened_at=session.opened_at,
            opened_by=staff_name or str(session.opened_by),
            opening_float=session.opening_float,
            sales_count=completed[0],
            sales_total=money(completed[1]),
            gross_total=money(completed[2]),
            discount_total=money(completed[3]),
            rounding_total=money(completed[4]),
            voids_count=voided[0],
            voids_total=money(voided[1]),
            refunds_count=refunds[0],
            refunds_total=money(refunds[1]),
            cash_in=money(cash.get("cash_in")),
            cash_out=money(cash.get("cash_out")),
            tenders={k: Money(v, cur) for k, v in tenders.items()},
            taxes={
                rate: (Money(net, cur), tax_contained(Money(net, cur), rate))
                for rate, (net,) in taxes.items()
            },
            coupons_count=coupons[0],
            coupons_total=money(coupons[1]),
            points_earned=int(completed[5] or 0) - int(refunds[2] or 0),
            points_redeemed=int(completed[6] or 0) - int(refund_points_back or 0),
            first_seq=seqs[0],
            last_seq=seqs[1],
        )

    def close(self, staff: StaffMember, counted_cash: Money) -> ZReport:
        """Close the till with the blind cash count; returns the Z report (pushed with the close event)."""
        staff.require(Permission.CLOSE_TILL)
        if counted_cash.minor < 0:
            raise DomainError(_("Enter the cash counted, zero or more"), code="amount")
        at = self.ctx.clock.utc_iso()
        with self.ctx.db.write() as conn:
            session = self.require_open(conn)
            if conn.execute(select(schema.active_basket.c.terminal_code)).first() is not None:
                raise DomainError(_("Finish or cancel the sale in progress before closing"), code="sale_open")
            totals = self._totals(conn, session)
            z_number = (
                conn.execute(
                    select(func.coalesce(func.max(schema.till_session.c.z_number), 0)).where(
                        schema.till_session.c.terminal_code == session.terminal_code
                    )
                ).scalar_one()
                + 1
            )
            staff_name = staff.name
            # the close event itself is the last of the session; its seq closes the range
            next_seq = ledger.outbox_head(conn)[0] + 1
            totals = _with_last_seq(totals, next_seq)
            journal_head = ledger.journal_head(conn)[1]
            z = ZReport(totals, z_number, counted_cash, at, staff_name, journal_head)
            conn.execute(
                update(schema.till_session)
                .where(schema.till_session.c.id == session.id)
                .values(
                    status="closed",
                    closed_at=at,
                    closed_by=staff.id,
                    counted_cash=counted_cash.minor,
                    expected_cash=totals.expected_cash.minor,
                    z_number=z_number,
                    z_report=json.dumps(z.to_dict()),
                )
            )
            record(
                conn,
                event_type=EventType.TILL_SESSION_CLOSED,
                payload={"till_session_id": session.id, "z": z.to_dict()},
                till_session_id=session.id,
                staff_id=staff.id,
                ref=session.id,
                amount=counted_cash.minor,
                at=at,
                device_id=self.ctx.device_id,
            )
        self.ctx.events.publish("outbox_appended")
        self.ctx.events.publish("till_closed", report=z)
        return z

    def z_report(self, session_id: str) -> dict | None:
        """The Z figures of a closed session as stored at closing."""
        with self.ctx.db.read() as conn:
            value = conn.execute(
                select(schema.till_session.c.z_report).where(schema.till_session.c.id == session_id)
            ).scalar()
        return None if value is None else json.loads(value)


def _with_last_seq(totals: TillTotals, last_seq: int) -> TillTotals:
    return replace(totals, first_seq=totals.first_seq or last_seq, last_seq=last_seq)
