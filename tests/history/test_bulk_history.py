"""Bulk changes (one UPDATE for a whole selection, no saves) are field history too: one entry per
changed record with its value before, all of them one moment of the person who acted."""

from __future__ import annotations

from typing import Any

from desktop_crm.models import Activity, ActivityKind, Contact, Deal, FieldChange, Lead, LeadStatus
from desktop_crm.services.sales import bulk, contacts, deals, leads, timeline
from desktop_crm.services.system import history, rights


def _latest(entity: str, row_id: Any) -> tuple[Any, list[tuple[str, str, str, str]]]:
    moment = history.record_history(entity, row_id).moments[0]
    return moment, [(e.kind, e.label, e.old_text, e.new_text) for e in moment.entries]


def _deal(shop: dict[str, Any], title: str, responsible: Any) -> Any:
    return deals.create_deal({"title": title, "pipeline": shop["pipeline"].id,
                              "responsible": responsible.id}, shop["admin"].id)


def _actions(ids: list[Any], **condition: str) -> set[Any]:
    query = FieldChange.select(FieldChange.action).where(FieldChange.row_id.in_(ids))
    for name, value in condition.items():
        query = query.where(getattr(FieldChange, name) == value)
    return {row.action for row in query}


def test_a_bulk_responsible_change_is_one_moment_with_each_deals_old_value(shop):
    admin, manager, other = shop["admin"], shop["manager"], shop["other"]
    first, second = _deal(shop, "Первая", admin), _deal(shop, "Вторая", other)
    already = _deal(shop, "Уже его", manager)
    ids = [first.id, second.id, already.id]
    previous = bulk.assign_responsible("deals", ids, manager.id)
    moment, entries = _latest("deal", first.id)
    assert moment.user_name == "Ольга Админ" and moment.device_name
    assert entries == [("changed", "Responsible", "Ольга Админ", "Дмитрий Менеджер")]
    assert _latest("deal", second.id)[1] == [
        ("changed", "Responsible", "Марко Менеджер", "Дмитрий Менеджер")]
    assert _latest("deal", already.id)[1] == [("created", "Created", "", "")]  # unchanged: nothing
    assert len(_actions(ids, field="responsible")) == 1  # one user action, one moment

    bulk.restore_responsible("deals", previous)  # the undo is a change of its own
    assert _latest("deal", second.id)[1] == [
        ("changed", "Responsible", "Дмитрий Менеджер", "Марко Менеджер")]
    assert len(_actions(ids, field="responsible")) == 2
    raw = FieldChange.get(FieldChange.row_id == first.id, FieldChange.field == "responsible",
                          FieldChange.old_value == str(admin.id))
    assert raw.new_value == str(manager.id) and raw.user_id == admin.id


def test_a_bulk_delete_and_restore_show_as_deleted_and_restored(shop):
    admin = shop["admin"]
    kept, gone = _deal(shop, "Первая", admin), _deal(shop, "Вторая", admin)
    contact = Contact.create(last_name="Петров", first_name="Пётр")
    assert set(bulk.soft_delete("deals", [kept.id, gone.id])) == {str(kept.id), str(gone.id)}
    assert _latest("deal", kept.id)[1] == [("deleted", "Deleted", "", "")]
    assert len(_actions([kept.id, gone.id], kind="deleted")) == 1
    bulk.restore("deals", [kept.id, gone.id])
    moment, entries = _latest("deal", gone.id)
    assert entries == [("restored", "Restored", "", "")] and moment.user_name == "Ольга Админ"
    assert len(_actions([kept.id, gone.id], kind="restored")) == 1
    bulk.restore("deals", [kept.id])  # not deleted: nothing to record
    assert FieldChange.select().where(FieldChange.row_id == kept.id).count() == 3
    bulk.soft_delete("contacts", [contact.id])
    assert _latest("contact", contact.id)[1] == [("deleted", "Deleted", "", "")]


def test_a_bulk_stage_change_is_one_moment_though_each_deal_moves_alone(shop):
    admin = shop["admin"]
    new, offer = shop["stages"][0], shop["stages"][1]
    moved = [_deal(shop, f"Сделка {n}", admin).id for n in range(3)]
    outcome = bulk.change_stage(moved, offer.id, admin.id)
    assert len(outcome.moved) == 3
    assert ("changed", "Stage", new.name, offer.name) in _latest("deal", moved[0])[1]
    assert len(_actions(moved, field="stage")) == 1
    bulk.undo_stage_change(outcome, admin.id)
    assert ("changed", "Stage", offer.name, new.name) in _latest("deal", moved[2])[1]
    assert len(_actions(moved, field="stage")) == 2


def test_a_bulk_change_of_many_records_writes_every_entry(shop):
    """More than a statement's worth of rows (the update goes 500 ids at a time)."""
    admin, manager = shop["admin"], shop["manager"]
    stage = shop["stages"][0]
    with rights.acting(rights.administrator()):  # made without history, as an import would
        Deal.insert_many([{"title": f"Сделка {n}", "pipeline": shop["pipeline"].id,
                           "stage": stage.id, "responsible": admin.id, "currency": "RUB"}
                          for n in range(1100)]).execute()
    ids = [row.id for row in Deal.select(Deal.id)]
    bulk.assign_responsible("deals", ids, manager.id)
    changes = FieldChange.select().where(FieldChange.field == "responsible")
    assert changes.count() == 1100
    assert {(c.old_value, c.new_value) for c in changes} == {(str(admin.id), str(manager.id))}
    assert len({c.action for c in changes}) == 1


def test_merging_contacts_and_converting_a_lead_record_the_moved_links(shop):
    admin = shop["admin"]
    survivor = Contact.create(last_name="Петров", first_name="Пётр")
    twin = Contact.create(last_name="Петров", first_name="Петя")
    deal = deals.create_deal({"title": "Поставка", "pipeline": shop["pipeline"].id,
                              "contact": twin.id}, admin.id)
    contacts.merge_contacts(survivor.id, twin.id, admin.id)
    assert ("changed", "Contact", "Петров Петя", "Петров Пётр") in _latest("deal", deal.id)[1]

    lead = leads.create_lead({"title": "Заявка", "last_name": "Сидоров", "first_name": "Иван",
                              "mobile_phone": "+7 916 123-45-67", "birth_date": "1990-03-14",
                              "private_email": "ivan.sidorov@mail.example"}, admin.id)
    timeline.log_interaction(admin.id, ActivityKind.CALL,
                             "Клиент подтвердил заказ трёх станков и просил счёт до пятницы",
                             True, lead=lead.id)
    assert Lead.get_by_id(lead.id).status == LeadStatus.IN_PROGRESS
    assert ("changed", "Status", "New", "In progress") in _latest("lead", lead.id)[1]
    call = Activity.get(Activity.lead == lead.id)
    leads.convert_lead(lead.id, admin.id)
    labels = {e[1] for e in _latest("activity", call.id)[1]}
    assert {"Contact", "Deal"} <= labels
