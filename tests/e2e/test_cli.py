"""The command lines: ``pos-central`` admin commands (a person playing the online side) and
``pos-app enroll`` / ``pos-app sync``."""

from __future__ import annotations

import json
import re

import pytest

from central import cli as central_cli
from pos_app import cli as pos_cli
from pos_app.domain.money import Money
from pos_app.services.demo import install_demo


def run_central(db, *args) -> tuple[int, str]:
    return central_cli.main(["--database", db, *args]), ""


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'central.sqlite3'}"


def test_the_admin_commands(db, tmp_path, capsys):
    import zxingcpp
    from PIL import Image

    assert central_cli.main(["--database", db, "demo-seed", "--products", "200", "--members", "10"]) == 0
    assert central_cli.main(["--database", db, "demo-seed", "--products", "200"]) == 0
    assert "already has a catalogue" in capsys.readouterr().out
    assert central_cli.main(["--database", db, "create-store", "s002", "--name", "Second"]) == 0
    assert "Store S002" in capsys.readouterr().out
    assert central_cli.main(["--database", db, "enrolment-code", "S002", "T01"]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) == 14 and code.count("-") == 2
    assert central_cli.main(["--database", db, "enrolment-code", "NOPE", "T01"]) == 2
    assert "no store" in capsys.readouterr().err

    offer = json.dumps({"kind": "amount_off", "scope": "basket", "amount": 300})
    args = [
        "--database",
        db,
        "create-campaign",
        "--name-zh",
        "三元券",
        "--name-en",
        "3 off",
        "--offer",
        offer,
    ]
    assert central_cli.main([*args, "--offline-max", "300"]) == 0
    campaign = int(capsys.readouterr().out.split()[-1])
    png_dir = tmp_path / "qr"
    assert (
        central_cli.main(
            ["--database", db, "issue-coupons", str(campaign), "--count", "2", "--png-dir", str(png_dir)]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    coupon_id, text = lines[0].split("\t")
    decoded = zxingcpp.read_barcodes(Image.open(png_dir / f"coupon-{coupon_id}.png"))
    assert decoded[0].text == text  # a till's camera reads what was printed

    assert (
        central_cli.main(
            ["--database", db, "member-code", "--phone", "13800138000", "--png", str(tmp_path / "m.png")]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("O2OM2.")
    assert (tmp_path / "m.png").exists()
    assert (
        central_cli.main(
            ["--database", db, "create-member", "13912345678", "--name", "周杰", "--points", "50"]
        )
        == 0
    )
    assert "Member" in capsys.readouterr().out

    assert (
        central_cli.main(["--database", db, "create-pickup", "S001", "--line", "20:2", "--line", "21:1"]) == 0
    )
    out = capsys.readouterr().out
    order_id = out.split()[1].rstrip(",")
    assert central_cli.main(["--database", db, "pickup-ready", order_id]) == 2  # not paid yet
    assert "cannot become ready" in capsys.readouterr().err
    for step, status in (("pickup-paid", "paid"), ("pickup-ready", "ready"), ("pickup-cancel", "cancelled")):
        assert central_cli.main(["--database", db, step, order_id]) == 0
        assert capsys.readouterr().out.strip().endswith(status)
    assert central_cli.main(["--database", db, "pickup-code", order_id]) == 0
    assert capsys.readouterr().out.startswith("O2OP2.")

    assert (
        central_cli.main(
            ["--database", db, "redeem-coupon-online", coupon_id, "--order", "W1", "--amount", "300"]
        )
        == 0
    )
    assert (
        central_cli.main(
            ["--database", db, "redeem-coupon-online", coupon_id, "--order", "W2", "--amount", "300"]
        )
        == 1
    )
    assert central_cli.main(["--database", db, "set-price", "20", "990"]) == 0
    assert (
        central_cli.main(["--database", db, "revoke-coupon", lines[1].split("\t")[0], "--reason", "lost"])
        == 0
    )
    capsys.readouterr()
    assert central_cli.main(["--database", db, "reconciliation", "S001", "--day", "2026-11-23"]) == 0
    assert "S001 2026-11-23: matched" in capsys.readouterr().out
    assert central_cli.main(["--database", db, "exceptions", "S001", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert central_cli.main(["--database", db, "revoke-device", "nobody"]) == 2
    assert central_cli.main(["--database", db, "devices"]) == 0


def test_pos_app_enroll_and_sync_once(platform, tmp_path, capsys, monkeypatch):
    home = tmp_path / "till"
    from pos_app.app import build_terminal

    terminal = build_terminal(home)
    install_demo(terminal.ctx, products=300, members=20)
    terminal.close()
    code = platform.central.enrolment_code("T04")
    assert pos_cli.main(["--home", str(home), "enroll", code, "--central", platform.url]) == 0
    out = capsys.readouterr().out
    assert "已在" in out and "T04" in out and "S001" in out  # the terminal speaks Chinese by default
    from pos_app import config
    from pos_app.config import Settings

    Settings.load(home).set(config.LANGUAGE, "en")
    assert pos_cli.main(["--home", str(home), "enroll", code, "--central", platform.url]) == 2
    assert "already enrolled" in capsys.readouterr().err
    assert pos_cli.main(["--home", str(home), "sync", "--once"]) == 0
    assert "Sync online: 0 to send, 0 quarantined" in capsys.readouterr().out
    platform.central.stop()
    assert pos_cli.main(["--home", str(home), "sync", "--once"]) == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err


def test_pos_app_sync_before_enrolment_says_so(tmp_path, capsys):
    assert pos_cli.main(["--home", str(tmp_path / "fresh"), "sync", "--once"]) == 1
    err = capsys.readouterr().err
    assert "本终端尚未在平台登记" in err and err.count("\n") == 1


def test_pos_app_enroll_with_a_bad_address(tmp_path, capsys):
    assert (
        pos_cli.main(["--home", str(tmp_path / "t"), "enroll", "AAAA-BBBB-CCCC", "--central", "ftp://x"]) == 2
    )
    assert "http://" in capsys.readouterr().err


def test_an_erased_member_disappears_from_the_tills_and_exceptions_get_resolved(platform, capsys):
    till = platform.new_till("t1")
    db = platform.central.settings.database_url
    assert central_cli.main(["--database", db, "erase-member", "100002"]) == 0
    till.sync()
    from sqlalchemy import select

    from pos_app.db import schema

    with till.ctx.db.read() as conn:
        assert conn.execute(select(schema.member.c.id).where(schema.member.c.id == 100002)).first() is None
    assert central_cli.main(["--database", db, "erase-member", "100002"]) == 2
    # a skewed clock opens an exception; the manager explains it
    till.engine.now = lambda: __import__("time").time() + 3600
    till.engine._client = None
    till.sell([20])
    till.sync()
    capsys.readouterr()
    assert central_cli.main(["--database", db, "exceptions", "S001", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["kind"] for i in items] == ["clock_skew"] and not items[0]["resolved"]
    assert (
        central_cli.main(["--database", db, "resolve-exception", str(items[0]["id"]), "--note", "NTP fixed"])
        == 0
    )
    capsys.readouterr()
    central_cli.main(["--database", db, "exceptions", "S001", "--json"])
    assert json.loads(capsys.readouterr().out)[0]["resolved"]
    assert central_cli.main(["--database", db, "resolve-exception", str(items[0]["id"])]) == 2


def test_pos_app_demo_plays_the_whole_o2o_loop_from_the_command_line(tmp_path, capsys, monkeypatch):
    """``make run``'s command, without the window: the embedded platform seeded, the terminal enrolled
    and synced; an order created with the printed ``pos-central`` command reaches the till; the printed
    member and coupon codes verify on it."""
    from pos_app import config
    from pos_app.app import build_terminal
    from pos_app.config import Settings

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    home = tmp_path / "home"
    Settings.load(home).set(config.LANGUAGE, "en")
    demo = ["--home", str(home), "demo", "--products", "300", "--members", "20"]
    assert pos_cli.main(demo) == 2
    assert "no display" in capsys.readouterr().err

    assert pos_cli.main([*demo, "--no-window"]) == 0
    out = capsys.readouterr().out
    assert "Sync online: 0 to send" in out
    codes = dict(re.findall(r"^  ([\w '()]+): (\S+)$", out, re.MULTILINE))
    pickup_command = next(line.split() for line in out.splitlines() if "create-pickup" in line)
    database = pickup_command[pickup_command.index("--database") + 1]
    assert central_cli.main(pickup_command[1:]) == 0
    order_code = re.search(r"pickup code (\w+)", capsys.readouterr().out).group(1)
    coupon_command = next(line.split() for line in out.splitlines() if "issue-coupons" in line)
    png_dir = coupon_command[coupon_command.index("--png-dir") + 1]
    assert png_dir.startswith(str(home))  # under the demo's folder, not wherever make ran
    assert central_cli.main(coupon_command[1:]) == 0
    _coupon_id, new_coupon = capsys.readouterr().out.strip().splitlines()[0].split("\t")

    assert pos_cli.main([*demo, "--no-window"]) == 0  # a second start: same platform, no new enrolment
    again = capsys.readouterr().out
    assert "Enrolled" not in again
    terminal = build_terminal(home)
    try:
        pin = re.search(r"staff number 1001 .* PIN (\d+)", out).group(1)
        cashier = terminal.staff.sign_in(1001, pin)
        terminal.checkout.set_cashier(cashier)
        terminal.till.open(cashier, Money.of("500"))
        terminal.checkout.add_product_id(49)
        assert terminal.checkout.scan(codes["Demo member code"]).ok
        assert terminal.checkout.scan(codes["Coupon (campaign 1)"]).ok
        terminal.checkout.remove_coupon(terminal.checkout.basket.coupons[0].coupon_id)
        assert terminal.checkout.scan(new_coupon).ok  # issued while the demo ran: verifies offline
        assert terminal.pickup.find(order_code) is not None  # pulled from the platform
        assert terminal.settings.get(config.PAYMENT_GATEWAY) == "simulator"  # WeChat Pay and Alipay on
    finally:
        terminal.close()
    assert database.startswith("sqlite:///") and str(home) in database


def test_pos_app_demo_prints_staff_numbers_with_their_pins_and_codes_that_still_work(
    tmp_path, capsys, monkeypatch
):
    """Every start prints a coupon and a pickup order that can still be used: once the first ones are
    used at the till, the next start prints fresh ones."""
    from pos_app import config
    from pos_app.app import build_terminal
    from pos_app.config import Settings
    from resources.demo.generator import staff_pins

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    home = tmp_path / "home"
    Settings.load(home).set(config.LANGUAGE, "en")
    demo = ["--home", str(home), "demo", "--products", "300", "--members", "20", "--no-window"]
    assert pos_cli.main(demo) == 0
    first = capsys.readouterr().out
    assert "sign in with the staff number, then its PIN" in first
    pins = dict(re.findall(r"staff number (\d+) .* PIN (\d+)", first))
    assert pins == {str(k): v for k, v in staff_pins(42).items()} and pins["1001"] != "1001"
    assert "Customer's WeChat Pay code: 134567890123456789" in first
    codes = dict(re.findall(r"^  ([\w '()]+): (\S+)$", first, re.MULTILINE))
    coupon, pickup = codes["Coupon (campaign 1)"], codes["Pickup order code (ready)"]

    terminal = build_terminal(home)
    try:  # the cashier uses both
        cashier = terminal.staff.sign_in(1001, pins["1001"])
        terminal.checkout.set_cashier(cashier)
        terminal.till.open(cashier, Money.of("500"))
        for product in (49, 50):
            terminal.checkout.add_product_id(product)
        assert terminal.checkout.scan(coupon).ok
        terminal.checkout.pay_cash(terminal.checkout.start_payment().due)
        terminal.checkout.complete(print_receipt=False)
        order = terminal.pickup.find(code=pickup)
        terminal.pickup.handover(cashier, order.id)
    finally:
        terminal.close()

    assert pos_cli.main(demo) == 0
    second = capsys.readouterr().out
    codes = dict(re.findall(r"^  ([\w '()]+): (\S+)$", second, re.MULTILINE))
    assert codes["Coupon (campaign 1)"] != coupon and codes["Pickup order code (ready)"] != pickup
    terminal = build_terminal(home)
    try:  # and the new ones work
        cashier = terminal.staff.sign_in(1001, pins["1001"])
        terminal.checkout.set_cashier(cashier)
        terminal.checkout.add_product_id(49)
        assert terminal.checkout.scan(codes["Coupon (campaign 1)"]).ok
        order = terminal.pickup.find(code=codes["Pickup order code (ready)"])
        assert order.status == "ready" and not order.handed_over_here
    finally:
        terminal.close()


def test_the_platform_definitions_commands(db, capsys):
    # issue 14: what the tills price with is set on the platform, and each command says what it did
    assert central_cli.main(["--database", db, "demo-seed", "--products", "50", "--members", "5"]) == 0
    capsys.readouterr()
    ladder = '{"kind": "ladder", "scope": "basket", "ladder": [[10000, 2000], [20000, 5000]]}'
    args = ["--name-zh", "满100减20", "--name-en", "Spend 100 save 20", "--offer", ladder]
    assert central_cli.main(["--database", db, "create-promotion", *args]) == 0
    assert capsys.readouterr().out.startswith("Promotion ")
    zh, en = "小规模纳税人 3%", "Small-scale 3 %"
    assert (
        central_cli.main(
            ["--database", db, "set-tax-class", "franchise", "300", "--name-zh", zh, "--name-en", en]
        )
        == 0
    )
    assert "franchise: 3 %" in capsys.readouterr().out
    assert central_cli.main(["--database", db, "product-tax-class", "1", "franchise"]) == 0
    assert central_cli.main(["--database", db, "product-tax-class", "1", "nope"]) == 2
    assert "no tax class" in capsys.readouterr().err
    layout = '[{"flag": "26", "preset": "dahua-18"}]'
    assert central_cli.main(["--database", db, "store-setting", "scan.scale_layout", layout]) == 0
    assert "every store" in capsys.readouterr().out
    assert (
        central_cli.main(["--database", db, "store-setting", "tax.rounding", "per_line", "--store", "S001"])
        == 0
    )
    assert central_cli.main(["--database", db, "store-setting", "ui.language", "en"]) == 2
    assert "does not set" in capsys.readouterr().err
    assert central_cli.main(["--database", db, "store-setting", "tax.rounding", "bankers"]) == 2
    assert "not a value of tax.rounding" in capsys.readouterr().err
    assert central_cli.main(["--database", db, "store-setting", "scan.scale_layout", '[{"flag": "19"}]']) == 2
