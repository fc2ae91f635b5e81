"""ESC/POS receipts byte for byte (58 and 80 mm, Chinese and English), the printer's status and the
person's answers, the transports (TCP, serial pty, file, USB), and the services printing through them."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from hardware.handler import ScriptedHandler
from hardware.printer import (
    FakePrinter,
    FilePrinter,
    NetworkPrinter,
    PrinterError,
    SerialPrinter,
    UsbPrinter,
    parse_host_port,
    parse_usb_id,
)
from hardware.receipt_render import drawer_kick_bytes, escpos_bytes, to_ascii
from pos_app.db import schema
from pos_app.domain.money import Money
from pos_app.domain.receipt import COLUMNS_58MM, COLUMNS_80MM, layout
from pos_app.domain.reports import layout_report
from pos_app.i18n import translator
from tests.hardware.conftest import make_terminal, product_codes, sign_in
from tests.hardware.receipts import full_receipt, small_receipt

GOLDEN = Path(__file__).resolve().parent / "golden"
ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INIT = ESC + b"@"
CHINESE = FS + b"&"
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
LARGE, NORMAL = GS + b"!\x11", GS + b"!\x00"
FEED_AND_PARTIAL_CUT = ESC + b"d\x06" + GS + b"V\x01"


def gb(text: str) -> bytes:
    return text.encode("gb18030")


# --- exact bytes ----------------------------------------------------------------------------------


def test_a_small_english_receipt_on_80mm_byte_for_byte():
    rows = layout(small_receipt(), "en", translator("en"))
    expected = b"".join(
        [
            INIT,
            CHINESE,
            BOLD_ON,
            LARGE,
            b" " * 10 + gb("小店") + b"\n",  # 24 double-width columns, centred
            NORMAL,
            b" " * 17 + b"SALES RECEIPT\n",
            BOLD_OFF,
            b"-" * 48 + b"\n",
            b"Receipt: R1\n",
            b"Date: 2026-01-02 03:04:05\n",
            b"Cashier: Li" + b" " * 29 + b"Till: T9\n",
            b"-" * 48 + b"\n",
            BOLD_ON,
            b"Item" + b" " * 38 + b"Amount\n",
            BOLD_OFF,
            b"Tea\n",
            b"  1 x 2.00" + b" " * 34 + b"2.00\n",
            b"-" * 48 + b"\n",
            b"Items: 1\n",
            b"Subtotal" + b" " * 36 + b"2.00\n",
            BOLD_ON,
            LARGE,
            b"TOTAL" + b" " * 15 + b"2.00\n",
            BOLD_OFF,
            NORMAL,
            b"-" * 48 + b"\n",
            b"Cash" + b" " * 40 + b"5.00\n",
            BOLD_ON,
            b"Change" + b" " * 38 + b"3.00\n",
            BOLD_OFF,
            b"-" * 48 + b"\n",
            b" " * 21 + b"Thanks\n",
            FEED_AND_PARTIAL_CUT,
        ]
    )
    assert escpos_bytes(rows, COLUMNS_80MM) == expected


def test_a_small_chinese_receipt_on_58mm_byte_for_byte():
    rows = layout(small_receipt(), "zh_CN", translator("zh_CN"))
    expected = b"".join(
        [
            INIT,
            CHINESE,
            BOLD_ON,
            LARGE,
            b" " * 6 + gb("小店") + b"\n",  # 16 double-width columns
            NORMAL,
            b" " * 12 + gb("销售小票") + b"\n",
            BOLD_OFF,
            b"-" * 32 + b"\n",
            gb("单号：R1") + b"\n",
            gb("时间：2026-01-02 03:04:05") + b"\n",
            gb("收银员：Li") + b" " * 12 + gb("收银台：T9") + b"\n",
            b"-" * 32 + b"\n",
            BOLD_ON,
            gb("商品") + b" " * 24 + gb("金额") + b"\n",
            BOLD_OFF,
            gb("茶") + b"\n",
            b"  1 x 2.00" + b" " * 18 + b"2.00\n",
            b"-" * 32 + b"\n",
            gb("件数：1") + b"\n",
            gb("小计") + b" " * 24 + b"2.00\n",
            BOLD_ON,
            LARGE,
            gb("合计") + b" " * 8 + b"2.00\n",
            BOLD_OFF,
            NORMAL,
            b"-" * 32 + b"\n",
            gb("现金") + b" " * 24 + b"5.00\n",
            BOLD_ON,
            gb("找零") + b" " * 24 + b"3.00\n",
            BOLD_OFF,
            b"-" * 32 + b"\n",
            b" " * 14 + gb("谢谢") + b"\n",
            FEED_AND_PARTIAL_CUT,
        ]
    )
    assert escpos_bytes(rows, COLUMNS_58MM) == expected


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("columns", [COLUMNS_58MM, COLUMNS_80MM])
def test_full_receipts_match_their_golden_bytes(language, columns):
    """Every part of a receipt, 58/80 mm, Chinese/English. ``POS_REGOLD=1`` rewrites the files after a
    deliberate change (then look at the PNG preview and at a real printout)."""
    data = escpos_bytes(layout(full_receipt(), language, translator(language)), columns)
    golden = GOLDEN / f"receipt-{columns}-{language}.bin"
    if os.environ.get("POS_REGOLD"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_what_a_full_receipt_carries():
    data = escpos_bytes(layout(full_receipt(), "zh_CN", translator("zh_CN")), COLUMNS_80MM)
    text = data.decode("gb18030")
    for words in ["O2O 示范店", "税号：91310000MA1FL0000X", "光明纯牛奶", "买三减一元", "满100减10"]:
        assert words in text
    for words in ["9%  (23.21)", "13%  (62.12)", "微信支付", "流水号：****5678", "找零", "0.70"]:
        assert words in text
    for words in ["会员：138****5678", "金卡会员", "本次积分", "+89", "积分余额", "1589"]:
        assert words in text
    assert LARGE + gb("合计") in data
    url = b"https://r.o2o.example/S001-T01-000042"
    qr_store = GS + b"(k" + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url
    assert ESC + b"a\x01" + GS + b"(k\x04\x001A2\x00" + GS + b"(k\x03\x001C\x06" in data
    assert qr_store in data and GS + b"(k\x03\x001Q0" in data  # store the data, print the symbol
    assert data.endswith(FEED_AND_PARTIAL_CUT)
    assert "138****5678" in text and "13812345678" not in text


def test_ascii_charset_spells_chinese_in_pinyin():
    data = escpos_bytes(layout(small_receipt(), "zh_CN", translator("zh_CN")), COLUMNS_58MM, charset="ascii")
    assert CHINESE not in data
    assert data.isascii()
    assert b"Xiao Dian" in data
    assert to_ascii("O2O 示范店 Demo Store") == "O2O Shi Fan Dian Demo Store"
    assert to_ascii("１２３￥") == "123$"


def test_drawer_kick_bytes():
    assert drawer_kick_bytes(2) == ESC + b"p\x00\x32\x32"
    assert drawer_kick_bytes(5) == ESC + b"p\x01\x32\x32"
    assert drawer_kick_bytes(2, realtime=True) == b"\x10\x14\x01\x00\x02"
    assert drawer_kick_bytes(5, realtime=True) == b"\x10\x14\x01\x01\x02"


def test_the_drawer_opens_while_the_printer_is_out_of_paper(fake):
    fake.paper = False
    fake.open_drawer()
    assert fake.drawer_open and fake.jobs == [drawer_kick_bytes(2, realtime=True)]


# --- the printer and the person -------------------------------------------------------------------


@pytest.fixture
def fake():
    printer = FakePrinter(columns=COLUMNS_80MM)
    yield printer
    printer.close()


def test_the_fake_printer_prints_what_the_renderer_makes(fake):
    fake.print_receipt(small_receipt(), "en")
    assert bytes(fake.output) == fake.render(small_receipt(), "en")
    assert fake.print_receipt.runs_in_device_thread and fake.open_drawer.runs_in_device_thread


def test_out_of_paper_is_refused_before_printing(fake):
    fake.paper = False
    with pytest.raises(PrinterError) as caught:
        fake.print_receipt(small_receipt(), "en")
    assert caught.value.reason == "paper_out" and "paper" in caught.value.message
    assert fake.output == b""


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [("cover_open", "cover_open"), ("paper", "paper_out"), ("online", "offline")],
)
def test_the_person_fixes_it_and_says_retry(trouble, reason):
    printer = FakePrinter()
    setattr(printer, trouble, trouble == "cover_open")
    handler = ScriptedHandler()
    printer.handler = handler

    def fix_it(device, reason_, message):
        setattr(printer, trouble, trouble != "cover_open")
        return True

    handler.ask_retry = fix_it  # type: ignore[method-assign]
    try:
        printer.print_receipt(small_receipt(), "en")
    finally:
        printer.close()
    assert bytes(printer.output) == printer.render(small_receipt(), "en")


def test_the_person_says_no_and_the_error_goes_to_the_caller(fake):
    fake.cover_open = True
    fake.handler = handler = ScriptedHandler([True, False])
    with pytest.raises(PrinterError) as caught:
        fake.print_receipt(small_receipt(), "en")
    assert caught.value.reason == "cover_open"
    assert [(q.device, q.reason) for q in handler.questions] == [("printer", "cover_open")] * 2


def test_paper_running_out_in_the_middle_prints_the_whole_receipt_again(fake):
    fake.paper_runs_out_after = 300
    handler = ScriptedHandler()

    def reload(device, reason, message):
        fake.paper, fake.paper_runs_out_after = True, None
        return True

    handler.ask_retry = reload  # type: ignore[method-assign]
    fake.handler = handler
    fake.print_receipt(small_receipt(), "en")
    job = fake.render(small_receipt(), "en")
    assert fake.jobs == [job[:300], job]


def test_a_printer_that_does_not_answer_status_still_prints(fake):
    fake.answers_status = False
    fake.print_receipt(small_receipt(), "en")
    assert fake.status() is None
    assert len(fake.jobs) == 1


def test_status_reports_paper_low_and_drawer(fake):
    status = fake.status()
    assert status.online and not status.paper_out and status.drawer_open is False
    fake.open_drawer()
    assert fake.status().drawer_open is True
    assert fake.drawer_kicks == 1


def test_drawer_kick_when_the_printer_is_unplugged(fake):
    fake.online = False
    fake.handler = handler = ScriptedHandler([False])
    with pytest.raises(PrinterError) as caught:
        fake.open_drawer()
    assert caught.value.reason == "offline"
    assert [q.device for q in handler.questions] == ["drawer"]


def test_reports_print_through_the_same_path(fake, home, clock):
    terminal = make_terminal(home, clock, printer=fake)
    try:
        staff = sign_in(terminal)
        terminal.till.open(staff, Money.of("300"))
        rows = layout_report(terminal.till.totals(), terminal.checkout.store_header(), translator("en"))
        fake.print_report(rows)
    finally:
        terminal.close()
    assert b"X REPORT (till open)" in fake.output and b"Opening float" in fake.output


def test_jobs_from_many_threads_never_interleave(fake):
    receipts = [small_receipt() for _ in range(12)]
    threads = [threading.Thread(target=fake.print_receipt, args=(r, "en")) for r in receipts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    job = fake.render(small_receipt(), "en")
    assert bytes(fake.output) == job * 12


# --- transports -----------------------------------------------------------------------------------


class PrinterServer:
    """A TCP printer on 127.0.0.1: keeps what it receives, answers DLE EOT like a thermal printer."""

    def __init__(self, paper: bool = True) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.received = bytearray()
        self.paper = paper
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-tcp-printer")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                while True:
                    try:
                        data = conn.recv(65536)
                    except TimeoutError:
                        break
                    if not data:
                        break
                    self.received += data
                    for query, ok, bad in (
                        (b"\x10\x04\x01", 0x12, 0x1A),
                        (b"\x10\x04\x02", 0x12, 0x32),
                        (b"\x10\x04\x04", 0x12, 0x72),
                    ):
                        if data.endswith(query):
                            conn.sendall(bytes([ok if self.paper else bad]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def test_network_printer_over_tcp():
    server = PrinterServer()
    printer = NetworkPrinter("127.0.0.1", server.port)
    try:
        printer.print_receipt(small_receipt(), "en")
        printer.open_drawer()
        server.paper = False
        with pytest.raises(PrinterError) as caught:
            printer.print_receipt(small_receipt(), "en")
        assert caught.value.reason == "paper_out"
    finally:
        printer.close()
        server.close()
    job = printer.render(small_receipt(), "en")
    status = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
    printed = status + job + status
    kicked = status + drawer_kick_bytes(2)  # asks first: a stopped printer gets the real-time pulse
    assert bytes(server.received) == printed + kicked + status  # then out of paper: nothing sent
    assert server.connections == 3  # one connection per job, the printer is shared


def test_network_printer_offline_says_where_and_why():
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    printer = NetworkPrinter("127.0.0.1", port, timeout_s=1)
    try:
        with pytest.raises(PrinterError) as caught:
            printer.print_receipt(small_receipt(), "en")
    finally:
        printer.close()
    assert caught.value.reason == "offline"
    assert f"127.0.0.1:{port}" in caught.value.message


def test_serial_printer_on_a_pseudo_terminal():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    printer = SerialPrinter(path, 115200, rtscts=False, check_status=False)
    try:
        printer.print_receipt(small_receipt(), "en")
        job = printer.render(small_receipt(), "en")
        received = b""
        while len(received) < len(job):
            received += os.read(master, 65536)
    finally:
        printer.close()
        os.close(master)
        os.close(slave)
    assert received == job


def test_serial_printer_that_is_not_there():
    printer = SerialPrinter("/dev/ttyNOPE0", check_status=False)
    try:
        with pytest.raises(PrinterError) as caught:
            printer.print_receipt(small_receipt(), "en")
    finally:
        printer.close()
    assert caught.value.reason == "offline" and "/dev/ttyNOPE0" in caught.value.message


def test_file_printer_appends_jobs(tmp_path):
    target = tmp_path / "spool.bin"
    printer = FilePrinter(target)
    try:
        printer.print_receipt(small_receipt(), "en")
        printer.open_drawer()
    finally:
        printer.close()
    assert target.read_bytes() == printer.render(small_receipt(), "en") + drawer_kick_bytes(2)
    missing = FilePrinter(tmp_path / "no" / "such" / "dir" / "lp0")
    try:
        with pytest.raises(PrinterError, match="does not answer"):
            missing.print_receipt(small_receipt(), "en")
    finally:
        missing.close()


def test_usb_printer_without_a_device_is_offline_not_a_crash():
    printer = UsbPrinter(0x0416, 0x5011, check_status=False)
    try:
        with pytest.raises(PrinterError) as caught:
            printer.print_receipt(small_receipt(), "en")
    finally:
        printer.close()
    assert caught.value.reason == "offline"


def test_connection_strings():
    assert parse_usb_id("0416:5011") == (0x0416, 0x5011)
    assert parse_usb_id("0x04b8:0x0202") == (0x04B8, 0x0202)
    with pytest.raises(ValueError, match="VENDOR:PRODUCT"):
        parse_usb_id("printer")
    assert parse_host_port("192.168.1.50") == ("192.168.1.50", 9100)
    assert parse_host_port("192.168.1.50:9101") == ("192.168.1.50", 9101)
    assert parse_host_port("[fe80::1]:9100") == ("fe80::1", 9100)


# --- the services printing through a real driver --------------------------------------------------


def test_a_sale_with_the_printer_out_of_paper_is_kept_and_reprinted(home, clock, fake):
    terminal = make_terminal(home, clock, printer=fake)
    problems = []
    terminal.ctx.events.subscribe("device_problem", lambda **e: problems.append(e))
    try:
        staff = sign_in(terminal)
        terminal.till.open(staff, Money.of("300"))
        fake.paper = False
        co = terminal.checkout
        for code in product_codes(terminal, 2):
            co.scan(code)
        co.pay_cash(Money.of("500"), confirmed=True)
        sale = co.complete()
        assert sale.print_result is not None and not sale.print_result.printed
        assert any("paper" in w for w in sale.warnings)
        assert problems[-1]["device"] == "printer" and problems[-1]["reason"] == "paper_out"
        assert terminal.receipts.failed_jobs() == [sale.job_id]
        with terminal.ctx.db.read() as conn:
            assert conn.execute(select(schema.sale.c.id)).scalars().all() == [sale.sale_id]
        fake.paper = True
        again = terminal.receipts.print_job(sale.job_id)
        assert again.printed and terminal.receipts.failed_jobs() == []
    finally:
        terminal.close()
    assert sale.receipt_no.encode() in fake.output
    assert fake.drawer_kicks == 1  # the drawer opened although the receipt did not print
