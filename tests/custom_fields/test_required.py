"""A stage may require custom deal fields, like the fixed ones: moving a deal there is refused
naming the field by its label until it is filled, and correctness follows (both engines)."""

from __future__ import annotations

import pytest

from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.models import Contact, Deal
from desktop_crm.services.listing import refresh
from desktop_crm.services.sales import rules, stages
from desktop_crm.services.system import admin
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from tests.factories import make_deal, make_pipeline, make_stages, make_user


def test_a_stage_requires_a_custom_field(any_db):
    rules.DEAL_REQUIRED_FIELDS.set([])
    pipeline = make_pipeline("Корпоративные продажи")
    qualification, presentation = make_stages(pipeline, ["Квалификация", "Презентация"])
    deal = make_deal("Внедрение", stage=qualification)
    user = make_user()
    preset = {f.key: f for f in cf.add_sales_preset(pipeline.id)}
    assert ("cf_budget", "Budget") in admin.deal_field_choices()
    info = next(s for s in admin.stages(pipeline.id) if s.id == presentation.id)
    admin.save_stage(presentation.id, pipeline.id, {
        "name": info.name, "kind": info.kind, "probability": info.probability, "color": info.color,
        "required_fields": ["contact", "cf_budget", "cf_decision_maker"],
    })
    assert admin.stages(pipeline.id)[1].required_fields == ["contact", "cf_budget",
                                                            "cf_decision_maker"]
    with pytest.raises(ValidationError):
        admin.save_stage(presentation.id, pipeline.id, {"name": "X", "required_fields": ["cf_nope"]})
    check = stages.can_move(deal.id, presentation.id)
    assert not check.allowed
    assert "Budget, Decision maker" in check.reason
    cv.set_values(Entity.DEALS, deal.id, {"budget": "150000"})
    assert stages.can_move(deal.id, presentation.id).missing == ["contact", "cf_decision_maker"]
    deal.contact = Contact.create(last_name="Сидорова")
    deal.save()
    cv.set_values(Entity.DEALS, deal.id, {"decision_maker": deal.contact_id})
    assert stages.can_move(deal.id, presentation.id).allowed
    stages.move_deal(deal.id, presentation.id, user.id)
    assert Deal.get_by_id(deal.id).correct
    # the deal now in the stage: clearing the budget makes it incorrect, in Python and in SQL
    cv.set_values(Entity.DEALS, deal.id, {"budget": None})
    assert Deal.get_by_id(deal.id).missing_fields == ["cf_budget"]
    Deal.update(missing_fields=[], correct=True).where(Deal.id == deal.id).execute()
    refresh.refresh_rules()
    refreshed = Deal.get_by_id(deal.id)
    assert refreshed.missing_fields == ["cf_budget"] and not refreshed.correct
    # a removed field is no longer required
    cv.set_values(Entity.DEALS, deal.id, {"decision_maker": None})
    assert cf.remove_field(preset["decision_maker"].id) is False
    assert admin.stages(pipeline.id)[1].required_fields == ["contact", "cf_budget"]
