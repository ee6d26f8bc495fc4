"""Rules 4 and 5: required contact fields, own e-mails refused, duplicates and merging."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm import i18n
from desktop_crm.errors import ValidationError
from desktop_crm.models import Activity, Contact, Deal, DuplicateDismissal, Lead
from desktop_crm.services.sales import contacts, deals, rules, timeline
from desktop_crm.services.sales.rule_errors import DuplicateContact, MissingRequiredFields, OwnEmailRefused
from tests.rules.conftest import CONTACT, DETAILED


def test_full_preset_requires_name_mobile_birth_date_and_private_email(world):
    with pytest.raises(MissingRequiredFields) as refusal:
        contacts.create_contact({"last_name": "Фёдоров", "first_name": "Иван"}, world.manager)
    assert refusal.value.fields == ["birth_date", "mobile_phone", "private_email"]
    assert refusal.value.message == "Fill in the required fields: birth date, mobile phone, private e-mail."
    i18n.set_language("ru")
    with pytest.raises(MissingRequiredFields, match="Заполните обязательные поля: дата рождения"):
        contacts.create_contact({"last_name": "Фёдоров", "first_name": "Иван"}, world.manager)
    assert Contact.select().count() == 0
    contact = contacts.create_contact(CONTACT, world.manager)
    assert contact.mobile_phone_e164 == "+79161234567"
    assert contacts.required_contact_fields() == [
        "last_name", "first_name", "birth_date", "mobile_phone", "private_email"
    ]


def test_light_preset_needs_a_name_and_a_phone_or_an_email(world):
    rules.CONTACT_PRESET.set("light")
    rules.PHONE_REGION.set("IT")
    with pytest.raises(MissingRequiredFields) as refusal:
        contacts.create_contact({"first_name": "Giulia"}, world.manager)
    assert refusal.value.fields == ["mobile_phone"]
    contact = contacts.create_contact({"first_name": "Giulia", "work_phone": "02 1234 5678"}, world.manager)
    assert contact.work_phone_e164 == "+390212345678"  # the region setting reads the number
    contacts.create_contact({"last_name": "Bianchi", "work_email": "m.bianchi@studio.example"}, world.manager)


def test_a_required_field_cannot_be_emptied_but_old_gaps_do_not_block_edits(world):
    contact = contacts.create_contact(CONTACT, world.manager)
    with pytest.raises(MissingRequiredFields, match="birth date"):
        contacts.update_contact(contact.id, {"birth_date": None}, world.manager)
    imported = Contact.create(last_name="Старый", first_name="Импорт")  # no phone, no birth date
    contacts.update_contact(imported.id, {"position": "Директор"}, world.manager)
    assert Contact.get_by_id(imported.id).position == "Директор"


def test_invalid_phone_and_email_are_refused(world):
    with pytest.raises(ValidationError, match="is not a valid phone number") as refusal:
        contacts.create_contact({**CONTACT, "mobile_phone": "12345"}, world.manager)
    assert refusal.value.field == "mobile_phone"
    with pytest.raises(ValidationError, match="is not a valid e-mail address"):
        contacts.create_contact({**CONTACT, "private_email": "ivan@"}, world.manager)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        contacts.create_contact(
            {**CONTACT, "birth_date": dt.date.today() + dt.timedelta(days=1)}, world.manager
        )


def test_own_users_emails_are_refused_in_client_contacts(world):
    with pytest.raises(OwnEmailRefused) as refusal:
        contacts.create_contact({**CONTACT, "private_email": "Petr@Shop.Example"}, world.manager)
    assert refusal.value.message == (
        "Petr@Shop.Example is the address of Пётр Менеджер, a user of this CRM; a client contact "
        "needs the client's own address."
    )
    contact = contacts.create_contact(CONTACT, world.manager)
    with pytest.raises(OwnEmailRefused):
        contacts.update_contact(contact.id, {"work_email": "olga@shop.example"}, world.manager)
    i18n.set_language("it")
    with pytest.raises(OwnEmailRefused, match="è l'indirizzo di Ольга"):
        contacts.update_contact(contact.id, {"work_email": "olga@shop.example"}, world.manager)


def test_duplicate_is_refused_naming_the_existing_contact(world):
    existing = contacts.create_contact(CONTACT, world.manager)
    twin = {
        "last_name": "ИВАН", "first_name": "федоров", "middle_name": "петрович",  # order, case, ё
        "birth_date": dt.date(1985, 1, 1),
        "mobile_phone": "8 (916) 123 45 67",
        "private_email": "other@mail.example",
    }
    with pytest.raises(DuplicateContact) as refusal:
        contacts.create_contact(twin, world.other_manager)
    assert refusal.value.existing_id == existing.id
    assert refusal.value.matches[0].matched == ("name", "phone")
    assert refusal.value.message.startswith(
        "This contact duplicates Фёдоров Иван Петрович (same full name, phone)."
    )
    assert Contact.select().count() == 1
    assert [m.contact_id for m in contacts.find_duplicates(twin)] == [existing.id]
    # One matching field is not a duplicate.
    assert contacts.find_duplicates({**twin, "mobile_phone": "+7 903 000-00-00"}) == []


def test_not_a_duplicate_decision_is_recorded_and_respected(world):
    existing = contacts.create_contact(CONTACT, world.manager)
    namesake = {**CONTACT, "mobile_phone": "+7 903 111-22-33", "private_email": "ivan.f@yandex.example"}
    # Same name and birth date: a duplicate unless the user says otherwise.
    with pytest.raises(DuplicateContact):
        contacts.create_contact(namesake, world.manager)
    other = contacts.create_contact(namesake, world.manager, not_duplicate_of=[existing.id])
    assert DuplicateDismissal.select().count() == 1
    # Later edits of either contact no longer flag the pair.
    contacts.update_contact(
        other.id, {"position": "Инженер", "work_phone": "+7 495 123-45-67"}, world.manager
    )
    assert contacts.find_duplicates(contacts.contact_values(existing), exclude=existing.id) == []
    # A third look-alike is still caught.
    with pytest.raises(DuplicateContact):
        contacts.create_contact({**CONTACT, "private_email": "third@mail.example"}, world.manager)


def test_mark_not_duplicate_logs_both_timelines(world):
    a = contacts.create_contact(CONTACT, world.manager)
    b = Contact.create(last_name="Фёдоров", first_name="Иван", birth_date=CONTACT["birth_date"])  # imported
    found = contacts.find_duplicates(contacts.contact_values(b), exclude=b.id)
    assert [m.contact_id for m in found] == [a.id]
    contacts.mark_not_duplicate(a.id, b.id, world.manager)
    assert contacts.find_duplicates(contacts.contact_values(b), exclude=b.id) == []
    assert timeline.timeline(contact=a.id)[0].title == "Marked as not a duplicate of Фёдоров Иван"


def test_merge_moves_deals_leads_activities_and_logs_it(world):
    survivor = contacts.create_contact(CONTACT, world.manager)
    other = Contact.create(
        last_name="Федоров", first_name="Иван", mobile_phone="89161234567", work_phone="+7 495 765-43-21",
        position="Директор",
    )
    deal = deals.create_deal(
        {"title": "Книги", "contact": other.id, "product_group": world.books.id}, world.manager
    )
    lead = Lead.create(title="Заявка с сайта", contact=other.id)
    note = timeline.add_comment(world.manager, DETAILED, contact=other.id)
    result = contacts.merge_contacts(
        survivor.id, other.id, world.manager, values={"work_phone": "+7 495 765-43-21"}
    )
    assert result.moved["deals"] == 1 and result.moved["leads"] == 1
    assert Deal.get_by_id(deal.id).contact_id == survivor.id
    assert Lead.get_by_id(lead.id).contact_id == survivor.id
    assert Activity.get_by_id(note.id).contact_id == survivor.id
    merged = Contact.get_by_id(survivor.id)
    assert merged.work_phone_e164 == "+74957654321"
    assert merged.position == "Директор"  # the survivor's gap filled from the other
    assert merged.private_email == CONTACT["private_email"]
    assert Contact.get_by_id(other.id).deleted_at is not None
    assert timeline.timeline(contact=survivor.id)[0].title == "Contact Федоров Иван merged into this one"
    assert result.doubled_deals == []


def test_merge_reports_doubled_open_deals_instead_of_failing(world):
    a = contacts.create_contact(CONTACT, world.manager)
    b = Contact.create(last_name="Фёдоров", first_name="Иван", mobile_phone="+79161234567")
    d1 = deals.create_deal({"title": "A", "contact": a.id, "product_group": world.courses.id}, world.manager)
    d2 = deals.create_deal({"title": "B", "contact": b.id, "product_group": world.courses.id}, world.manager)
    result = contacts.merge_contacts(a.id, b.id, world.manager)
    by_creation = sorted([d1.id, d2.id], key=lambda i: Deal.get_by_id(i).created_at)
    assert result.doubled_deals == [(world.courses.id, by_creation)]
    with pytest.raises(ValidationError, match="cannot be merged with itself"):
        contacts.merge_contacts(a.id, a.id, world.manager)
