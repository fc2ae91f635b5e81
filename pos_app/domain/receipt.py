"""The receipt as a document (content, not bytes) and its layout into rows of a fixed-width paper.

``ReceiptDocument`` is what a sale, refund or void produced; it is stored with the sale (JSON) so any
receipt can be reprinted exactly. :func:`layout` turns it into :class:`Row` objects for a paper width
in columns (58 mm paper: 32 columns, 80 mm: 48) in a language; the plain-text renderer here, the
ESC/POS printer and the on-screen preview all draw those same rows. Chinese characters take two columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from wcwidth import wcswidth

from pos_app.domain.catalog import Unit, format_quantity
from pos_app.domain.money import Money
from pos_app.domain.tenders import PROVIDER_LABELS, TenderKind
from pos_app.domain.text import Text
from pos_app.i18n import N_

Translate = Callable[[str], str]

COLUMNS_58MM = 32
COLUMNS_80MM = 48


class ReceiptKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class StoreHeader:
    name: str
    address: str = ""
    tax_id: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ReceiptItem:
    name: Text
    sku: str
    quantity: int
    unit: Unit
    unit_price: Money
    gross: Money
    net: Money
    discounts: tuple[tuple[Text, Money], ...] = ()
    original_price: Money | None = None  # shown when the price was overridden
    trace: str = ""  # lot, expiry and serial of a GS1 code, an EAN add-on (BasketLine.trace)


@dataclass(frozen=True, slots=True)
class ReceiptTender:
    kind: TenderKind
    amount: Money
    provider: str = ""
    tendered: Money | None = None
    change: Money | None = None
    reference: str = ""  # already masked
    points: int = 0


@dataclass(frozen=True, slots=True)
class ReceiptMember:
    phone_masked: str
    tier: Text
    points_earned: int = 0
    points_redeemed: int = 0
    points_balance: int | None = None


@dataclass(frozen=True, slots=True)
class ReceiptTax:
    rate_bp: int
    net: Money
    tax: Money


@dataclass(frozen=True)
class ReceiptDocument:
    kind: ReceiptKind
    store: StoreHeader
    receipt_no: str
    issued_at: datetime
    cashier: str
    terminal: str
    items: tuple[ReceiptItem, ...]
    subtotal: Money
    total: Money
    taxes: tuple[ReceiptTax, ...] = ()
    discounts: tuple[tuple[Text, Money], ...] = ()
    rounding: Money | None = None
    tenders: tuple[ReceiptTender, ...] = ()
    change: Money | None = None
    member: ReceiptMember | None = None
    qr_data: str = ""
    qr_caption: Text | None = None
    footer: Text = field(
        default_factory=lambda: Text("谢谢惠顾，欢迎再次光临", "Thank you for shopping with us")
    )
    original_receipt_no: str = ""
    currency: str = "CNY"
    notes: tuple[Text, ...] = ()  # the store's rules that priced this sale (which units were free)

    # --- storage ----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        def m(x: Money | None) -> int | None:
            return None if x is None else x.minor

        def t(x: Text | None) -> list[str] | None:
            return None if x is None else [x.zh, x.en]

        return {
            "kind": self.kind.value,
            "store": [self.store.name, self.store.address, self.store.tax_id, self.store.phone],
            "receipt_no": self.receipt_no,
            "issued_at": self.issued_at.isoformat(),
            "cashier": self.cashier,
            "terminal": self.terminal,
            "items": [
                {
                    "name": t(i.name),
                    "sku": i.sku,
                    "quantity": i.quantity,
                    "unit": i.unit.value,
                    "unit_price": i.unit_price.minor,
                    "gross": i.gross.minor,
                    "net": i.net.minor,
                    "discounts": [[t(label), m(amount)] for label, amount in i.discounts],
                    "original_price": m(i.original_price),
                    "trace": i.trace,
                }
                for i in self.items
            ],
            "subtotal": self.subtotal.minor,
            "total": self.total.minor,
            "taxes": [[x.rate_bp, x.net.minor, x.tax.minor] for x in self.taxes],
            "discounts": [[t(label), m(amount)] for label, amount in self.discounts],
            "rounding": m(self.rounding),
            "tenders": [
                {
                    "kind": x.kind.value,
                    "amount": x.amount.minor,
                    "provider": x.provider,
                    "tendered": m(x.tendered),
                    "change": m(x.change),
                    "reference": x.reference,
                    "points": x.points,
                }
                for x in self.tenders
            ],
            "change": m(self.change),
            "member": None
            if self.member is None
            else {
                "phone_masked": self.member.phone_masked,
                "tier": t(self.member.tier),
                "points_earned": self.member.points_earned,
                "points_redeemed": self.member.points_redeemed,
                "points_balance": self.member.points_balance,
            },
            "qr_data": self.qr_data,
            "qr_caption": t(self.qr_caption),
            "footer": t(self.footer),
            "original_receipt_no": self.original_receipt_no,
            "currency": self.currency,
            "notes": [t(note) for note in self.notes],
        }

    @classmethod
    def from_dict(cls, d: dict) -> ReceiptDocument:
        cur = d.get("currency", "CNY")

        def m(x: int | None) -> Money | None:
            return None if x is None else Money(int(x), cur)

        def t(x: list[str] | None) -> Text | None:
            return None if x is None else Text(x[0], x[1])

        member = d.get("member")
        return cls(
            kind=ReceiptKind(d["kind"]),
            store=StoreHeader(*d["store"]),
            receipt_no=d["receipt_no"],
            issued_at=datetime.fromisoformat(d["issued_at"]),
            cashier=d["cashier"],
            terminal=d["terminal"],
            items=tuple(
                ReceiptItem(
                    name=t(i["name"]),  # type: ignore[arg-type]
                    sku=i["sku"],
                    quantity=i["quantity"],
                    unit=Unit(i["unit"]),
                    unit_price=Money(i["unit_price"], cur),
                    gross=Money(i["gross"], cur),
                    net=Money(i["net"], cur),
                    discounts=tuple((t(lbl), Money(a, cur)) for lbl, a in i["discounts"]),  # type: ignore[misc]
                    original_price=m(i.get("original_price")),
                    trace=i.get("trace", ""),
                )
                for i in d["items"]
            ),
            subtotal=Money(d["subtotal"], cur),
            total=Money(d["total"], cur),
            taxes=tuple(ReceiptTax(r, Money(n, cur), Money(x, cur)) for r, n, x in d["taxes"]),
            discounts=tuple((t(lbl), Money(a, cur)) for lbl, a in d["discounts"]),  # type: ignore[misc]
            rounding=m(d.get("rounding")),
            tenders=tuple(
                ReceiptTender(
                    TenderKind(x["kind"]),
                    Money(x["amount"], cur),
                    x.get("provider", ""),
                    m(x.get("tendered")),
                    m(x.get("change")),
                    x.get("reference", ""),
                    x.get("points", 0),
                )
                for x in d["tenders"]
            ),
            change=m(d.get("change")),
            member=None
            if member is None
            else ReceiptMember(
                member["phone_masked"],
                t(member["tier"]),  # type: ignore[arg-type]
                member["points_earned"],
                member["points_redeemed"],
                member["points_balance"],
            ),
            qr_data=d.get("qr_data", ""),
            qr_caption=t(d.get("qr_caption")),
            footer=t(d["footer"]),  # type: ignore[arg-type]
            original_receipt_no=d.get("original_receipt_no", ""),
            currency=cur,
            notes=tuple(Text(zh, en) for zh, en in d.get("notes", ())),
        )


# --- layout ---------------------------------------------------------------------------------------


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class Row:
    """One printed row. ``right`` is flushed to the right edge; ``large`` is double width and height."""

    left: str = ""
    right: str = ""
    align: Align = Align.LEFT
    bold: bool = False
    large: bool = False
    rule: str = ""  # a full-width rule of this character
    qr: str = ""  # a QR code of this text, centred
    cut: bool = False


def text_width(text: str) -> int:
    width = wcswidth(text)
    return width if width >= 0 else len(text)


def fit(text: str, columns: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``columns`` display columns (CJK counts double), between any
    two characters -- for truncating (the first piece) where a whole name cannot be shown."""
    pieces, current, width = [], "", 0
    for ch in text:
        w = max(text_width(ch), 0)
        if width + w > columns and current:
            pieces.append(current)
            current, width = "", 0
        current += ch
        width += w
    if current or not pieces:
        pieces.append(current)
    return pieces


def wrap(text: str, columns: int) -> list[str]:
    """Wrap ``text`` into lines of at most ``columns`` display columns for printing: Latin words move
    whole to the next line where a space allows it; Chinese breaks between any characters."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if text_width(current + ch) > columns and current:
            cut = current.rfind(" ")
            if ch != " " and cut > 0 and text_width(current[:cut]) >= columns // 3:
                lines.append(current[:cut])
                current = current[cut + 1 :]
            else:
                lines.append(current.rstrip())
                current = ""
            if ch == " " and not current:
                continue
        current += ch
    if current or not lines:
        lines.append(current)
    return lines


def compose(row: Row, columns: int) -> list[str]:
    """Plain-text lines of ``row`` on a paper ``columns`` wide (large rows use half as many columns)."""
    if row.rule:
        return [row.rule * columns]
    if row.qr:
        return [f"[QR] {row.qr}"]
    if row.cut:
        return []
    cols = columns // 2 if row.large else columns
    if row.right:
        gap = cols - text_width(row.left) - text_width(row.right)
        if gap >= 1:
            return [row.left + " " * gap + row.right]
        left_lines = wrap(row.left, cols)
        last = left_lines[-1]
        gap = cols - text_width(last) - text_width(row.right)
        if gap >= 1:
            return [*left_lines[:-1], last + " " * gap + row.right]
        return [*left_lines, " " * max(cols - text_width(row.right), 0) + row.right]
    lines = wrap(row.left, cols)
    if row.align is Align.CENTER:
        return [" " * ((cols - text_width(line)) // 2) + line for line in lines]
    if row.align is Align.RIGHT:
        return [" " * (cols - text_width(line)) + line for line in lines]
    return lines


_KIND_TITLES = {
    ReceiptKind.SALE: N_("SALES RECEIPT"),
    ReceiptKind.REFUND: N_("REFUND RECEIPT"),
    ReceiptKind.VOID: N_("VOID RECEIPT"),
}


def _rate(rate_bp: int) -> str:
    whole, frac = divmod(rate_bp, 100)
    return f"{whole}%" if frac == 0 else f"{whole}.{frac:02d}%"


def _tender_label(tender: ReceiptTender, tr: Translate) -> str:
    if tender.kind is TenderKind.MOBILE and tender.provider in PROVIDER_LABELS:
        return tr(PROVIDER_LABELS[tender.provider])
    return tr(_TENDER_NAMES[tender.kind])


_TENDER_NAMES = {
    TenderKind.CASH: N_("Cash"),
    TenderKind.CARD: N_("Card"),
    TenderKind.MOBILE: N_("Mobile payment"),
    TenderKind.POINTS: N_("Points"),
}


_TRACE_AI = re.compile(r"\((\d{2,4})\)([^(]*)")


def _trace_text(trace: str, tr: Translate) -> str:
    """What a customer or a recall needs of a line's GS1 data: lot, expiry, serial, the add-on."""
    data, _plus, addon = trace.partition(" +")
    parts = []
    for ai, value in _TRACE_AI.findall(data):
        if ai == "10":
            parts.append(tr("Lot {lot}").format(lot=value))
        elif ai in ("15", "16", "17") and len(value) == 6:
            parts.append(tr("Exp {date}").format(date=f"20{value[:2]}-{value[2:4]}-{value[4:6]}"))
        elif ai == "21":
            parts.append(tr("S/N {serial}").format(serial=value))
    if addon:
        parts.append(tr("Add-on {addon}").format(addon=addon))
    return "  ".join(parts)


def layout(doc: ReceiptDocument, language: str, tr: Translate, *, copy: bool = False) -> list[Row]:
    """Rows of the receipt in ``language``; ``tr`` translates the labels into the same language."""
    rows: list[Row] = [Row(doc.store.name, align=Align.CENTER, bold=True, large=True)]
    if doc.store.address:
        rows.append(Row(doc.store.address, align=Align.CENTER))
    if doc.store.tax_id:
        rows.append(Row(tr("Tax ID: {tax_id}").format(tax_id=doc.store.tax_id), align=Align.CENTER))
    if doc.store.phone:
        rows.append(Row(tr("Tel: {phone}").format(phone=doc.store.phone), align=Align.CENTER))
    rows.append(Row(tr(_KIND_TITLES[doc.kind]), align=Align.CENTER, bold=True))
    if copy:
        rows.append(Row(tr("*** COPY ***"), align=Align.CENTER, bold=True))
    rows.append(Row(rule="-"))
    rows.append(Row(tr("Receipt: {no}").format(no=doc.receipt_no)))
    if doc.original_receipt_no:
        rows.append(Row(tr("Original receipt: {no}").format(no=doc.original_receipt_no)))
    rows.append(Row(tr("Date: {when}").format(when=doc.issued_at.strftime("%Y-%m-%d %H:%M:%S"))))
    rows.append(
        Row(tr("Cashier: {name}").format(name=doc.cashier), tr("Till: {code}").format(code=doc.terminal))
    )
    rows.append(Row(rule="-"))
    rows.append(Row(tr("Item"), tr("Amount"), bold=True))
    for item in doc.items:
        rows.append(Row(item.name.get(language)))
        qty = format_quantity(item.quantity, item.unit)
        unit = tr("kg") if item.unit is Unit.KG else ""
        per = tr("/kg") if item.unit is Unit.KG else ""
        rows.append(Row(f"  {qty}{unit} x {item.unit_price.plain()}{per}", item.gross.plain()))
        if item.original_price is not None:
            rows.append(
                Row("  " + tr("Price changed from {price}").format(price=item.original_price.plain()))
            )
        if item.trace:
            rows.append(Row("  " + _trace_text(item.trace, tr)))
        for label, amount in item.discounts:
            rows.append(Row("  " + label.get(language), (-amount).plain()))
    rows.append(Row(rule="-"))
    count = sum(1 if i.unit is Unit.KG else i.quantity // 1000 for i in doc.items)
    rows.append(Row(tr("Items: {n}").format(n=count), ""))
    rows.append(Row(tr("Subtotal"), doc.subtotal.plain()))
    for label, amount in doc.discounts:
        rows.append(Row(label.get(language), (-amount).plain()))
    for note in doc.notes:
        rows.append(Row("* " + note.get(language)))
    if doc.rounding is not None and doc.rounding.minor:
        rows.append(Row(tr("Cash rounding"), doc.rounding.plain()))
    total_label = tr("REFUND TOTAL") if doc.kind is ReceiptKind.REFUND else tr("TOTAL")
    paid_total = doc.total + (doc.rounding or Money.zero(doc.currency))
    rows.append(Row(total_label, paid_total.plain(), bold=True, large=True))
    if doc.tenders:
        rows.append(Row(rule="-"))
        for tender in doc.tenders:
            label = _tender_label(tender, tr)
            if tender.kind is TenderKind.CASH and tender.tendered is not None:
                rows.append(Row(label, tender.tendered.plain()))
            else:
                rows.append(Row(label, tender.amount.plain()))
            if tender.points:
                rows.append(Row("  " + tr("{points} points").format(points=tender.points)))
            if tender.reference:
                rows.append(Row("  " + tr("Ref: {ref}").format(ref=tender.reference)))
        if doc.change is not None and doc.change.minor:
            rows.append(Row(tr("Change"), doc.change.plain(), bold=True))
    if doc.taxes:
        rows.append(Row(rule="-"))
        rows.append(Row(tr("VAT rate"), tr("Tax included"), bold=True))
        for tax in doc.taxes:
            rows.append(Row(f"{_rate(tax.rate_bp)}  ({tax.net.plain()})", tax.tax.plain()))
    if doc.member is not None:
        rows.append(Row(rule="-"))
        member = doc.member
        rows.append(Row(tr("Member: {phone}").format(phone=member.phone_masked), member.tier.get(language)))
        if member.points_earned:
            rows.append(Row(tr("Points earned"), f"{member.points_earned:+d}"))
        if member.points_redeemed:
            rows.append(Row(tr("Points used"), f"{-member.points_redeemed:+d}"))
        if member.points_balance is not None:
            rows.append(Row(tr("Points balance"), str(member.points_balance)))
    rows.append(Row(rule="-"))
    if doc.qr_data:
        rows.append(Row(qr=doc.qr_data))
        if doc.qr_caption is not None:
            rows.append(Row(doc.qr_caption.get(language), align=Align.CENTER))
    rows.append(Row(doc.footer.get(language), align=Align.CENTER))
    rows.append(Row(cut=True))
    return rows


def render_text(
    doc: ReceiptDocument, language: str, tr: Translate, columns: int = COLUMNS_80MM, *, copy: bool = False
) -> str:
    """The receipt as plain text (console, e-mail/e-receipt body, tests)."""
    lines: list[str] = []
    for row in layout(doc, language, tr, copy=copy):
        lines.extend(compose(row, columns))
    return "\n".join(line.rstrip() for line in lines) + "\n"
