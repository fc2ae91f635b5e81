"""Returns against an original sale: discounts apportioned, full returns refund exactly what was paid."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.domain.catalog import Unit
from pos_app.domain.errors import ReturnError
from pos_app.domain.money import Money
from pos_app.domain.returns import PaidTender, ReturnedSoFar, SaleRecord, SoldLine, plan_return
from pos_app.domain.tenders import TenderKind
from pos_app.domain.text import Text


def sold(line_no, qty, gross, net, unit=Unit.EACH, rate=1300):
    return SoldLine(
        line_no,
        line_no,
        f"A{line_no}",
        Text("商品", "Item"),
        unit,
        qty,
        Money(gross // max(qty // 1000, 1)),
        Money(gross),
        Money(net),
        rate,
    )


def sale(lines, tenders, points_earned=0):
    return SaleRecord(
        "s1",
        "S001-T01-261123-0001",
        tuple(lines),
        tuple(tenders),
        1 if points_earned else None,
        points_earned,
    )


def accumulate(so_far, plan):
    q, a, ta, tp = (
        dict(so_far.quantities),
        dict(so_far.amounts),
        dict(so_far.tender_amounts),
        dict(so_far.tender_points),
    )
    for rl in plan.lines:
        q[rl.line_no] = q.get(rl.line_no, 0) + rl.quantity
        a[rl.line_no] = a.get(rl.line_no, 0) + rl.amount.minor
    for rt in plan.refunds:
        ta[rt.tender_index] = ta.get(rt.tender_index, 0) + rt.amount.minor
        tp[rt.tender_index] = tp.get(rt.tender_index, 0) + rt.points
    return ReturnedSoFar(q, a, ta, tp, so_far.points_reversed + plan.points_reversed)


def test_partial_return_refunds_the_discounted_unit_price():
    # 3 yoghurts at 3.00, buy 2 get 1: paid 6.00 for the line
    s = sale([sold(1, 3000, 900, 600)], [PaidTender(TenderKind.CASH, Money(600))])
    plan = plan_return(s, {1: 1000})
    assert plan.total == Money(200)
    assert [(r.kind, r.amount) for r in plan.refunds] == [(TenderKind.CASH, Money(200))]
    assert not plan.completes_sale


def test_last_units_refund_what_is_left_so_the_full_return_is_exact():
    s = sale([sold(1, 3000, 1000, 1000)], [PaidTender(TenderKind.CASH, Money(1000))])
    so_far = ReturnedSoFar()
    totals = []
    for _ in range(3):
        plan = plan_return(s, {1: 1000}, so_far)
        totals.append(plan.total.minor)
        so_far = accumulate(so_far, plan)
    assert totals == [333, 334, 333]  # 1/3, 2/3 and 3/3 of 10.00, each rounded, minus what went before
    assert sum(totals) == 1000
    with pytest.raises(ReturnError, match="Only 0 of line 1"):
        plan_return(s, {1: 1000}, so_far)


def test_refund_goes_back_to_the_tenders_in_proportion_and_points_come_back():
    s = sale(
        [sold(1, 1000, 6000, 5000), sold(2, 2000, 5000, 5000)],
        [
            PaidTender(TenderKind.POINTS, Money(2000), points=2000),
            PaidTender(TenderKind.CARD, Money(8000), "", "AUTH9"),
        ],
        points_earned=80,
    )
    plan = plan_return(s, {1: 1000})
    assert plan.total == Money(5000)
    refunds = {r.kind: r for r in plan.refunds}
    assert refunds[TenderKind.POINTS].amount == Money(1000) and refunds[TenderKind.POINTS].points == 1000
    assert refunds[TenderKind.CARD].amount == Money(4000) and refunds[TenderKind.CARD].reference == "AUTH9"
    assert plan.points_reversed == 40


def test_weighed_goods_return_by_weight_and_pieces_by_the_piece():
    s = sale([sold(1, 655, 850, 850, unit=Unit.KG)], [PaidTender(TenderKind.CASH, Money(850))])
    assert plan_return(s, {1: 655}).total == Money(850)
    s2 = sale([sold(1, 2000, 400, 400)], [PaidTender(TenderKind.CASH, Money(400))])
    with pytest.raises(ReturnError, match="by the piece"):
        plan_return(s2, {1: 500})


def test_nothing_chosen_and_voided_sales_are_refused():
    s = sale([sold(1, 1000, 100, 100)], [PaidTender(TenderKind.CASH, Money(100))])
    with pytest.raises(ReturnError, match="Choose what to return"):
        plan_return(s, {})
    voided = SaleRecord("s", "r", s.lines, s.tenders, voided=True)
    with pytest.raises(ReturnError, match="voided"):
        plan_return(voided, {1: 1000})


@st.composite
def sales_with_returns(draw):
    lines = []
    for n in range(1, draw(st.integers(1, 5)) + 1):
        units = draw(st.integers(1, 5))
        gross = draw(st.integers(units, 20_000))
        net = draw(st.integers(0, gross))
        lines.append(sold(n, units * 1000, gross, net))
    total = sum(ln.net.minor for ln in lines)
    kinds = draw(st.lists(st.sampled_from(list(TenderKind)), min_size=1, max_size=3))
    shares = Money(total).allocate([draw(st.integers(1, 10)) for _ in kinds])
    tenders = [
        PaidTender(k, s, points=s.minor if k is TenderKind.POINTS else 0)
        for k, s in zip(kinds, shares, strict=True)
    ]
    earned = draw(st.integers(0, 500))
    # return the goods in random chunks until all are back
    remaining = {ln.line_no: ln.quantity // 1000 for ln in lines}
    steps = []
    while any(remaining.values()):
        step = {}
        for line_no, left in remaining.items():
            if left:
                take = draw(st.integers(0, left))
                if take:
                    step[line_no] = take
        if not step:
            line_no = next(k for k, v in remaining.items() if v)
            step[line_no] = 1
        for k, v in step.items():
            remaining[k] -= v
        steps.append({k: v * 1000 for k, v in step.items()})
    return sale(lines, tenders, earned), steps


@settings(max_examples=300, deadline=None)
@given(sales_with_returns())
def test_a_full_return_refunds_exactly_what_was_paid_tender_by_tender(case):
    s, steps = case
    so_far = ReturnedSoFar()
    for step in steps:
        plan = plan_return(s, step, so_far)
        assert all(r.amount.minor >= 0 for r in plan.refunds)
        assert sum(r.amount.minor for r in plan.refunds) == plan.total.minor
        so_far = accumulate(so_far, plan)
    assert plan.completes_sale
    assert sum(so_far.amounts.values()) == s.total.minor
    for i, tender in enumerate(s.tenders):
        assert so_far.tender_amounts.get(i, 0) == tender.amount.minor
        assert so_far.tender_points.get(i, 0) == tender.points
    assert so_far.points_reversed == s.points_earned


# --- issue 14 point 11: a return takes back what its lines earned --------------------------------
# A member earns 1 point a yuan (PointsRule default) on goods eligible for points; figures by hand.


def test_points_are_shared_over_the_eligible_lines_only():
    from pos_app.domain.returns import points_by_line

    # 100.00 eligible, 50.00 not (tobacco, a gift card), 33.33 eligible: 133 points earned
    assert points_by_line([Money(10_000), Money(5000), Money(3333)], [True, False, True], 133) == [100, 0, 33]
    assert points_by_line([Money(100)], [False], 0) == [0]


def test_returning_goods_that_earned_no_points_takes_none_back():
    lines = [
        SoldLine(
            1,
            1,
            "A1",
            Text("牛奶", "Milk"),
            Unit.EACH,
            1000,
            Money(10_000),
            Money(10_000),
            Money(10_000),
            1300,
            100,
        ),
        SoldLine(
            2,
            2,
            "A2",
            Text("香烟", "Cigarettes"),
            Unit.EACH,
            1000,
            Money(5000),
            Money(5000),
            Money(5000),
            1300,
            0,
        ),
    ]
    s = sale(lines, [PaidTender(TenderKind.CASH, Money(15_000))], points_earned=100)
    plan = plan_return(s, {2: 1000})
    assert plan.points_reversed == 0  # the whole-sale share would have taken 100 x 50/150 = 33
    plan = plan_return(s, {1: 1000})
    assert plan.points_reversed == 100


def test_partial_returns_of_a_line_take_back_its_points_exactly():
    # 3 units earned 10 points: 3 + 3 + 4 over three returns (the last takes what is left)
    line = SoldLine(
        1, 1, "A1", Text("米", "Rice"), Unit.EACH, 3000, Money(333), Money(999), Money(999), 900, 10
    )
    s = sale([line], [PaidTender(TenderKind.CASH, Money(999))], points_earned=10)
    so_far, taken = ReturnedSoFar(), []
    for _ in range(3):
        plan = plan_return(s, {1: 1000}, so_far)
        taken.append(plan.points_reversed)
        line_points = {1: so_far.line_points.get(1, 0) + plan.lines[0].points}
        so_far = accumulate(so_far, plan)
        so_far = ReturnedSoFar(
            so_far.quantities,
            so_far.amounts,
            so_far.tender_amounts,
            so_far.tender_points,
            so_far.points_reversed,
            line_points,
        )
    assert taken == [3, 3, 4] and sum(taken) == 10


def test_a_sale_from_before_lines_carried_points_is_reversed_in_proportion():
    s = sale(
        [sold(1, 1000, 10_000, 10_000), sold(2, 1000, 5000, 5000)],
        [PaidTender(TenderKind.CASH, Money(15_000))],
        points_earned=150,
    )
    assert plan_return(s, {2: 1000}).points_reversed == 50  # 150 x 50/150
