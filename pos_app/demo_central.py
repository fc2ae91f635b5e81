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

from central.embedded import EmbeddedCentral
from pos_app import config
from pos_app.app import Terminal, start_sync
from sync.enrolment import enrol, load_identity

DEMO_MEMBER_ID = 100_001
DEMO_COUPON_IDS = (700_001, 700_002, 700_003)  # the coupons the demo data set gives each campaign


@dataclass(frozen=True)
class DemoCentral:
    central: EmbeddedCentral
    url: str
    member_code: str  # the demo member's code, signed by the platform
    coupon_codes: dict[int, str]  # campaign id -> a coupon code signed by the platform


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
        return DemoCentral(
            central,
            url,
            admin.member_code(DEMO_MEMBER_ID).text,
            {cid - 700_000: admin.coupon_code(cid).text for cid in DEMO_COUPON_IDS},
        )
    except BaseException:
        if central.stop not in terminal.closers:
            central.stop()
        raise
