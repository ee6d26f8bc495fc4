"""Rule 1: leads, and their conversion into a contact and a deal."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm import i18n
from desktop_crm.errors import ValidationError
from desktop_crm.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    Lead,
    LeadStatus,
    StageChange,
)
from desktop_crm.services.sales import contacts, leads, timeline
from desktop_crm.services.sales.rule_errors import ConversionRefused, DuplicateContact, MissingRequiredFields
from tests.rules.conftest import CONTACT, DETAILED

LEAD = {
    "title": "Заявка с сайта: курс продаж",
    "last_name": "Фёдоров", "first_name": "Иван", "middle_name": "Петрович",
    "mobile_phone": "+7 916 123-45-67", "private_email": "ivan.fedorov@mail.example",
    "birth_date": dt.date(1990, 3, 14), "company_name": "ООО «Ромашка»",
}


def test_many_leads_per_contact_each_with_its_own_responsible(world):
    contact = contacts.create_contact(CONTACT, world.manager)
    first = leads.create_lead({"title": "Курс", "contact": contact.id}, world.manager)
    second = leads.create_lead(
        {"title": "Книги", "contact": contact.id, "responsible": world.other_manager.id}, world.manager
    )
    assert (first.responsible_id, second.responsible_id) == (world.manager.id, world.other_manager.id)
    assert Lead.select().where(Lead.contact == contact.id).count() == 2
    timeline.log_interaction(world.other_manager, ActivityKind.CALL, DETAILED, True, lead=second.id)
    converted = leads.convert_lead(
        second.id, world.other_manager, deal_values={"product_group": world.books.id}
    )
    assert (converted.contact_id, converted.contact_created) == (contact.id, False)
    assert Deal.get_by_id(converted.deal_id).responsible_id == world.other_manager.id
    untitled = leads.create_lead({"last_name": "Бианки", "first_name": "Марио"}, world.manager)
    assert untitled.title == "Бианки Марио"
    with pytest.raises(ValidationError, match="Give the lead a title"):
        leads.create_lead({}, world.manager)


def test_conversion_needs_an_answered_interaction_with_a_detailed_comment(world):
    lead = leads.create_lead(LEAD, world.manager)
    assert lead.status == LeadStatus.NEW
    allowed, reason = leads.conversion_check(lead.id)
    assert allowed is False
    assert reason.startswith("Before converting, log a call, meeting, e-mail or message")
    with pytest.raises(ConversionRefused):
        leads.convert_lead(lead.id, world.manager)
    # A message the client never answered does not count, even with a long text.
    timeline.log_interaction(
        world.manager, ActivityKind.MESSAGE, DETAILED, client_answered=False, lead=lead.id
    )
    assert Lead.get_by_id(lead.id).status == LeadStatus.IN_PROGRESS  # the first contact attempt
    # An answered call with a filler comment does not count either.
    timeline.log_interaction(
        world.manager, ActivityKind.CALL, "Пообщались, думает", client_answered=True, lead=lead.id
    )
    assert leads.conversion_check(lead.id)[0] is False
    i18n.set_language("ru")
    with pytest.raises(ConversionRefused, match="Перед конвертацией зафиксируйте звонок"):
        leads.convert_lead(lead.id, world.manager)
    i18n.set_language("en")
    assert Contact.select().count() == 0 and Deal.select().count() == 0
    timeline.log_interaction(world.manager, ActivityKind.CALL, DETAILED, client_answered=True, lead=lead.id)
    assert leads.conversion_check(lead.id) == (True, "")


def test_conversion_creates_contact_deal_and_company_and_shares_the_history(world):
    lead = leads.create_lead(LEAD, world.manager)
    call = timeline.log_interaction(world.manager, ActivityKind.CALL, DETAILED, True, lead=lead.id)
    result = leads.convert_lead(
        lead.id, world.manager, pipeline=world.pipeline.id, create_company=True,
        deal_values={"product_group": world.courses.id},
    )
    assert result.contact_created is True
    contact = Contact.get_by_id(result.contact_id)
    assert contact.full_name == "Фёдоров Иван Петрович" and contact.mobile_phone_e164 == "+79161234567"
    assert Company.get_by_id(result.company_id).legal_name == "ООО «Ромашка»"
    assert contact.company_id == result.company_id
    deal = Deal.get_by_id(result.deal_id)
    assert deal.source_lead_id == lead.id and deal.contact_id == contact.id
    assert deal.stage_id == world.qualification.id  # the pipeline's first stage
    assert deal.last_interaction_at == Activity.get_by_id(call.id).done_at  # the lead's call counts
    assert deal.missing_fields == ["lines"]  # the call's detailed comment is the deal's comment
    assert StageChange.select().where(StageChange.deal == deal.id).count() == 1
    stored = Lead.get_by_id(lead.id)
    assert stored.status == LeadStatus.CONVERTED and stored.converted_at is not None
    assert stored.contact_id == contact.id
    titles = [e.title for e in timeline.timeline(contact=contact.id)]
    assert "Lead converted into contact Фёдоров Иван Петрович and deal Заявка с сайта: курс продаж" in titles
    assert any(e.id == call.id for e in timeline.timeline(deal=deal.id))
    assert leads.conversion_check(lead.id) == (False, "The lead is already converted.")


def test_conversion_into_a_new_contact_follows_the_contact_rules(world):
    lead = leads.create_lead({**LEAD, "birth_date": None}, world.manager)
    timeline.log_interaction(world.manager, ActivityKind.MEETING, DETAILED, True, lead=lead.id)
    with pytest.raises(MissingRequiredFields) as refusal:
        leads.convert_lead(lead.id, world.manager)
    assert refusal.value.fields == ["birth_date"]
    assert Deal.select().count() == 0 and Lead.get_by_id(lead.id).status != LeadStatus.CONVERTED
    result = leads.convert_lead(lead.id, world.manager, contact_values={"birth_date": dt.date(1990, 3, 14)})
    assert Contact.get_by_id(result.contact_id).birth_date == dt.date(1990, 3, 14)


def test_conversion_finds_the_existing_contact_by_the_duplicate_rules(world):
    existing = contacts.create_contact(CONTACT, world.other_manager)
    lead = leads.create_lead({**LEAD, "last_name": "Иван", "first_name": "ФЕДОРОВ"}, world.manager)
    timeline.log_interaction(world.manager, ActivityKind.EMAIL, DETAILED, True, lead=lead.id)
    with pytest.raises(DuplicateContact) as refusal:
        leads.convert_lead(lead.id, world.manager)
    assert refusal.value.existing_id == existing.id
    assert Deal.select().count() == 0
    result = leads.convert_lead(lead.id, world.manager, existing_contact=existing.id)
    assert result.contact_created is False and result.contact_id == existing.id
    assert Contact.select().count() == 1
    assert Deal.get_by_id(result.deal_id).responsible_id == world.manager.id  # the lead's responsible


def test_converted_lead_is_kept_and_junk_is_closed(world):
    lead = leads.create_lead(LEAD, world.manager)
    junk = leads.create_lead({"title": "Спам"}, world.manager)
    leads.mark_junk(junk.id, world.manager, reason="Рассылка")
    assert Lead.get_by_id(junk.id).status == LeadStatus.JUNK
    timeline.log_interaction(world.manager, ActivityKind.CALL, DETAILED, True, lead=lead.id)
    leads.convert_lead(lead.id, world.manager)
    with pytest.raises(ValidationError, match="converted lead is kept"):
        leads.update_lead(lead.id, {"title": "Другое"}, world.manager)
    with pytest.raises(ValidationError, match="already converted"):
        leads.mark_junk(lead.id, world.manager)
