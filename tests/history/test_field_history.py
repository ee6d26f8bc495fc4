"""Field history: every kind of field recorded with who, when, where, old and new value; read back
newest first, grouped, filtered and windowed; seen only by whom the rights allow; never edited."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from desktop_crm import i18n
from desktop_crm.errors import PermissionDenied
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Contact,
    Deal,
    FieldChange,
    Lead,
    LeadStatus,
    Product,
    Stage,
)
from desktop_crm.services.sales import deals, leads, photos, stages
from desktop_crm.services.system import custom_fields, custom_values, history, rights


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


def _entries(entity: str, row_id: Any, **kwargs: Any) -> list[tuple[str, str, str, str]]:
    page = history.record_history(entity, row_id, **kwargs)
    return [(e.kind, e.label, e.old_text, e.new_text) for m in page.moments for e in m.entries]


def _raw(row_id: Any) -> list[tuple[str, str, str | None, str | None]]:
    return [(r.kind, r.field, r.old_value, r.new_value) for r in
            FieldChange.select().where(FieldChange.row_id == row_id).order_by(FieldChange.created_at)]


def test_history_entries_for_each_kind_of_field(shop):
    admin, manager = shop["admin"], shop["manager"]
    new, offer = shop["stages"][0], shop["stages"][1]
    info = deals.create_deal({"title": "Поставка", "pipeline": shop["pipeline"].id,
                              "currency": "RUB"}, admin.id)
    deals.update_deal(info.id, {
        "title": "Поставка станков",  # text
        "responsible": manager.id,  # a reference to a user
        "probability": "40",  # a percentage
        "expected_close_date": "2026-12-31",  # a date
        "comment": "Первая строка\nвторая",  # a long text
    }, admin.id)
    line = deals.add_line(info.id, {"name": "Станок", "price": "1000", "quantity": "2"}, admin.id)
    deals.update_line(line.id, {"price": "1250.50"}, admin.id)  # money, on a line
    stages.move_deal(info.id, offer.id, admin.id)  # a reference to a stage
    deals.remove_line(line.id, admin.id)
    Deal.get_by_id(info.id).soft_delete()
    Deal.update(deleted_at=None).where(Deal.id == info.id).execute()  # not through save: unrecorded
    shown = _entries("deal", info.id)
    assert ("changed", "Title", "Поставка", "Поставка станков") in shown
    assert ("changed", "Responsible", "Ольга Админ", "Дмитрий Менеджер") in shown
    assert ("changed", "Probability", "0.00 %", "40.00 %") in shown
    assert ("changed", "Expected close date", "", "12/31/26") in shown
    assert ("changed", "Comment", "", "Первая строка\nвторая") in shown
    assert ("created", "Line “Станок” added", "", "") in shown
    assert ("changed", "Line “Станок”: price", "RUB1,000.00", "RUB1,250.50") in shown
    assert ("changed", "Stage", new.name, offer.name) in shown
    assert ("changed", "Amount", "RUB2,000.00", "RUB2,501.00") in shown
    assert ("deleted", "Line “Станок” removed", "", "") in shown
    assert shown[0] == ("deleted", "Deleted", "", "")  # newest first
    assert shown[-1] == ("created", "Created", "", "")
    raw = _raw(info.id)
    # raw values: the service formats them
    assert ("changed", "responsible", str(admin.id), str(manager.id)) in raw
    assert ("changed", "amount", "2000.00", "2501.00") in raw

    lead = leads.create_lead({"title": "Заявка с сайта", "last_name": "Иванов",
                              "birth_date": "1980-05-01"}, admin.id)
    leads.update_lead(lead.id, {"birth_date": "1980-05-02"}, admin.id)
    row = Lead.get_by_id(lead.id)
    row.status = LeadStatus.IN_PROGRESS  # an enumeration
    row.save()
    assert ("changed", "Status", "New", "In progress") in _entries("lead", lead.id)
    assert ("changed", "Birth date", "5/1/80", "5/2/80") in _entries("lead", lead.id)

    product = Product.create(name="Курс", price=Decimal("100.00"), currency="EUR")
    product.active = False  # a yes/no field
    product.vat_rate = Decimal("10")
    product.save()
    assert ("changed", "Active", "Yes", "No") in _entries("product", product.id)
    assert ("changed", "Vat rate", "0.00 %", "10.00 %") not in _entries("product", product.id)
    assert ("changed", "VAT rate", "0.00 %", "10.00 %") in _entries("product", product.id)

    contact = Contact.create(last_name="Петров", first_name="Пётр")
    photos.set_contact_photo(contact.id, _png())  # an image
    assert ("changed", "Photo", "", "(image)") in _entries("contact", contact.id)
    task = Activity.create(kind=ActivityKind.TASK, subject="Позвонить", contact=contact,
                           status=ActivityStatus.PLANNED, due_at=dt.datetime(2026, 3, 1, 9, 0))
    task.due_at = dt.datetime(2026, 3, 2, 9, 30)  # a moment
    task.status = ActivityStatus.DONE
    task.save()
    changed = {e[1] for e in _entries("activity", task.id)}
    assert {"Due date", "Status", "Created"} <= changed


def test_who_when_where_and_one_moment_per_action(shop):
    admin = shop["admin"]
    info = deals.create_deal({"title": "Поставка", "pipeline": shop["pipeline"].id}, admin.id)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    deals.update_deal(info.id, {"title": "Поставка 2", "probability": "50"}, admin.id)
    page = history.record_history("deal", info.id)
    latest = page.moments[0]
    assert latest.user_name == "Ольга Админ" and latest.device_name
    assert latest.at >= before - dt.timedelta(seconds=1)
    assert {e.label for e in latest.entries} == {"Title", "Probability"}  # saved together
    assert FieldChange.select().where(FieldChange.row_id == info.id,
                                      FieldChange.device_id.is_null(False)).count() == 0
    assert {r.user_id for r in FieldChange.select().where(FieldChange.row_id == info.id)} == {admin.id}


def test_nothing_is_recorded_without_a_signed_in_user(shop):
    with rights.acting(rights.administrator()):  # the tests' built-in administrator: no user
        info = deals.create_deal({"title": "Поставка", "pipeline": shop["pipeline"].id},
                                 shop["admin"].id)
        deals.update_deal(info.id, {"title": "Поставка 2"}, shop["admin"].id)
    assert FieldChange.select().where(FieldChange.row_id == info.id).count() == 0


def test_a_value_saved_unchanged_records_nothing(shop):
    admin = shop["admin"]
    info = deals.create_deal({"title": "Поставка", "pipeline": shop["pipeline"].id}, admin.id)
    deals.update_deal(info.id, {"title": "Поставка"}, admin.id)
    assert [e[0] for e in _entries("deal", info.id)] == ["created"]


def test_a_long_history_comes_a_window_at_a_time_and_by_field(shop):
    admin = shop["admin"]
    info = deals.create_deal({"title": "Поставка 0", "pipeline": shop["pipeline"].id}, admin.id)
    for number in range(1, 8):
        deals.update_deal(info.id, {"title": f"Поставка {number}", "probability": str(number)},
                          admin.id)
    first = history.record_history("deal", info.id, limit=5)
    assert first.total == 15 and first.shown == 5 and first.has_more
    assert first.moments[0].entries[0].new_text in ("Поставка 7", "7.00 %")
    rest = history.record_history("deal", info.id, offset=5, limit=100)
    assert rest.shown == 10 and not rest.has_more
    assert ("probability", "Probability") in first.fields and ("title", "Title") in first.fields
    titles = history.record_history("deal", info.id, field="title")
    assert titles.total == 7
    assert [e.new_text for m in titles.moments for e in m.entries][:2] == ["Поставка 7", "Поставка 6"]


def test_a_manager_sees_the_history_of_what_they_may_see(shop):
    admin, manager, other = shop["admin"], shop["manager"], shop["other"]
    mine = deals.create_deal({"title": "Моя", "pipeline": shop["pipeline"].id,
                              "responsible": manager.id}, admin.id)
    theirs = deals.create_deal({"title": "Чужая", "pipeline": shop["pipeline"].id,
                                "responsible": other.id}, admin.id)
    with rights.acting(rights.load_actor(manager.id)):
        assert history.may_see_history()
        assert history.record_history("deal", mine.id).total == 1
        with pytest.raises(PermissionDenied):
            history.record_history("deal", theirs.id)
        with pytest.raises(PermissionDenied):  # only who manages users sets it
            history.set_visibility(history.USER_MANAGERS)
    history.set_visibility(history.USER_MANAGERS)
    with rights.acting(rights.load_actor(manager.id)):
        assert not history.may_see_history()
        with pytest.raises(PermissionDenied):
            history.record_history("deal", mine.id)
    assert history.record_history("deal", mine.id).total == 1  # the administrator still does


def test_history_is_shown_in_the_users_language(shop):
    admin = shop["admin"]
    info = deals.create_deal({"title": "Поставка", "pipeline": shop["pipeline"].id,
                              "currency": "RUB"}, admin.id)
    deals.update_deal(info.id, {"probability": "40", "expected_close_date": "2026-12-31"}, admin.id)
    i18n.set_language("ru")
    try:
        labels = {e[1]: e[3] for e in _entries("deal", info.id)}
    finally:
        i18n.set_language("en")
    assert labels["Вероятность"] == "40,00 %"
    assert labels["Ожидаемая дата закрытия"] == "31.12.2026"
    assert Stage.select().count() == 4


def test_custom_field_values_are_changes_of_their_record(shop):
    admin = shop["admin"]
    budget = custom_fields.define_field("deals", "Бюджет", "money")
    decided = custom_fields.define_field("deals", "Решение принято", "yes_no")
    rivals = custom_fields.define_field("deals", "Конкуренты", "multi_list", options=["Битрикс24", "amoCRM"])
    info = deals.create_deal({"title": "Поставка", "pipeline": shop["pipeline"].id}, admin.id)
    custom_values.set_values("deals", info.id, {budget.key: "150000", rivals.key: ["amoCRM"]})
    custom_values.set_values("deals", info.id, {budget.key: "180000.50", decided.key: True,
                                                rivals.key: ["Битрикс24", "amoCRM"]})
    changes = [e for e in _entries("deal", info.id) if e[0] == "changed"]
    assert ("changed", "Бюджет", "150,000.00", "180,000.50") in changes
    assert ("changed", "Решение принято", "", "Yes") in changes
    assert ("changed", "Конкуренты", "amoCRM", "Битрикс24, amoCRM") in changes
    assert ("changed", "Бюджет", "", "150,000.00") in changes  # the first value: from nothing
