"""The demo launcher's central platform: the one place on the terminal side that imports ``central``.

``start_demo_central(terminal)`` runs the reference platform inside the demo (uvicorn on a background
thread, 127.0.0.1, SQLite in the terminal's data folder), seeded with the same demo data set as the
terminal, enrols the terminal with it the first time, and starts the terminal's sync engine. Closing
the terminal stops both. Runs on the caller's thread (the GUI thread is fine: it takes ~1 s the first
time, for the seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from central.embedded import EmbeddedCentral
from pos_app import config
from pos_app.app import Terminal, start_sync
from pos_app.db import schema
from sync.enrolment import enrol, load_identity

DEMO_MEMBER_ID = 100_001
DEMO_COUPON_IDS = (700_001, 700_002, 700_003)  # the coupons the demo data set gives each campaign
DEMO_CAMPAIGNS = (1, 2, 3)
DEMO_STORE = "S001"
DEMO_ORDER_LINES = ((49, 2000), (51, 1000))  # what a fresh demo pickup order holds


@dataclass(frozen=True)
class DemoCentral:
    central: EmbeddedCentral
    url: str
    member_code: str  # the demo member's code, signed by the platform
    coupon_codes: dict[int, str]  # campaign id -> a coupon code signed by the platform, still unused
    pickup_code: str = ""  # an order ready to hand over, not handed over yet


def start_demo_central(
    terminal: Terminal,
    *,
    data_dir: Path | None = None,
    products: int = 2000,
    members: int = 200,
    seed: int = 42,
    terminal_code: str = "T01",
    start_engine: bool = True,
) -> DemoCentral:
    """Start the embedded platform for ``terminal`` (enrolling it if needed) and its sync engine.

    The platform's data stays in ``data_dir`` (default ``<home>/demo-central``), so the demo's sales
    are still there next time; each start picks a free port and tells the terminal.
    Raises ``sync.enrolment.EnrolmentError`` when the terminal must first close its till to enrol.
    """
    settings = terminal.settings
    central = EmbeddedCentral(
        data_dir or settings.home / "demo-central", products=products, members=members, seed=seed
    )
    url = central.start()
    try:
        identity = load_identity(settings, terminal.ctx.db)
        if identity is None:
            enrol(settings, terminal.ctx.db, url, central.enrolment_code(terminal_code))
        else:
            settings.set(config.CENTRAL_URL, url)  # same platform database, new port
        terminal.ctx.events.publish("reference_data_changed")  # the platform's keys
        terminal.closers.append(central.stop)
        if start_engine and terminal.sync is None:
            start_sync(terminal)
        admin = central.admin
        coupons, pickup = usable_codes(terminal, admin)
        return DemoCentral(central, url, admin.member_code(DEMO_MEMBER_ID).text, coupons, pickup)
    except BaseException:
        if central.stop not in terminal.closers:
            central.stop()
        raise


def usable_codes(terminal: Terminal, admin: Any) -> tuple[dict[int, str], str]:
    """A coupon of each demo campaign and a pickup order that can still be used -- neither used on
    the platform nor on this till (which may not have synced its last sales yet); fresh ones are
    issued when every earlier one is used, so each start prints codes that work."""
    with terminal.ctx.db.read() as conn:
        used_here = set(conn.execute(select(schema.coupon_redemption.c.coupon_id)).scalars())
        handed_here = set(conn.execute(select(schema.pickup_handover.c.order_id)).scalars())
    coupons = {}
    for campaign in DEMO_CAMPAIGNS:
        unused = [cid for cid in admin.unused_coupons(campaign) if cid not in used_here]
        coupon_id = unused[0] if unused else admin.issue_coupons(campaign, 1)[0].id
        coupons[campaign] = admin.coupon_code(coupon_id).text
    ready = [code for oid, code in admin.open_pickup_orders(DEMO_STORE) if oid not in handed_here]
    if ready:
        return coupons, ready[0]
    order_id, code = admin.create_pickup_order(
        DEMO_STORE, DEMO_ORDER_LINES, member_id=DEMO_MEMBER_ID, paid=True
    )
    admin.pickup_ready(order_id)
    return coupons, code
