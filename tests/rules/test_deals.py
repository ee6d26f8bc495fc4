"""Rule 2: deal correctness, lines and amounts, one open deal per client and product group,
active and inactive deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm import i18n
from desktop_crm.errors import ValidationError
from desktop_crm.models import ActivityKind, Deal, DealLine, Stage
from desktop_crm.services.sales import contacts, deals, rules, stages, timeline
from desktop_crm.services.sales.rule_errors import DuplicateDeal, StageChangeRefused
from tests.rules.conftest import CONTACT, DETAILED


def make_contact(world, **changes):
    return contacts.create_contact({**CONTACT, **changes}, world.manager)


def test_a_deal_missing_required_fields_is_saved_but_flagged_incorrect(world):
    deal = deals.create_deal({"title": "Курс для отдела"}, world.manager)
    stored = Deal.get_by_id(deal.id)
    assert stored.correct is False
    assert stored.missing_fields == ["product_group", "contact", "comment", "lines"]
    assert stored.stage_id == world.qualification.id  # the pipeline's first open stage
    assert stored.responsible_id == world.manager.id


def test_filling_every_required_field_makes_the_deal_correct_step_by_step(world):
    contact = make_contact(world)
    deal = deals.create_deal({"title": "Курс", "contact": contact.id}, world.manager)
    deal = deals.update_deal(deal.id, {"product_group": world.courses.id}, world.manager)
    assert deal.missing_fields == ["comment", "lines"]
    deals.update_deal(deal.id, {"comment": "перезвонить"}, world.manager)
    assert Deal.get_by_id(deal.id).missing_fields == ["comment", "lines"]  # not detailed
    deals.update_deal(deal.id, {"comment": DETAILED}, world.manager)
    line = deals.add_line(
        deal.id, {"product": world.product.id, "quantity": "2", "price": "0"}, world.manager
    )
    assert Deal.get_by_id(deal.id).missing_fields == ["lines"]  # a line with a zero sum does not count
    deals.update_line(line.id, {"price": "19 990,00"}, world.manager)
    stored = Deal.get_by_id(deal.id)
    assert stored.correct is True and stored.missing_fields == []
    assert stored.amount == Decimal("39980.00")


def test_a_detailed_comment_in_the_timeline_satisfies_the_comment_field(world):
    deal = deals.create_deal({"title": "Курс"}, world.manager)
    assert "comment" in Deal.get_by_id(deal.id).missing_fields
    timeline.add_comment(world.manager, DETAILED, deal=deal.id)
    assert "comment" not in Deal.get_by_id(deal.id).missing_fields


def test_amount_is_exact_decimal_with_half_up_rounding(world):
    deal = deals.create_deal({"title": "Книги"}, world.manager)
    # 1.5 × 0.67 = 1.005 → 1.01
    deals.add_line(deal.id, {"name": "Книга", "quantity": "1.5", "price": "0.67"}, world.manager)
    deals.add_line(
        deal.id, {"name": "Курс", "quantity": "1", "price": "100.10", "discount_percent": "12.5"},
        world.manager,
    )  # 100.10 - 12.51 (12.5125 → 12.51) = 87.59
    stored = Deal.get_by_id(deal.id)
    assert stored.amount == Decimal("88.60")
    assert deals.line_amount({"price": "0.67", "quantity": "1.5"}) == Decimal("1.01")
    removed = DealLine.get((DealLine.deal == deal.id) & (DealLine.name == "Курс"))
    deals.remove_line(removed.id, world.manager)
    assert Deal.get_by_id(deal.id).amount == Decimal("1.01")
    assert [line.name for line in deals.lines(deal.id)] == ["Книга"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "X", "quantity": "0", "price": "1"}, "Quantity: must be above zero"),
        ({"name": "X", "quantity": "1", "price": "-1"}, "Price: cannot be negative"),
        ({"name": "X", "quantity": "1", "price": "1", "discount_percent": "120"}, "from 0 to 100"),
        ({"name": "X", "quantity": "abc", "price": "1"}, "Quantity: enter a number"),
        ({"name": "  ", "quantity": "1", "price": "1"}, "Name the product"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(world, values, message):
    deal = deals.create_deal({"title": "Курс"}, world.manager)
    with pytest.raises(ValidationError, match=message):
        deals.add_line(deal.id, values, world.manager)
    assert DealLine.select().count() == 0


def test_second_open_deal_for_the_same_client_and_group_is_refused_naming_the_first(world):
    contact = make_contact(world)
    first = deals.create_deal(
        {"title": "Курс продаж", "contact": contact.id, "product_group": world.courses.id}, world.manager
    )
    with pytest.raises(DuplicateDeal) as refusal:
        deals.create_deal(
            {"title": "Ещё курс", "contact": contact.id, "product_group": world.courses.id},
            world.other_manager,
        )
    assert refusal.value.existing_id == first.id
    assert "“Курс продаж”" in refusal.value.message
    assert "already has an open deal in this product group" in refusal.value.message
    assert Deal.select().count() == 1
    # Another product group is fine, and so is moving it into the taken group only when the first is closed.
    other = deals.create_deal(
        {"title": "Книги", "contact": contact.id, "product_group": world.books.id}, world.manager
    )
    with pytest.raises(DuplicateDeal):
        deals.update_deal(other.id, {"product_group": world.courses.id}, world.manager)
    stages.move_deal(first.id, world.lost, world.manager, lost_reason="No budget")
    deals.update_deal(other.id, {"product_group": world.courses.id}, world.manager)
    i18n.set_language("ru")
    with pytest.raises(DuplicateDeal, match="уже есть открытая сделка"):
        deals.create_deal(
            {"title": "Третья", "contact": contact.id, "product_group": world.courses.id}, world.manager
        )


def test_creating_a_deal_directly_in_a_stage_requiring_correctness_is_refused(world):
    with pytest.raises(StageChangeRefused, match="fill in: product group, contact"):
        deals.create_deal({"title": "Сразу КП", "stage": world.proposal.id}, world.manager)
    assert Deal.select().count() == 0


def test_required_deal_fields_and_stage_fields_are_configurable(world):
    rules.DEAL_REQUIRED_FIELDS.set(["contact"])
    deal = deals.create_deal({"title": "Курс"}, world.manager)
    assert Deal.get_by_id(deal.id).missing_fields == ["contact"]
    Stage.update(required_fields=["company"]).where(Stage.id == world.qualification.id).execute()
    deals.update_deal(deal.id, {"title": "Курс 2"}, world.manager)
    assert Deal.get_by_id(deal.id).missing_fields == ["contact", "company"]


def test_active_means_correct_and_an_answered_detailed_interaction_within_60_days(world):
    contact = make_contact(world)
    deal = deals.create_deal(
        {
            "title": "Курс", "contact": contact.id, "product_group": world.courses.id, "comment": DETAILED,
            "lines": [{"product": world.product.id, "quantity": 1}],
        },
        world.manager,
    )
    now = dt.datetime(2026, 11, 1, 12, 0)
    assert Deal.get_by_id(deal.id).correct is True
    assert rules.is_active(Deal.get_by_id(deal.id), now) is False  # never reached
    timeline.log_interaction(world.manager, ActivityKind.CALL, "НД", False, deal=deal.id,
                             occurred_at=now - dt.timedelta(days=1))
    timeline.log_interaction(world.manager, ActivityKind.MESSAGE, DETAILED, False, deal=deal.id,
                             occurred_at=now - dt.timedelta(days=1))  # never answered
    timeline.log_interaction(world.manager, ActivityKind.CALL, "Перезвонить, думает", True, deal=deal.id,
                             occurred_at=now - dt.timedelta(days=1))  # answered, but filler only
    assert Deal.get_by_id(deal.id).last_interaction_at is None
    call = timeline.log_interaction(world.manager, ActivityKind.CALL, DETAILED, True, deal=deal.id,
                                    occurred_at=now - dt.timedelta(days=59))
    stored = Deal.get_by_id(deal.id)
    assert stored.last_interaction_at == now - dt.timedelta(days=59)
    assert rules.is_active(stored, now) is True
    assert rules.is_active(stored, now + dt.timedelta(days=2)) is False
    assert Deal.select().where(rules.active_condition(now)).count() == 1
    assert Deal.select().where(rules.inactive_condition(now + dt.timedelta(days=2))).count() == 1
    rules.INACTIVITY_DAYS.set(90)
    assert rules.is_active(stored, now + dt.timedelta(days=2)) is True
    # Deleting the interaction makes the deal inactive again.
    timeline.delete_entry(call.id, world.manager)
    assert Deal.get_by_id(deal.id).last_interaction_at is None
    # An incorrect deal is never active, however recent the call.
    deals.update_deal(deal.id, {"comment": ""}, world.manager)
    timeline.log_interaction(world.manager, ActivityKind.CALL, DETAILED, True, deal=deal.id)
    assert Deal.get_by_id(deal.id).correct is True  # the call's detailed comment counts as the comment
    deals.update_deal(deal.id, {"product_group": None}, world.manager)
    assert rules.is_active(Deal.get_by_id(deal.id)) is False
