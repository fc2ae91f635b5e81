"""``pos-app``: the store terminal's command line.

``--home DIR`` (or ``$POS_HOME``) chooses the data folder; by default it is the platform's user data
folder. Errors a person can act on are printed plainly, with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pos_app import __version__, config
from pos_app.db.database import DatabaseError
from pos_app.domain.errors import DomainError
from sync.enrolment import EnrolmentError


def _terminal(args: argparse.Namespace, **kwargs):
    from pos_app.app import build_terminal

    return build_terminal(config.resolve_home(args.home), **kwargs)


def cmd_version(args: argparse.Namespace) -> int:
    print(f"pos-app {__version__}")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from pos_app.services.demo import install_demo

    terminal = _terminal(args)
    try:
        summary = install_demo(terminal.ctx, products=args.products, members=args.members, seed=args.seed)
    finally:
        terminal.close()
    _print_summary(summary, terminal.settings.home)
    return 0


# A customer's payment codes as their phone shows them (WeChat Pay: 18 digits from 10-15; Alipay: from
# 25-30); the demo's simulated gateway takes them. Scan them, or type them after Pay -> Payment code.
DEMO_WECHAT_CODE = "134567890123456789"
DEMO_ALIPAY_CODE = "281234567890123456"


def _print_summary(summary, home) -> None:
    from wcwidth import wcswidth

    from pos_app.domain.permissions import Role
    from pos_app.i18n import _

    print(_("Demo data in {home}").format(home=home))
    print(
        "  "
        + _("{products} products, {members} members").format(
            products=summary.products, members=summary.members
        )
    )
    print("  " + _("Staff: sign in with the staff number, then its PIN (they are not the same):"))
    for sid, (name, role, pin) in sorted(summary.staff.items()):
        label = Role(role).label
        number = _("staff number {number}").format(number=sid)
        print(f"    {number}  {name}  {label}{' ' * (10 - wcswidth(label))}  PIN {pin}")
    rows = [(_("Demo member phone"), summary.member_phone), (_("Demo member code"), summary.member_code)]
    rows += [
        (_("Coupon (campaign {campaign})").format(campaign=cid), code)
        for cid, code in sorted(summary.coupon_codes.items())
    ]
    if summary.pickup_code:
        rows.append((_("Pickup order code (ready)"), summary.pickup_code))
    if summary.payment_codes:
        rows += [
            (_("Customer's WeChat Pay code"), DEMO_WECHAT_CODE),
            (_("Customer's Alipay code"), DEMO_ALIPAY_CODE),
        ]
    for caption, value in rows:
        print(f"  {caption}: {value}")


def cmd_demo_sale(args: argparse.Namespace) -> int:
    """Build the demo data if needed and ring up a scripted sale; the receipt prints to the console."""
    from hardware.printer import TextPrinter
    from pos_app.services.demo import install_demo, scripted_sale

    terminal = _terminal(args, printer=TextPrinter(sys.stdout))
    try:
        summary = install_demo(terminal.ctx, products=args.products, seed=args.seed)
        _print_summary(summary, terminal.settings.home)
        print()
        sale = scripted_sale(terminal.ctx, summary)
        print(
            f"Sale {sale.receipt_no} completed: total {sale.total.plain()}, change {sale.change.plain()}, "
            f"{sale.points_earned} points earned"
        )
        for warning in sale.warnings:
            print(f"  ! {warning}")
    finally:
        terminal.close()
    return 0


def cmd_till(args: argparse.Namespace) -> int:
    """Open the till window on this terminal's data folder."""
    from hardware.printer import TextPrinter

    home = config.resolve_home(args.home)
    terminal = _terminal(args, printer=TextPrinter(home / "printed-receipts.txt"))
    try:
        from pos_app.app import start_sync
        from pos_app.ui.main import run_till

        start_sync(terminal)  # reports "not enrolled" until `pos-app enroll` has been run
        return run_till(terminal, fullscreen=args.fullscreen)
    finally:
        terminal.close()


def _no_display() -> str | None:
    """Why a window cannot be shown here, or None."""
    import os

    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        from pos_app.i18n import _

        return _(
            "there is no display to open the till window on (DISPLAY is not set). Run it from a desktop"
            " session, or under a virtual one: xvfb-run -a make run"
        )
    return None


def _sibling_command(name: str) -> str:
    """``name`` as a person can run it from another shell: the script beside this Python (the venv's
    bin folder) when it is not on PATH."""
    import shutil
    from pathlib import Path

    beside = Path(sys.executable).parent / name
    if shutil.which(name) == str(beside) or not beside.exists():
        return name
    return str(beside)


def cmd_demo(args: argparse.Namespace) -> int:
    """The whole O2O loop on one machine: the embedded central platform (SQLite, seeded with the demo
    data), this terminal enrolled with it and syncing, and the till window."""
    from dataclasses import replace

    from hardware.printer import TextPrinter
    from pos_app.demo_central import DEMO_MEMBER_ID, start_demo_central
    from pos_app.i18n import _, set_language
    from pos_app.services.demo import install_demo

    home = config.resolve_home(args.home)
    settings = config.Settings.load(home)
    set_language(settings.get(config.LANGUAGE))
    # WeChat Pay, Alipay and cards, as a store in China takes them (simulators: no money moves);
    # a choice made on the settings screen stays
    settings.setdefault(config.PAYMENT_GATEWAY, "simulator")
    settings.setdefault(config.PAYMENT_TERMINAL, "simulator")
    problem = None if args.no_window else _no_display()
    if problem:
        print(f"pos-app: {problem}", file=sys.stderr)
        return 2
    receipts = home / "printed-receipts.txt"
    terminal = _terminal(args, printer=TextPrinter(receipts))
    try:
        summary = install_demo(
            terminal.ctx, products=args.products, members=args.members, seed=args.seed, stand_in_key=False
        )
        started = start_demo_central(terminal, products=args.products, members=args.members, seed=args.seed)
        summary = replace(
            summary,
            member_code=started.member_code,
            coupon_codes=started.coupon_codes,
            pickup_code=started.pickup_code,
            payment_codes=terminal.payments.gateway is not None,
        )
        _print_summary(summary, home)
        central_db = started.central.settings.database_url
        central_cli = _sibling_command("pos-central")
        print(
            "  "
            + _("Central platform: {url} (database {database})").format(url=started.url, database=central_db)
        )
        print("  " + _("Printed receipts: {file}").format(file=receipts))
        print()
        print(_("Play the online side of O2O from another shell, for example:"))
        print(f"  {central_cli} --database {central_db} issue-coupons 1 --png-dir {home / 'coupons'}")
        print(
            f"  {central_cli} --database {central_db} create-pickup S001 --line 49:2 --line 51:1"
            f" --member {DEMO_MEMBER_ID} --paid"
        )
        print(f"  {central_cli} --database {central_db} member-code --phone {summary.member_phone}")
        print(
            _("The till pulls new pickup orders within seconds; new coupon and member codes verify at once.")
        )
        print(_("A paid order arrives being prepared: F9, its code, Mark ready, then Hand over."))
        if args.no_window:
            from sync.client import SyncError
            from sync.engine import describe, format_status

            try:
                print(format_status(terminal.sync.run_once()))
            except SyncError as exc:
                print(describe(exc), file=sys.stderr)
                return 1
            return 0
        from pos_app.ui.main import run_till

        return run_till(terminal, fullscreen=args.fullscreen)
    finally:
        terminal.close()


def cmd_enroll(args: argparse.Namespace) -> int:
    """Enrol this terminal with the central platform using a code from the manager."""
    from pos_app.config import Settings
    from pos_app.db.database import Database
    from pos_app.i18n import _, set_language
    from sync.enrolment import enrol

    settings = Settings.load(config.resolve_home(args.home))
    set_language(settings.get(config.LANGUAGE))
    db = Database(settings.database_file)
    try:
        answer = enrol(settings, db, args.central, args.code)
    finally:
        db.close()
    print(
        _("Enrolled as terminal {terminal} of store {store} with {url}").format(
            terminal=answer.terminal_code, store=answer.store_code, url=args.central
        )
    )
    print(_("Device id: {device_id}").format(device_id=answer.device_id))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Run the sync engine without the window and print its status (Ctrl-C stops it)."""
    import threading
    import time

    from pos_app.app import start_sync
    from pos_app.i18n import _
    from sync.client import SyncError
    from sync.engine import STATUS_EVENT, describe, format_status

    terminal = _terminal(args)
    try:
        engine = start_sync(terminal, start=False)
        if args.once:
            try:
                status = engine.run_once()
            except SyncError as exc:
                status = engine.status
                print(format_status(status) if status.last_error else describe(exc), file=sys.stderr)
                return 1
            print(format_status(status))
            return 0
        last = [""]
        lock = threading.Lock()

        def show(status) -> None:
            line = format_status(status)
            with lock:
                if line != last[0]:
                    last[0] = line
                    print(line, flush=True)

        terminal.ctx.events.subscribe(STATUS_EVENT, show)
        if args.interval:
            engine.interval = float(args.interval)
        print(_("Syncing with {url}; Ctrl-C stops").format(url=terminal.settings.get(config.CENTRAL_URL)))
        engine.start()
        try:
            while engine.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print(_("Stopping ..."))
    finally:
        terminal.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-app", description="O2O store terminal")
    parser.add_argument("--home", help=f"data folder (default: ${config.ENV_HOME} or the user data folder)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("version", help="print the version").set_defaults(func=cmd_version)

    demo = sub.add_parser("demo-data", help="create demo catalogue, members, coupons and staff")
    demo.add_argument("--products", type=int, default=2000, help="catalogue size (up to 1,000,000)")
    demo.add_argument("--members", type=int, default=200)
    demo.add_argument("--seed", type=int, default=42)
    demo.set_defaults(func=cmd_demo_data)

    till = sub.add_parser("till", help="open the till window")
    till.add_argument("--fullscreen", action="store_true", help="fill the screen (the store's till)")
    till.set_defaults(func=cmd_till)

    demo_run = sub.add_parser(
        "demo", help="the till window against an embedded central platform with demo data (make run)"
    )
    demo_run.add_argument("--products", type=int, default=2000)
    demo_run.add_argument("--members", type=int, default=200)
    demo_run.add_argument("--seed", type=int, default=42)
    demo_run.add_argument("--fullscreen", action="store_true")
    demo_run.add_argument(
        "--no-window", action="store_true", help="set up, enrol, sync once, print the codes and exit"
    )
    demo_run.set_defaults(func=cmd_demo)

    sale = sub.add_parser("demo-sale", help="demo data plus a scripted sale printed as text")
    sale.add_argument("--products", type=int, default=2000)
    sale.add_argument("--seed", type=int, default=42)
    sale.set_defaults(func=cmd_demo_sale)

    enroll = sub.add_parser("enroll", help="enrol this terminal with the central platform")
    enroll.add_argument("code", help="the single-use enrolment code from the manager")
    enroll.add_argument("--central", required=True, help="the platform's address, e.g. http://10.0.0.5:8700")
    enroll.set_defaults(func=cmd_enroll)

    sync = sub.add_parser("sync", help="run the sync engine without the window and print its status")
    sync.add_argument(
        "--once", action="store_true", help="one push and pull, then exit (status 1 if it failed)"
    )
    sync.add_argument("--interval", type=float, default=None, help="seconds between syncs")
    sync.set_defaults(func=cmd_sync)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "products", 1) > 1_000_000 or getattr(args, "products", 1) < 1:
        print("pos-app: --products must be between 1 and 1,000,000", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except (DatabaseError, DomainError, config.SettingsError, EnrolmentError) as exc:
        print(f"pos-app: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
