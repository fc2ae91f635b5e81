"""``pos-central``: run the central platform and play its online side by hand.

The database comes from ``--database URL`` or ``$CENTRAL_DATABASE_URL`` (default: ``central.sqlite3`` in
the current folder; ``postgresql+psycopg://user@host/db`` for PostgreSQL). Admin commands work on the
database directly, so they also work while the server runs. Errors are printed plainly, status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from central.admin import Admin, AdminError


def _admin(args: argparse.Namespace) -> Admin:
    from central.core.config import Settings
    from central.main import build_platform

    platform = build_platform(Settings.from_env(database_url=args.database))
    return Admin(platform.db, platform.settings)


def _qr_png(text: str, path: Path) -> None:
    import qrcode

    path.parent.mkdir(parents=True, exist_ok=True)
    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    image.save(path)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    os.environ["CENTRAL_DATABASE_URL"] = args.database
    _admin(args)  # migrate once, before any worker starts
    uvicorn.run(
        "central.main:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


def cmd_demo_seed(args: argparse.Namespace) -> int:
    result = _admin(args).seed_demo(args.products, args.members, args.seed, args.store)
    if result["seeded"]:
        print(f"Seeded store {args.store}: {result['products']} products, {result['members']} members")
    else:
        print("The platform already has a catalogue; nothing was seeded")
    return 0


def cmd_create_store(args: argparse.Namespace) -> int:
    store_id = _admin(args).create_store(args.code, args.name)
    print(f"Store {args.code.upper()} (id {store_id})")
    return 0


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    code = _admin(args).issue_enrolment_code(args.store, args.terminal, args.minutes)
    print(code)
    print(f"(single use; enrol with: pos-app enroll {code} --central URL)", file=sys.stderr)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    for d in _admin(args).devices():
        state = "revoked" if d["revoked_at"] else "active"
        print(
            f"{d['id']}  {d['store_code']}/{d['terminal_code']}  {state}  last seq {d['last_seq']}  "
            f"seen {d['last_seen_at'] or '-'}  clock offset {d['clock_offset'] or 0:+.1f} s"
        )
    return 0


def cmd_revoke_device(args: argparse.Namespace) -> int:
    _admin(args).revoke_device(args.device_id)
    print(f"Device {args.device_id} revoked: its requests are refused from now on")
    return 0


def cmd_create_campaign(args: argparse.Namespace) -> int:
    try:
        offer = json.loads(args.offer)
    except ValueError as exc:
        raise AdminError(f"--offer is not JSON: {exc}") from exc
    campaign_id = _admin(args).create_campaign(
        args.name_zh,
        args.name_en,
        offer,
        single_use=not args.multi_use,
        offline_allowed=not args.online_only,
        offline_max_value=args.offline_max,
        starts_at=args.starts,
        ends_at=args.ends,
        stores=tuple(args.store),
    )
    print(f"Campaign {campaign_id}")
    return 0


def cmd_issue_coupons(args: argparse.Namespace) -> int:
    codes = _admin(args).issue_coupons(args.campaign, args.count, args.days)
    for code in codes:
        print(f"{code.id}\t{code.text}")
        if args.png_dir:
            _qr_png(code.text, Path(args.png_dir) / f"coupon-{code.id}.png")
    if args.png_dir:
        print(f"(QR codes in {args.png_dir})", file=sys.stderr)
    return 0


def cmd_revoke_coupon(args: argparse.Namespace) -> int:
    _admin(args).revoke_coupon(args.coupon_id, args.reason)
    print(f"Coupon {args.coupon_id} revoked")
    return 0


def cmd_redeem_online(args: argparse.Namespace) -> int:
    valid = _admin(args).redeem_coupon_online(args.coupon_id, args.order, args.amount)
    print("redeemed" if valid else "refused: the coupon was already used or withdrawn")
    return 0 if valid else 1


def cmd_create_member(args: argparse.Namespace) -> int:
    member_id = _admin(args).create_member(args.phone, args.name, args.tier, args.points, args.consent)
    print(f"Member {member_id}")
    return 0


def cmd_erase_member(args: argparse.Namespace) -> int:
    _admin(args).erase_member(args.member_id)
    print(f"Member {args.member_id} erased: personal data removed, terminals delete them at their next sync")
    return 0


def cmd_resolve_exception(args: argparse.Namespace) -> int:
    _admin(args).resolve_exception(args.exception_id, args.note)
    print(f"Exception {args.exception_id} resolved")
    return 0


def cmd_member_code(args: argparse.Namespace) -> int:
    admin = _admin(args)
    member_id = args.member_id
    if member_id is None:
        member_id = admin.member_by_phone(args.phone or "")
        if member_id is None:
            raise AdminError("no member with that phone number")
    code = admin.member_code(member_id, args.days)
    print(code.text)
    if args.png:
        _qr_png(code.text, Path(args.png))
    return 0


def _line(text: str) -> tuple[int, int]:
    try:
        product, _sep, quantity = text.partition(":")
        return int(product), int(float(quantity or "1") * 1000)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: write PRODUCT_ID:QUANTITY, e.g. 20:2") from exc


def cmd_create_pickup(args: argparse.Namespace) -> int:
    admin = _admin(args)
    order_id, code = admin.create_pickup_order(args.store, args.line, member_id=args.member, paid=args.paid)
    print(f"Order {order_id}, pickup code {code}{' (paid)' if args.paid else ''}")
    return 0


def _order_command(transition: str):
    def run(args: argparse.Namespace) -> int:
        order = getattr(_admin(args), transition)(args.order_id)
        print(f"Order {args.order_id}: {order['status']}")
        return 0

    return run


def cmd_pickup_code(args: argparse.Namespace) -> int:
    code = _admin(args).pickup_code(args.order_id)
    print(code.text)
    if args.png:
        _qr_png(code.text, Path(args.png))
    return 0


def cmd_set_price(args: argparse.Namespace) -> int:
    _admin(args).set_price(args.product_id, args.price, args.member_price)
    print(f"Product {args.product_id}: price {args.price / 100:.2f}")
    return 0


def cmd_create_promotion(args: argparse.Namespace) -> int:
    try:
        offer = json.loads(args.offer)
    except ValueError as exc:
        raise AdminError(f"--offer is not JSON: {exc}") from exc
    promotion_id = _admin(args).create_promotion(
        args.name_zh, args.name_en, offer, priority=args.priority, starts_at=args.starts, ends_at=args.ends
    )
    print(f"Promotion {promotion_id}")
    return 0


def cmd_set_tax_class(args: argparse.Namespace) -> int:
    _admin(args).set_tax_class(args.code, args.rate_bp, args.name_zh, args.name_en)
    print(f"Tax class {args.code}: {args.rate_bp / 100:g} %")
    return 0


def cmd_product_tax_class(args: argparse.Namespace) -> int:
    _admin(args).set_product_tax_class(args.product_id, args.code)
    print(f"Product {args.product_id}: tax class {args.code}")
    return 0


def cmd_store_setting(args: argparse.Namespace) -> int:
    try:
        value = json.loads(args.value)
    except ValueError:
        value = args.value  # a plain word: per_line, down_100, ...
    _admin(args).set_store_setting(args.key, value, args.store)
    print(f"{args.key} = {json.dumps(value, ensure_ascii=False)} ({args.store or 'every store'})")
    return 0


def cmd_reconciliation(args: argparse.Namespace) -> int:
    from central.reconcile import day_reconciliation

    admin = _admin(args)
    day = args.day or date.today().isoformat()
    result = day_reconciliation(admin.db, args.store, day)
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    print(f"{result.store_code} {result.business_day}: {result.status}")
    for s in result.sessions:
        print(f"  till {s.terminal_code} session {s.till_session_id}: {s.status}")
        for key, (terminal, central) in s.differences.items():
            print(f"      {key}: Z report {terminal}, platform {central}")
        if s.missing_seqs:
            print(f"      events not counted (quarantined or deferred): {s.missing_seqs}")
    _print_exceptions(result.exceptions)
    return 0


def cmd_exceptions(args: argparse.Namespace) -> int:
    from central.reconcile import exceptions

    admin = _admin(args)
    items = exceptions(admin.db, args.store, args.day)
    if args.json:
        print(json.dumps([i.model_dump() for i in items], indent=2, ensure_ascii=False))
        return 0
    _print_exceptions(items)
    return 0


def _print_exceptions(items) -> None:
    print(f"  {len(items)} exception(s)")
    for item in items:
        detail = json.dumps(item.detail, ensure_ascii=False, sort_keys=True)
        print(f"  #{item.id} {item.kind} {item.business_day or '-'} ref {item.ref}: {detail[:200]}")


def cmd_openapi(args: argparse.Namespace) -> int:
    from central.main import OPENAPI_FILE, openapi_text

    text = openapi_text()
    if args.write:
        OPENAPI_FILE.write_text(text, "utf-8")
        print(f"wrote {OPENAPI_FILE}")
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from central.core.config import DEFAULT_DATABASE_URL

    parser = argparse.ArgumentParser(prog="pos-central", description="O2O central platform")
    parser.add_argument(
        "--database",
        default=os.environ.get("CENTRAL_DATABASE_URL") or DEFAULT_DATABASE_URL,
        help="database URL (default: $CENTRAL_DATABASE_URL or sqlite:///central.sqlite3)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the API (uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo-seed", help="seed catalogue, members, campaigns and stock from the demo data set"
    )
    p.add_argument("--products", type=int, default=2000)
    p.add_argument("--members", type=int, default=200)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--store", default="S001")
    p.set_defaults(func=cmd_demo_seed)

    p = sub.add_parser("create-store", help="create a store")
    p.add_argument("code")
    p.add_argument("--name", default="")
    p.set_defaults(func=cmd_create_store)

    p = sub.add_parser("enrolment-code", help="a single-use code to enrol one terminal")
    p.add_argument("store")
    p.add_argument("terminal", help="the terminal's code within the store, e.g. T01")
    p.add_argument("--minutes", type=int, default=None, help="valid for (default: one day)")
    p.set_defaults(func=cmd_enrolment_code)

    sub.add_parser("devices", help="list enrolled devices").set_defaults(func=cmd_devices)

    p = sub.add_parser("revoke-device", help="refuse a device's requests from now on")
    p.add_argument("device_id")
    p.set_defaults(func=cmd_revoke_device)

    p = sub.add_parser("create-campaign", help="create a coupon campaign")
    p.add_argument("--name-zh", required=True)
    p.add_argument("--name-en", required=True)
    p.add_argument(
        "--offer",
        required=True,
        help='JSON offer, e.g. \'{"kind": "amount_off", "scope": "basket", "amount": 500}\' (fen)',
    )
    p.add_argument("--multi-use", action="store_true", help="codes may be used more than once")
    p.add_argument("--online-only", action="store_true", help="tills may not accept it offline")
    p.add_argument(
        "--offline-max", type=int, default=None, help="most an offline redemption may take off (fen)"
    )
    p.add_argument("--starts", default=None, help="ISO date-time")
    p.add_argument("--ends", default=None, help="ISO date-time")
    p.add_argument(
        "--store",
        action="append",
        default=[],
        help="store code where its coupons may be used (repeat for up to 8 stores; none: every store)",
    )
    p.set_defaults(func=cmd_create_campaign)

    p = sub.add_parser("issue-coupons", help="issue coupon codes (text, and QR PNGs with --png-dir)")
    p.add_argument("campaign", type=int)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--png-dir", default=None)
    p.set_defaults(func=cmd_issue_coupons)

    p = sub.add_parser("revoke-coupon", help="withdraw an unused coupon")
    p.add_argument("coupon_id", type=int)
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_revoke_coupon)

    p = sub.add_parser("redeem-coupon-online", help="redeem a coupon in the online shop")
    p.add_argument("coupon_id", type=int)
    p.add_argument("--order", required=True, help="the online order's reference")
    p.add_argument("--amount", type=int, required=True, help="discount given (fen)")
    p.set_defaults(func=cmd_redeem_online)

    p = sub.add_parser("create-member", help="register a member")
    p.add_argument("phone")
    p.add_argument("--name", default="")
    p.add_argument("--tier", default="regular")
    p.add_argument("--points", type=int, default=0)
    p.add_argument("--consent", action="store_true", help="agreed to marketing messages")
    p.set_defaults(func=cmd_create_member)

    p = sub.add_parser("erase-member", help="forget a member's personal data (their ledger stays)")
    p.add_argument("member_id", type=int)
    p.set_defaults(func=cmd_erase_member)

    p = sub.add_parser("member-code", help="a member's QR code (text; PNG with --png)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("member_id", type=int, nargs="?")
    who.add_argument("--phone")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--png", default=None)
    p.set_defaults(func=cmd_member_code)

    p = sub.add_parser("create-pickup", help="an online order to collect in a store")
    p.add_argument("store")
    p.add_argument("--line", type=_line, action="append", required=True, help="PRODUCT_ID:QUANTITY (repeat)")
    p.add_argument("--member", type=int, default=None)
    p.add_argument("--paid", action="store_true", help="paid online at once")
    p.set_defaults(func=cmd_create_pickup)

    for name, transition, text in (
        ("pickup-paid", "pickup_paid", "the customer paid online"),
        ("pickup-ready", "pickup_ready", "the store has it ready"),
        ("pickup-cancel", "pickup_cancel", "cancel the order online"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("order_id", type=int)
        p.set_defaults(func=_order_command(transition))

    p = sub.add_parser("pickup-code", help="an order's pickup QR code (text; PNG with --png)")
    p.add_argument("order_id", type=int)
    p.add_argument("--png", default=None)
    p.set_defaults(func=cmd_pickup_code)

    p = sub.add_parser("set-price", help="change a product's price (fen)")
    p.add_argument("product_id", type=int)
    p.add_argument("price", type=int)
    p.add_argument("--member-price", type=int, default=None)
    p.set_defaults(func=cmd_set_price)

    p = sub.add_parser("create-promotion", help="a promotion every till applies after its next sync")
    p.add_argument("--name-zh", required=True)
    p.add_argument("--name-en", required=True)
    p.add_argument(
        "--offer",
        required=True,
        help='JSON offer (fen), e.g. \'{"kind": "ladder", "scope": "basket", "ladder": [[10000, 2000], '
        '[20000, 5000]]}\' or \'{"kind": "nth_unit_off", "scope": "item", "nth": 2, "percent_bp": 5000}\'',
    )
    p.add_argument("--priority", type=int, default=100, help="lower runs first")
    p.add_argument("--starts", default=None, help="ISO date-time")
    p.add_argument("--ends", default=None, help="ISO date-time")
    p.set_defaults(func=cmd_create_promotion)

    p = sub.add_parser(
        "set-tax-class", help="create or change a tax class (rate in basis points: 3 %% = 300)"
    )
    p.add_argument("code")
    p.add_argument("rate_bp", type=int)
    p.add_argument("--name-zh", required=True)
    p.add_argument("--name-en", required=True)
    p.set_defaults(func=cmd_set_tax_class)

    p = sub.add_parser("product-tax-class", help="put a product in a tax class")
    p.add_argument("product_id", type=int)
    p.add_argument("code")
    p.set_defaults(func=cmd_product_tax_class)

    p = sub.add_parser(
        "store-setting",
        help="decide a till setting for a store (scan.scale_layout, promotions.free_units, tax.rounding, "
        "money.cash_rounding, scan.expired_goods)",
    )
    p.add_argument("key")
    p.add_argument(
        "value", help='JSON or a word, e.g. \'[{"flag": "26", "preset": "dahua-18"}]\' or per_line'
    )
    p.add_argument("--store", default=None, help="store code (default: every store)")
    p.set_defaults(func=cmd_store_setting)

    p = sub.add_parser("reconciliation", help="the central side of a store's Z reports for a day")
    p.add_argument("store")
    p.add_argument("--day", default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reconciliation)

    p = sub.add_parser("exceptions", help="what the store's manager must look at")
    p.add_argument("store")
    p.add_argument("--day", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_exceptions)

    p = sub.add_parser("resolve-exception", help="mark an exception explained")
    p.add_argument("exception_id", type=int)
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_resolve_exception)

    p = sub.add_parser("openapi", help="print the OpenAPI document (--write: update central/openapi.json)")
    p.add_argument("--write", action="store_true")
    p.set_defaults(func=cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (AdminError, LookupError) as exc:
        print(f"pos-central: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
