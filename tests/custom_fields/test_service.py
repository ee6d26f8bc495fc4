"""Custom fields: defining, ordering, archiving, the preset, and values of every kind (both engines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError, PermissionDenied, ValidationError
from desktop_crm.models import CustomField, CustomValue, Preset, User
from desktop_crm.models.custom import value_id
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from desktop_crm.services.system import rights
from tests.factories import make_company, make_contact, make_deal, make_pipeline, make_stages


@pytest.fixture
def deal(any_db: object):
    pipeline = make_pipeline("Корпоративные продажи")
    stages = make_stages(pipeline, ["Квалификация", "Презентация"], won="Успех")
    return make_deal("Внедрение", stage=stages[0])


def test_fields_of_every_kind_keep_their_values(deal):
    contact = make_contact("Сидорова", "Анна")
    company = make_company("ООО «Вектор»")
    defined = {
        "text": cf.define_field(Entity.DEALS, "Источник бюджета", "text", block="Финансы"),
        "number": cf.define_field(Entity.DEALS, "Число рабочих мест", "number"),
        "money": cf.define_field(Entity.DEALS, "Бюджет клиента", "money", block="Финансы"),
        "date": cf.define_field(Entity.DEALS, "Решение до", "date"),
        "list": cf.define_field(Entity.DEALS, "Отрасль", "list", options=["Банки", "Ритейл"]),
        "multi": cf.define_field(Entity.DEALS, "Конкуренты", "multi_list",
                                 options=["Альфа", "Бета", "Гамма"]),
        "yes": cf.define_field(Entity.DEALS, "Есть тендер", "yes_no"),
        "contact": cf.define_field(Entity.DEALS, "ЛПР", "contact_link"),
        "company": cf.define_field(Entity.DEALS, "Партнёр", "company_link"),
    }
    assert defined["text"].key == "istochnik_biudzheta" and defined["text"].column.startswith("cf_")
    assert [f.key for f in cf.fields(Entity.DEALS)] == [d.key for d in defined.values()]
    cv.set_values(Entity.DEALS, deal.id, {
        defined["text"].key: "  собственные  средства ",
        "cf_" + defined["number"].key: "1 200,5",
        defined["money"].key: "350000.50",
        defined["date"].key: "31.03.2027",
        defined["list"].key: "Банки",
        defined["multi"].key: ["Гамма", "Альфа"],
        defined["yes"].key: True,
        defined["contact"].key: contact.id,
        defined["company"].key: str(company.id),
    })
    got = {v.key: v for v in cv.values_of(Entity.DEALS, deal.id)}
    assert got[defined["text"].key].value == "собственные средства"
    assert got[defined["number"].key].value == Decimal("1200.5")
    assert got[defined["money"].key].value == Decimal("350000.50")
    assert got[defined["date"].key].value == dt.date(2027, 3, 31)
    assert got[defined["list"].key].value == "Банки"
    assert got[defined["multi"].key].value == ("Альфа", "Гамма")  # in the order of the choices
    assert got[defined["yes"].key].value is True
    assert got[defined["contact"].key].value == contact.id
    assert got[defined["contact"].key].link_name == "Сидорова Анна"
    assert got[defined["company"].key].link_name == "ООО «Вектор»"
    shown = cv.formatted_values(Entity.DEALS, deal.id, "ru", currency="RUB")
    assert shown[defined["money"].key].replace("\xa0", " ") == "350 000,50 ₽"
    assert shown[defined["yes"].key] == "Да" and shown[defined["multi"].key] == "Альфа, Гамма"
    assert cv.formatted_values(Entity.DEALS, deal.id, "it")[defined["yes"].key] == "Sì"
    # one row per field and record, its id derived from both
    assert CustomValue.get_by_id(value_id(defined["list"].id, deal.id)).text_value == "Банки"
    cv.set_values(Entity.DEALS, deal.id, {defined["list"].key: "", defined["multi"].key: []})
    got = {v.key: v.value for v in cv.values_of(Entity.DEALS, deal.id)}
    assert got[defined["list"].key] is None and got[defined["multi"].key] is None
    assert CustomValue.select().count() == 9  # cleared rows stay (their columns empty)


def test_a_bad_value_is_refused_naming_the_field_and_nothing_is_written(deal):
    budget = cf.define_field(Entity.DEALS, "Бюджет клиента", "money")
    sector = cf.define_field(Entity.DEALS, "Отрасль", "list", options=["Банки"])
    with pytest.raises(ValidationError, match="Отрасль") as refused:
        cv.set_values(Entity.DEALS, deal.id, {budget.key: "100", sector.key: "Нефть"})
    assert refused.value.field == sector.column
    assert CustomValue.select().count() == 0
    with pytest.raises(ValidationError, match="Бюджет клиента"):
        cv.set_values(Entity.DEALS, deal.id, {budget.key: "сто"})
    with pytest.raises(ValidationError):
        cv.set_values(Entity.DEALS, deal.id, {"no_such_field": "1"})
    assert CustomValue.select().count() == 0


def test_order_blocks_rename_and_archive(deal):
    first = cf.define_field(Entity.CONTACTS, "Хобби", "text", block="Личное")
    second = cf.define_field(Entity.CONTACTS, "Размер одежды", "list", options=["S", "M"])
    cf.move_field(second.id, -1)
    assert [f.id for f in cf.fields(Entity.CONTACTS)] == [second.id, first.id]
    assert cf.blocks(Entity.CONTACTS) == ["", "Личное"]
    renamed = cf.update_field(first.id, label="Увлечения", block="О человеке")
    assert renamed.key == first.key and renamed.label == "Увлечения"
    contact = make_contact()
    cv.set_values(Entity.CONTACTS, contact.id, {first.key: "рыбалка"})
    assert cf.remove_field(first.id) is True  # has a value: archived, kept
    assert [f.id for f in cf.fields(Entity.CONTACTS)] == [second.id]
    assert cf.fields(Entity.CONTACTS, archived=True)[-1].archived
    assert cf.remove_field(second.id) is False  # no value: removed
    assert CustomField.get_by_id(second.id).deleted_at is not None
    assert cf.restore_field(first.id).archived is False
    with pytest.raises(ValidationError, match="still chosen"):
        size = cf.define_field(Entity.CONTACTS, "Размер", "list", options=["S", "M"])
        cv.set_values(Entity.CONTACTS, contact.id, {size.key: "M"})
        cf.update_field(size.id, options=["S"])
    again = cf.define_field(Entity.CONTACTS, "Увлечения", "text")
    assert again.key == "uvlecheniia"  # not the first field's key, which stays its own
    assert first.key == "khobbi"


def test_the_sales_preset_is_translated_and_belongs_to_its_pipeline(deal):
    other = make_pipeline("Розница", is_default=False)
    made = cf.add_sales_preset(deal.pipeline_id)
    assert [f.key for f in made] == ["budget", "authority", "need", "timeframe",
                                     "decision_maker", "competitors"]
    again = cf.add_sales_preset(deal.pipeline_id)
    assert [f.id for f in again] == [f.id for f in made]  # the same fields, not new ones
    assert CustomField.select().count() == 6
    assert [f.key for f in cf.fields(Entity.DEALS, pipeline_id=other.id)] == []
    from desktop_crm.i18n import set_language

    set_language("ru")
    assert cf.field(made[0].id).label == "Бюджет" and cf.field(made[0].id).block_label == "BANT"
    set_language("it")
    assert cf.field(made[0].id).label == "Budget"
    assert cf.field(made[-1].id).block_label == "Concorrenti"
    set_language("en")
    competitors = cf.update_field(made[-1].id, options=["SAP", "1С"])
    cv.set_values(Entity.DEALS, deal.id, {"budget": "1000000", "competitors": "SAP; 1С"})
    assert cv.values_by_key(Entity.DEALS, deal.id)["competitors"] == ("SAP", "1С")
    assert competitors.options == ("SAP", "1С")
    other_deal = make_deal("Касса", stage=make_stages(other, ["Новая"])[0])
    with pytest.raises(ValidationError):
        cv.set_values(Entity.DEALS, other_deal.id, {"budget": "5"})


def test_only_who_may_change_settings_defines_fields(deal):
    manager = User.create(name="Иван", login="ivan", access_role=PRESET_IDS[Preset.MANAGER])
    with rights.acting(rights.load_actor(manager.id)), pytest.raises(PermissionDenied):
        cf.define_field(Entity.DEALS, "Поле", "text")
    with pytest.raises(CrmError):
        cf.define_field(Entity.DEALS, "Поле", "list", options=[])
    with pytest.raises(ValidationError):
        cf.define_field("activities", "Поле", "text")


def test_a_contact_merge_carries_the_values_and_its_undo_takes_them_back(deal):
    from desktop_crm.services.sales import merge

    hobby = cf.define_field(Entity.CONTACTS, "Хобби", "text")
    size = cf.define_field(Entity.CONTACTS, "Размер", "text")
    kept, merged = make_contact("Иванов"), make_contact("Иванов", "Иван")
    cv.set_values(Entity.CONTACTS, kept.id, {hobby.key: "шахматы"})
    cv.set_values(Entity.CONTACTS, merged.id, {hobby.key: "футбол", size.key: "L"})
    user = User.create(name="Ольга")
    result = merge.merge(kept.id, merged.id, user.id, {})
    assert cv.values_by_key(Entity.CONTACTS, kept.id) == {hobby.key: "шахматы", size.key: "L"}
    merge.undo_merge(result.log_id, user.id)
    assert cv.values_by_key(Entity.CONTACTS, kept.id) == {hobby.key: "шахматы", size.key: None}
    assert cv.values_by_key(Entity.CONTACTS, merged.id) == {hobby.key: "футбол", size.key: "L"}
