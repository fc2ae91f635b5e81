"""Promotions, coupons and the pricing of a basket.

Stacking order (the tests pin it down):

1. **Item offers.** Each line gets the single best of: its member price (a member whose tier has member
   prices is present) and the item-scope promotions it is eligible for (amount off each, percent off,
   buy-N-get-M 买二送一, the Nth unit at X % off 第二件半价). Item offers never stack with each other.
   Lines whose price was overridden or comes from a price-embedded label keep that price and take no
   item offer.
2. **Basket promotions** (满减 spend-X-get-Y-off, the 满减 ladder 满100减20/满200减50 of which only the
   highest tier reached applies, amount off, percent off over the eligible subtotal), in priority
   order, each computed on what the eligible lines cost after the steps before it.
3. **Coupons**, in the order they were scanned, each on what the eligible lines cost after the steps
   before it -- a percent-off coupon takes its percent of the price after the promotions, never of the
   shelf price; a coupon whose condition is not met stays on the basket with the reason and takes
   nothing.

**Which units are free or reduced** (buy-N-get-M, Nth unit) when the eligible units have different
prices is the store's setting (:class:`FreeUnits`), printed on the receipt:

- ``cheapest_overall`` (the default, as Chinese stores run 买二送一 and 第二件半价: "赠送/优惠价格最低的
  商品"): of every N+M eligible units, M are free, and the free ones are the cheapest of all of them.
  Six units at 10, 9, 8, 7, 2, 1 with buy 2 get 1: the 2 and the 1 are free.
- ``cheapest_per_group``: the units are put in groups of N+M from the dearest down, and the cheapest
  of each group is free. The same six: the 8 and the 1 are free.

A basket-level discount is apportioned to its eligible lines in proportion to what they cost at that
point (largest remainder), so every line carries its share -- needed for tax per rate and returns. No
line's net goes below zero. Prices are tax inclusive; the tax contained is computed per rate on the
final line nets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pos_app.domain.catalog import MILLI, Product, Unit, tax_contained
from pos_app.domain.members import Tier
from pos_app.domain.money import Money
from pos_app.domain.text import Text
from pos_app.i18n import _


class OfferKind(StrEnum):
    AMOUNT_OFF = "amount_off"
    PERCENT_OFF = "percent_off"
    SPEND_GET_OFF = "spend_get_off"  # 满减: spend X, get Y off (once, or for every X with ``repeat``)
    LADDER = "ladder"  # 满减 tiers: 满100减20 / 满200减50, only the highest tier reached applies
    BUY_N_GET_M = "buy_n_get_m"  # buy N, get M of the cheapest eligible units free
    NTH_UNIT_OFF = "nth_unit_off"  # the Nth unit at X % off: 第二件半价 is nth=2, percent_bp=5000


#: What the receipt prints after a promotion's name, for the offers a customer may not know by name.
OFFER_LABELS = {
    OfferKind.SPEND_GET_OFF: Text("满减", "spend & save"),
    OfferKind.LADDER: Text("阶梯满减", "tiered spend & save"),
    OfferKind.BUY_N_GET_M: Text("买赠", "buy & get free"),
    OfferKind.NTH_UNIT_OFF: Text("第N件优惠", "Nth unit off"),
}


class FreeUnits(StrEnum):
    """Which units a buy-N-get-M or Nth-unit offer reduces when prices differ (module docstring)."""

    CHEAPEST_OVERALL = "cheapest_overall"
    CHEAPEST_PER_GROUP = "cheapest_per_group"

    @property
    def rule(self) -> Text:
        """The rule as the receipt prints it."""
        if self is FreeUnits.CHEAPEST_OVERALL:
            return Text("优惠商品按价格最低者计", "Offer applied to the cheapest items")
        return Text("每组中价格最低者优惠", "Offer applied to the cheapest item of each group")


class Scope(StrEnum):
    ITEM = "item"  # per eligible line or unit
    BASKET = "basket"  # once, over the eligible subtotal


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Which goods an offer applies to. Empty product and category sets mean every product."""

    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    exclude_product_ids: frozenset[int] = frozenset()

    def matches(self, product: Product) -> bool:
        if product.id in self.exclude_product_ids:
            return False
        if not self.product_ids and not self.category_ids:
            return True
        return product.id in self.product_ids or product.category_id in self.category_ids

    def to_dict(self) -> dict[str, list[int]]:
        return {
            "product_ids": sorted(self.product_ids),
            "category_ids": sorted(self.category_ids),
            "exclude_product_ids": sorted(self.exclude_product_ids),
        }

    @classmethod
    def from_dict(cls, data: dict[str, list[int]] | None) -> Eligibility:
        data = data or {}
        return cls(
            frozenset(data.get("product_ids", ())),
            frozenset(data.get("category_ids", ())),
            frozenset(data.get("exclude_product_ids", ())),
        )


@dataclass(frozen=True, slots=True)
class Offer:
    """The rule of a promotion or coupon campaign."""

    kind: OfferKind
    scope: Scope
    eligibility: Eligibility = field(default_factory=Eligibility)
    amount: Money | None = None  # AMOUNT_OFF value; SPEND_GET_OFF value taken off
    percent_bp: int = 0  # PERCENT_OFF: 1,000 = 10 % off (打九折)
    threshold: Money | None = None  # SPEND_GET_OFF: the spend that triggers it
    repeat: bool = False  # SPEND_GET_OFF: 每满 X 减 Y
    min_spend: Money | None = None  # BASKET scope: eligible spend required
    cap: Money | None = None  # most it can take off
    buy: int = 0
    get: int = 0
    members_only: bool = False
    tiers: frozenset[str] = frozenset()  # empty: every tier (when members_only)
    ladder: tuple[tuple[Money, Money], ...] = ()  # LADDER: (spend, taken off), ascending spend
    nth: int = 0  # NTH_UNIT_OFF: every nth unit is reduced by percent_bp

    def __post_init__(self) -> None:
        kind, scope = self.kind, self.scope
        if kind is OfferKind.AMOUNT_OFF and (self.amount is None or self.amount.minor <= 0):
            raise ValueError("amount_off needs a positive amount")
        if kind is OfferKind.PERCENT_OFF and not 0 < self.percent_bp <= 10_000:
            raise ValueError("percent_off needs 0 < percent_bp <= 10000")
        if kind is OfferKind.SPEND_GET_OFF:
            if scope is not Scope.BASKET:
                raise ValueError("spend_get_off is a basket offer")
            if self.threshold is None or self.amount is None or self.threshold.minor <= 0:
                raise ValueError("spend_get_off needs a threshold and an amount")
            if self.amount.minor <= 0 or self.amount >= self.threshold:
                raise ValueError("spend_get_off must take off less than its threshold")
        if kind is OfferKind.BUY_N_GET_M:
            if scope is not Scope.ITEM:
                raise ValueError("buy_n_get_m is an item offer")
            if self.buy < 1 or self.get < 1:
                raise ValueError("buy_n_get_m needs buy >= 1 and get >= 1")
        if kind is OfferKind.LADDER:
            self._check_ladder()
        if kind is OfferKind.NTH_UNIT_OFF:
            if scope is not Scope.ITEM:
                raise ValueError("nth_unit_off is an item offer")
            if self.nth < 2 or not 0 < self.percent_bp <= 10_000:
                raise ValueError("nth_unit_off needs nth >= 2 and 0 < percent_bp <= 10000")

    def _check_ladder(self) -> None:
        if self.scope is not Scope.BASKET:
            raise ValueError("a ladder is a basket offer")
        if not self.ladder:
            raise ValueError("a ladder needs at least one tier")
        spends = [spend.minor for spend, _off in self.ladder]
        offs = [off.minor for _spend, off in self.ladder]
        if spends != sorted(set(spends)) or offs != sorted(offs):
            raise ValueError("ladder tiers go up: each spends and takes off more than the one before")
        if any(off <= 0 or off >= spend for spend, off in zip(spends, offs, strict=True)):
            raise ValueError("each ladder tier takes off more than 0 and less than its spend")

    def applies_to_member(self, tier: Tier | None) -> bool:
        if not self.members_only:
            return True
        return tier is not None and (not self.tiers or tier.code in self.tiers)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "scope": self.scope.value,
            "eligibility": self.eligibility.to_dict(),
            "amount": self.amount.minor if self.amount is not None else None,
            "percent_bp": self.percent_bp,
            "threshold": self.threshold.minor if self.threshold is not None else None,
            "repeat": self.repeat,
            "min_spend": self.min_spend.minor if self.min_spend is not None else None,
            "cap": self.cap.minor if self.cap is not None else None,
            "buy": self.buy,
            "get": self.get,
            "members_only": self.members_only,
            "tiers": sorted(self.tiers),
            "ladder": [[spend.minor, off.minor] for spend, off in self.ladder],
            "nth": self.nth,
        }

    @classmethod
    def from_dict(cls, data: dict, currency: str = "CNY") -> Offer:
        def money(key: str) -> Money | None:
            value = data.get(key)
            return None if value is None else Money(int(value), currency)

        return cls(
            kind=OfferKind(data["kind"]),
            scope=Scope(data.get("scope", "basket")),
            eligibility=Eligibility.from_dict(data.get("eligibility")),
            amount=money("amount"),
            percent_bp=int(data.get("percent_bp") or 0),
            threshold=money("threshold"),
            repeat=bool(data.get("repeat", False)),
            min_spend=money("min_spend"),
            cap=money("cap"),
            buy=int(data.get("buy") or 0),
            get=int(data.get("get") or 0),
            members_only=bool(data.get("members_only", False)),
            tiers=frozenset(data.get("tiers") or ()),
            ladder=tuple(
                (Money(int(spend), currency), Money(int(off), currency))
                for spend, off in data.get("ladder") or ()
            ),
            nth=int(data.get("nth") or 0),
        )


@dataclass(frozen=True, slots=True)
class Promotion:
    id: int
    name: Text
    offer: Offer
    priority: int = 100  # lower runs first


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon applied to a basket: the token's serial and its campaign's rule."""

    coupon_id: int
    campaign_id: int
    name: Text
    offer: Offer


@dataclass(frozen=True, slots=True)
class PricingLine:
    """What the pricing needs of a basket line."""

    line_id: int
    product: Product
    quantity: int  # thousandths
    unit_price: Money  # shelf price, or the overridden price
    fixed_amount: Money | None = None  # from a price-embedded label
    overridden: bool = False

    @property
    def gross(self) -> Money:
        if self.fixed_amount is not None:
            return self.fixed_amount
        return self.product.price_for(self.quantity, self.unit_price)

    @property
    def takes_item_offers(self) -> bool:
        return not self.overridden and self.fixed_amount is None


class DiscountSource(StrEnum):
    MEMBER_PRICE = "member_price"
    PROMOTION = "promotion"  # item-scope promotion
    BASKET_PROMOTION = "basket_promotion"  # basket-scope promotion (满减 ...), apportioned over lines
    COUPON = "coupon"
    CASH_ROUNDING = "cash_rounding"

    @property
    def is_item_level(self) -> bool:
        return self in (DiscountSource.MEMBER_PRICE, DiscountSource.PROMOTION)


@dataclass(frozen=True, slots=True)
class Discount:
    source: DiscountSource
    ref: int | None  # promotion id, coupon id
    name: Text
    amount: Money  # positive: taken off
    offer: str = ""  # the OfferKind of the promotion or coupon (receipts and the journal show it)


@dataclass(frozen=True, slots=True)
class PricedLine:
    line_id: int
    product: Product
    quantity: int
    unit_price: Money
    gross: Money
    discounts: tuple[Discount, ...]
    net: Money

    @property
    def discount_total(self) -> Money:
        result = Money.zero(self.gross.currency)
        for d in self.discounts:
            result = result + d.amount
        return result


@dataclass(frozen=True, slots=True)
class TaxLine:
    rate_bp: int
    net: Money  # tax-inclusive amount at this rate
    tax: Money  # tax contained


@dataclass(frozen=True, slots=True)
class CouponOutcome:
    coupon: Coupon
    amount: Money
    reason: str = ""  # why it took nothing, in words a cashier reads

    @property
    def applied(self) -> bool:
        return self.amount.minor > 0


class TaxRounding(StrEnum):
    """How the tax contained is rounded: once per rate over the rate's lines (the receipt's way), or
    per line and then added up per rate (an e-fapiao's way, so the two agree to the fen)."""

    PER_RATE = "per_rate"
    PER_LINE = "per_line"


@dataclass(frozen=True, slots=True)
class Pricing:
    lines: tuple[PricedLine, ...]
    discounts: tuple[Discount, ...]  # each applied promotion/coupon/member price, summed over lines
    subtotal: Money  # sum of line grosses
    total: Money
    taxes: tuple[TaxLine, ...]
    coupons: tuple[CouponOutcome, ...]
    tax_rounding: TaxRounding = TaxRounding.PER_RATE
    free_units: FreeUnits = FreeUnits.CHEAPEST_OVERALL  # the rule it priced with (the receipt prints it)

    @property
    def reduced_units(self) -> bool:
        """Whether a buy-N-get-M or Nth-unit offer reduced some units (then the rule is printed)."""
        units = (OfferKind.BUY_N_GET_M.value, OfferKind.NTH_UNIT_OFF.value)
        return any(d.offer in units and d.amount.minor for d in self.discounts)

    @property
    def discount_total(self) -> Money:
        return self.subtotal - self.total

    def line(self, line_id: int) -> PricedLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise KeyError(line_id)


# --- the engine -----------------------------------------------------------------------------------


class _Work:
    """Mutable per-line state while pricing runs."""

    __slots__ = ("discounts", "gross", "line", "net")

    def __init__(self, line: PricingLine, gross: Money | None = None) -> None:
        self.line = line
        self.gross = line.gross if gross is None else gross
        self.net = self.gross
        self.discounts: list[Discount] = []

    @classmethod
    def resume(cls, priced: PricedLine) -> _Work:
        work = cls(
            PricingLine(priced.line_id, priced.product, priced.quantity, priced.unit_price), priced.gross
        )
        work.net, work.discounts = priced.net, list(priced.discounts)
        return work

    def take(self, discount: Discount) -> None:
        if discount.amount.minor == 0:
            return
        self.net = self.net - discount.amount
        self.discounts.append(discount)


def _units(line: PricingLine) -> int:
    return line.quantity // MILLI if line.product.unit is Unit.EACH else 0


def _unit_prices(lines: Sequence[PricingLine]) -> list[tuple[int, int, int]]:
    """Every eligible unit as (-unit price, line order, line id), dearest first."""
    units: list[tuple[int, int, int]] = []
    for order, line in enumerate(lines):
        count = _units(line)
        if count == 0:
            continue
        unit_price = line.gross.minor // count
        units.extend((-unit_price, order, line.line_id) for _ in range(count))
    units.sort()
    return units


def _reduced_units(units: list, group: int, reduced: int, rule: FreeUnits) -> list:
    """The units an offer reduces: ``reduced`` of every ``group`` units, by the store's rule."""
    if rule is FreeUnits.CHEAPEST_OVERALL:
        count = len(units) // group * reduced
        return units[len(units) - count :] if count else []
    chosen = []
    for start in range(0, len(units) - group + 1, group):
        chosen.extend(units[start + group - reduced : start + group])
    return chosen


def _buy_n_get_m(offer: Offer, lines: Sequence[PricingLine], rule: FreeUnits) -> dict[int, Money]:
    """Free units per line (买二送一): M of every N+M eligible units, chosen by ``rule``."""
    return _unit_discounts(lines, offer.buy + offer.get, offer.get, 10_000, rule)


def _nth_unit_off(offer: Offer, lines: Sequence[PricingLine], rule: FreeUnits) -> dict[int, Money]:
    """第二件半价: one of every ``nth`` eligible units at ``percent_bp`` off, chosen by ``rule``."""
    return _unit_discounts(lines, offer.nth, 1, offer.percent_bp, rule)


def _unit_discounts(
    lines: Sequence[PricingLine], group: int, reduced: int, percent_bp: int, rule: FreeUnits
) -> dict[int, Money]:
    off: dict[int, int] = {}
    for neg_price, _order, line_id in _reduced_units(_unit_prices(lines), group, reduced, rule):
        off[line_id] = off.get(line_id, 0) + Money(-neg_price).percent(percent_bp).minor
    currency = lines[0].gross.currency if lines else "CNY"
    return {line_id: Money(amount, currency) for line_id, amount in off.items()}


def _item_discount(offer: Offer, line: PricingLine) -> Money:
    gross = line.gross
    if offer.kind is OfferKind.PERCENT_OFF:
        amount = gross.percent(offer.percent_bp)
    elif offer.kind is OfferKind.AMOUNT_OFF:
        assert offer.amount is not None
        # per item, or per kg for weighed goods
        amount = offer.amount.scale(line.quantity, MILLI)
    else:
        return Money.zero(gross.currency)
    if offer.cap is not None:
        amount = amount.min(offer.cap)
    return amount.min(gross)


def _item_coupon(offer: Offer, work: _Work) -> Money:
    if work.net.minor <= 0:
        return Money.zero(work.net.currency)
    if offer.kind is OfferKind.PERCENT_OFF:
        amount = work.net.percent(offer.percent_bp)
    elif offer.kind is OfferKind.AMOUNT_OFF:
        assert offer.amount is not None
        amount = offer.amount.scale(work.line.quantity, MILLI)
    else:
        return Money.zero(work.net.currency)
    if offer.cap is not None:
        amount = amount.min(offer.cap)
    return amount.min(work.net)


def _ladder(offer: Offer, base: Money) -> tuple[Money, str]:
    """The highest tier ``base`` reaches takes off its amount, once (as on Tmall and JD)."""
    reached = [off for spend, off in offer.ladder if base >= spend]
    if reached:
        return reached[-1], ""
    first = offer.ladder[0][0]
    return Money.zero(base.currency), _("Spend {amount} more on eligible goods").format(
        amount=(first - base).plain()
    )


def _basket_discount(offer: Offer, base: Money) -> tuple[Money, str]:
    """Discount of a basket-scope offer over an eligible subtotal ``base``, or why there is none."""
    zero = Money.zero(base.currency)
    if base.minor <= 0:
        return zero, _("Not valid for these goods")
    if offer.min_spend is not None and base < offer.min_spend:
        return zero, _("Spend {amount} more on eligible goods").format(
            amount=(offer.min_spend - base).plain()
        )
    if offer.kind is OfferKind.AMOUNT_OFF:
        assert offer.amount is not None
        amount = offer.amount
    elif offer.kind is OfferKind.PERCENT_OFF:
        amount = base.percent(offer.percent_bp)
    elif offer.kind is OfferKind.SPEND_GET_OFF:
        assert offer.threshold is not None and offer.amount is not None
        if base < offer.threshold:
            return zero, _("Spend {amount} more on eligible goods").format(
                amount=(offer.threshold - base).plain()
            )
        times = base.minor // offer.threshold.minor if offer.repeat else 1
        amount = offer.amount * times
    elif offer.kind is OfferKind.LADDER:
        amount, reason = _ladder(offer, base)
        if reason:
            return amount, reason
    else:
        return zero, _("This offer does not apply to a whole basket")
    if offer.cap is not None:
        amount = amount.min(offer.cap)
    return amount.min(base), ""


def _apportion(
    amount: Money, works: Sequence[_Work], source: DiscountSource, ref: int, name: Text, offer: OfferKind
) -> None:
    weights = [max(w.net.minor, 0) for w in works]
    for work, share in zip(works, amount.allocate(weights), strict=True):
        work.take(Discount(source, ref, name, share.min(work.net), offer.value))


def price_basket(
    lines: Sequence[PricingLine],
    *,
    tier: Tier | None = None,
    promotions: Sequence[Promotion] = (),
    coupons: Sequence[Coupon] = (),
    currency: str = "CNY",
    free_units: FreeUnits = FreeUnits.CHEAPEST_OVERALL,
    tax_rounding: TaxRounding = TaxRounding.PER_RATE,
) -> Pricing:
    """Price ``lines`` for a member of ``tier`` (or no member) with the active promotions and coupons;
    ``free_units`` is the store's rule for which units a buy-N-get-M or Nth-unit offer reduces."""
    works = [_Work(line) for line in lines]
    ordered = sorted(promotions, key=lambda p: (p.priority, p.id))
    item_promos = [p for p in ordered if p.offer.scope is Scope.ITEM and p.offer.applies_to_member(tier)]
    basket_promos = [p for p in ordered if p.offer.scope is Scope.BASKET and p.offer.applies_to_member(tier)]

    # 1. item offers: the single best per line
    candidates: dict[int, list[Discount]] = {w.line.line_id: [] for w in works}
    member_price_name = Text("会员价", "Member price")
    for w in works:
        line = w.line
        if not line.takes_item_offers:
            continue
        product = line.product
        if tier is not None and tier.member_prices and product.member_price is not None:
            member_gross = product.price_for(line.quantity, product.member_price)
            saving = line.gross - member_gross
            if saving.minor > 0:
                candidates[line.line_id].append(
                    Discount(DiscountSource.MEMBER_PRICE, None, member_price_name, saving)
                )
    for promo in item_promos:
        offer = promo.offer
        eligible = [
            w.line for w in works if w.line.takes_item_offers and offer.eligibility.matches(w.line.product)
        ]
        if not eligible:
            continue
        if offer.kind is OfferKind.BUY_N_GET_M:
            amounts = _buy_n_get_m(offer, eligible, free_units)
        elif offer.kind is OfferKind.NTH_UNIT_OFF:
            amounts = _nth_unit_off(offer, eligible, free_units)
        else:
            amounts = {line.line_id: _item_discount(offer, line) for line in eligible}
        for line_id, amount in amounts.items():
            if amount.minor > 0:
                candidates[line_id].append(
                    Discount(DiscountSource.PROMOTION, promo.id, promo.name, amount, offer.kind.value)
                )
    for w in works:
        options = candidates[w.line.line_id]
        if options:
            # max() keeps the first of equals: member price, then promotions in priority order
            w.take(max(options, key=lambda d: d.amount.minor))

    # 2. basket promotions, 3. coupons
    for promo in basket_promos:
        eligible_works = [w for w in works if promo.offer.eligibility.matches(w.line.product)]
        base = Money(sum(w.net.minor for w in eligible_works), currency)
        amount, _reason = _basket_discount(promo.offer, base)
        if amount.minor > 0:
            _apportion(
                amount,
                eligible_works,
                DiscountSource.BASKET_PROMOTION,
                promo.id,
                promo.name,
                promo.offer.kind,
            )

    outcomes: list[CouponOutcome] = []
    for coupon in coupons:
        offer = coupon.offer
        if not offer.applies_to_member(tier):
            outcomes.append(
                CouponOutcome(coupon, Money.zero(currency), _("Only for members of a higher tier"))
            )
            continue
        eligible_works = [w for w in works if offer.eligibility.matches(w.line.product)]
        base = Money(sum(w.net.minor for w in eligible_works), currency)
        if offer.scope is Scope.ITEM:
            # on what each line costs after the promotions, not on its shelf price
            amount = Money(sum(_item_coupon(offer, w).minor for w in eligible_works), currency)
            reason = "" if amount.minor > 0 else _("Not valid for these goods")
        else:
            amount, reason = _basket_discount(offer, base)
        if amount.minor > 0:
            _apportion(
                amount, eligible_works, DiscountSource.COUPON, coupon.coupon_id, coupon.name, offer.kind
            )
        outcomes.append(CouponOutcome(coupon, amount, reason))

    return _finish(works, outcomes, currency, tax_rounding, free_units)


def _finish(
    works: Sequence[_Work],
    outcomes: list[CouponOutcome],
    currency: str,
    tax_rounding: TaxRounding,
    free_units: FreeUnits,
) -> Pricing:
    priced = tuple(
        PricedLine(
            line_id=w.line.line_id,
            product=w.line.product,
            quantity=w.line.quantity,
            unit_price=w.line.unit_price,
            gross=w.gross,
            discounts=tuple(w.discounts),
            net=w.net,
        )
        for w in works
    )
    summary: dict[tuple[DiscountSource, int | None, Text, str], int] = {}
    for line in priced:
        for d in line.discounts:
            key = (d.source, d.ref, d.name, d.offer)
            summary[key] = summary.get(key, 0) + d.amount.minor
    discounts = tuple(
        Discount(src, ref, name, Money(amount, currency), offer)
        for (src, ref, name, offer), amount in summary.items()
    )
    subtotal = Money(sum(line.gross.minor for line in priced), currency)
    total = Money(sum(line.net.minor for line in priced), currency)
    taxes = taxes_of(priced, currency, tax_rounding)
    return Pricing(priced, discounts, subtotal, total, taxes, tuple(outcomes), tax_rounding, free_units)


def taxes_of(
    lines: Sequence[PricedLine], currency: str = "CNY", rounding: TaxRounding = TaxRounding.PER_RATE
) -> tuple[TaxLine, ...]:
    """Tax contained per rate: computed once on the sum of the rate's line nets (``PER_RATE``), or
    line by line and added up (``PER_LINE``, what an e-fapiao built from the sale shows)."""
    nets: dict[int, int] = {}
    taxes: dict[int, int] = {}
    for line in lines:
        rate = line.product.tax_rate_bp
        nets[rate] = nets.get(rate, 0) + line.net.minor
        if rounding is TaxRounding.PER_LINE:
            taxes[rate] = taxes.get(rate, 0) + tax_contained(line.net, rate).minor
    return tuple(
        TaxLine(
            rate,
            Money(net, currency),
            Money(taxes[rate], currency)
            if rounding is TaxRounding.PER_LINE
            else tax_contained(Money(net, currency), rate),
        )
        for rate, net in sorted(nets.items(), reverse=True)
    )


def with_adjustment(pricing: Pricing, adjustment: Money, name: Text) -> Pricing:
    """Apportion a final adjustment (cash rounding: negative takes off, positive adds) over the lines.

    Used at completion so the lines' nets add up to exactly what the customer paid.
    """
    if adjustment.minor == 0:
        return pricing
    works = [_Work.resume(line) for line in pricing.lines]
    weights = [max(w.net.minor, 0) for w in works]
    for work, share in zip(works, (-adjustment).allocate(weights), strict=True):
        work.take(Discount(DiscountSource.CASH_ROUNDING, None, name, share))
    return _finish(
        works, list(pricing.coupons), pricing.total.currency, pricing.tax_rounding, pricing.free_units
    )
