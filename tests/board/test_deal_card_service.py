"""The deal card service on both engines: saving fields and lines in one transaction, totals with
VAT included or on top, stage history with time spent, documents of the deal."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.errors import ValidationError
from desktop_crm.models import Deal, DealLine, OwnCompany, VatMode
from desktop_crm.services.sales import deal_card, stages
from desktop_crm.services.sales.deal_card import LineValues, VatSetup
from tests.board.conftest import correct_deal
from tests.rules.conftest import build_world


@pytest.fixture
def world(any_db):
    return build_world()


def test_save_replaces_lines_in_one_transaction(world):
    deal = correct_deal(world)
    data = deal_card.load(deal.id)
    first = data.lines[0]
    lines = [LineValues(name="Консультация", quantity=Decimal("1.5"), price=Decimal("2000.00")),
             dataclasses.replace(first, quantity=Decimal("4"))]
    deal_card.save(deal.id, {"title": "Новое название"}, lines, world.manager)
    rows = list(DealLine.alive().where(DealLine.deal == deal.id).order_by(DealLine.line_order))
    assert [(r.name, r.quantity) for r in rows] == [("Консультация", Decimal("1.500")),
                                                    ("Курс «Продажи»", Decimal("4.000"))]
    assert rows[1].id == first.id  # the kept line was updated, not re-created
    row = Deal.get_by_id(deal.id)
    assert row.title == "Новое название" and row.amount == Decimal("82960.00")


def test_a_refused_save_changes_nothing(world):
    deal = correct_deal(world)
    bad = [LineValues(name="Курс", quantity=Decimal("-1"), price=Decimal("10"))]
    with pytest.raises(ValidationError):
        deal_card.save(deal.id, {"title": "Другое"}, bad, world.manager)
    assert Deal.get_by_id(deal.id).title == "Обучение отдела продаж"
    assert DealLine.alive().where(DealLine.deal == deal.id).count() == 1


def test_totals_follow_the_vat_mode():
    lines = [LineValues(name="A", quantity=Decimal("3"), price=Decimal("0.35"), vat_rate=Decimal("20"))]
    included = deal_card.totals(lines, VatSetup(True, "RU"))
    on_top = deal_card.totals(lines, VatSetup(False, "RU"))
    assert included.grand_total == Decimal("1.05") and included.vat_total == Decimal("0.18")
    assert on_top.grand_total == Decimal("1.26") and on_top.vat_total == Decimal("0.21")


def test_vat_setup_comes_from_the_sellers_company(world):
    assert deal_card.vat_setup() == VatSetup(True, "RU")
    OwnCompany.create(short_name="Srl", country="IT", vat_mode=VatMode.ON_TOP, is_default=True)
    assert deal_card.vat_setup() == VatSetup(False, "IT")


def test_stage_history_counts_time_in_each_stage(world):
    deal = correct_deal(world)
    start = Deal.get_by_id(deal.id).stage_entered_at
    stages.move_deal(deal.id, world.presentation, world.manager, now=start + dt.timedelta(hours=5))
    spans = deal_card.stage_history(deal.id, now=start + dt.timedelta(hours=7))
    assert [(s.stage, s.seconds) for s in spans] == [("Квалификация", 5 * 3600),
                                                    ("Презентация", 2 * 3600)]
    assert spans[1].left_at is None
