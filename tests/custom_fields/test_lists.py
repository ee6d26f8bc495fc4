"""Custom fields in lists: columns, filters by every kind, sort keys, export, saved filters (both
engines)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.entities import Entity
from desktop_crm.services.listing import lists, search
from desktop_crm.services.listing.export import export_list
from desktop_crm.services.listing.lists import ListFilter, Sort
from desktop_crm.services.sales import board
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from tests.factories import make_company, make_contact, make_deal, make_pipeline, make_stages


@pytest.fixture
def deals(any_db: object):
    pipeline = make_pipeline("Корпоративные продажи")
    stages = make_stages(pipeline, ["Квалификация", "Презентация"], won="Успех")
    anna = make_contact("Сидорова", "Анна")
    vector = make_company("ООО «Вектор»")
    fields = {
        "text": cf.define_field(Entity.DEALS, "Источник бюджета", "text"),
        "money": cf.define_field(Entity.DEALS, "Бюджет клиента", "money"),
        "number": cf.define_field(Entity.DEALS, "Рабочих мест", "number"),
        "date": cf.define_field(Entity.DEALS, "Решение до", "date"),
        "list": cf.define_field(Entity.DEALS, "Отрасль", "list", options=["Банки", "Ритейл"]),
        "multi": cf.define_field(Entity.DEALS, "Конкуренты", "multi_list",
                                 options=["Альфа", "Бета", "Гамма"]),
        "yes": cf.define_field(Entity.DEALS, "Есть тендер", "yes_no"),
        "contact": cf.define_field(Entity.DEALS, "ЛПР", "contact_link"),
        "company": cf.define_field(Entity.DEALS, "Партнёр", "company_link"),
    }
    values = {
        "Внедрение": {"text": "Собственные средства", "money": "350000.50", "number": "12",
                      "date": "2027-03-31", "list": "Банки", "multi": ["Альфа", "Гамма"],
                      "yes": True, "contact": anna.id, "company": vector.id},
        "Поставка": {"text": "кредит банка", "money": "90000", "number": "3.5",
                     "date": "2027-01-15", "list": "Ритейл", "multi": ["Бета"], "yes": False},
        "Сервис": {},
    }
    made = {}
    for title, given in values.items():
        deal = make_deal(title, stage=stages[0])
        cv.set_values(Entity.DEALS, deal.id, {fields[k].key: v for k, v in given.items()})
        made[title] = deal
    return fields, made


def _column(fields, name):
    return fields[name].column


def _titles(flt=None, sort=None):
    return [r.values[0] for r in lists.fetch_page("deals", flt, sort or Sort("title"), 0, 100)]


def test_every_field_is_an_optional_sortable_column_with_typed_values(deals):
    fields, _made = deals
    spec = lists.spec("deals")
    by_key = {c.key: c for c in spec.columns}
    for item in fields.values():
        column = by_key[item.column]
        assert column.title == item.label and column.sortable and not column.visible
    assert by_key[fields["money"].column].kind == "money"
    assert by_key[fields["money"].column].currency_column == "currency"
    rows = {r.values[0]: dict(zip([c.key for c in spec.columns], r.values, strict=True))
            for r in lists.fetch_page("deals", None, Sort("title"), 0, 10)}
    first = rows["Внедрение"]
    assert first[_column(fields, "text")] == "Собственные средства"
    assert first[_column(fields, "money")] == Decimal("350000.5")
    assert first[_column(fields, "number")] == Decimal("12")
    assert first[_column(fields, "date")] == dt.date(2027, 3, 31)
    assert first[_column(fields, "list")] == "Банки"
    assert first[_column(fields, "multi")] == "Альфа, Гамма"
    assert first[_column(fields, "yes")] is True
    assert first[_column(fields, "contact")] == "Сидорова Анна"
    assert first[_column(fields, "company")] == "ООО «Вектор»"
    assert rows["Поставка"][_column(fields, "yes")] is False
    assert all(rows["Сервис"][item.column] is None for item in fields.values())
    # the same values through the keys of a snapshot (deep jumps, exports)
    snapshot = lists.snapshot("deals", None, Sort("title"))
    again = lists.fetch_keys("deals", snapshot.keys)
    assert [r.values for r in again] == [r.values for r in lists.fetch_page(
        "deals", None, Sort("title"), 0, 10)]


def test_filters_by_each_kind(deals):
    fields, made = deals

    def only(name, operator, first="", second=""):
        flt = ListFilter(custom=((fields[name].column, operator, first, second),))
        assert lists.count("deals", flt) == len(_titles(flt))
        return _titles(flt)

    assert only("text", "contains", "СРЕДСТВА") in (["Внедрение"], [])  # ASCII case on SQLite
    assert only("text", "contains", "средства") == ["Внедрение"]
    assert only("text", "contains", "100%") == []
    assert only("money", "range", "100000", "") == ["Внедрение"]
    assert only("money", "range", "", "100000") == ["Поставка"]
    assert only("number", "range", "3", "4") == ["Поставка"]
    assert only("date", "range", "2027-01-01", "2027-02-01") == ["Поставка"]
    assert only("date", "range", "", "") == ["Внедрение", "Поставка"]
    assert only("list", "is", "Ритейл") == ["Поставка"]
    assert only("multi", "has", "Гамма") == ["Внедрение"]
    assert only("yes", "yes") == ["Внедрение"]
    assert only("yes", "no") == ["Поставка", "Сервис"]
    anna = cv.values_by_key(Entity.DEALS, made["Внедрение"].id)[fields["contact"].key]
    assert only("contact", "is", str(anna)) == ["Внедрение"]
    # two conditions narrow together; a condition on an unknown field or unreadable value is ignored
    both = ListFilter(custom=((fields["list"].column, "is", "Банки", ""),
                              (fields["yes"].column, "no", "", "")))
    assert _titles(both) == []
    stale = ListFilter(custom=(("cf_gone", "is", "x", ""), (fields["money"].column, "range",
                                                          "много", "")))
    assert lists.count("deals", stale) == 3


def test_sorting_by_a_custom_field(deals):
    fields, _made = deals
    by_money = _titles(sort=Sort(fields["money"].column))
    assert by_money.index("Поставка") < by_money.index("Внедрение")
    by_date_desc = _titles(sort=Sort(fields["date"].column, True))
    assert by_date_desc.index("Внедрение") < by_date_desc.index("Поставка")
    assert len(lists.snapshot("deals", None, Sort(fields["number"].column))) == 3


def test_saved_filter_keeps_custom_conditions(deals):
    fields, _made = deals
    flt = ListFilter(custom=((fields["list"].column, "is", "Банки", ""),))
    again = ListFilter.from_dict(flt.to_dict())
    assert again == flt
    assert ListFilter.from_dict({"custom": [["x", 1, None]]}).custom == ()


def test_archived_field_leaves_the_list_and_a_new_one_joins(deals):
    fields, _made = deals
    cf.remove_field(fields["text"].id)
    keys = [c.key for c in lists.spec("deals").columns]
    assert fields["text"].column not in keys
    added = cf.define_field(Entity.DEALS, "Регион", "text")
    assert added.column in [c.key for c in lists.spec("deals").columns]
    assert len(lists.fetch_page("deals", None, Sort("title"), 0, 10)) == 3


def test_export_carries_custom_columns(deals, tmp_path):
    fields, _made = deals
    target = tmp_path / "deals.csv"
    export_list("deals", None, Sort("title"), target, columns=["title", fields["money"].column,
                                                                fields["multi"].column])
    text = target.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines(), delimiter=";" if ";" in text else ","))
    assert rows[0][1:] == ["Бюджет клиента", "Конкуренты"]
    assert rows[1][0] == "Внедрение" and rows[1][2] == "Альфа, Гамма"
    assert rows[1][1].replace(",", ".") == "350000.5"


def test_global_search_finds_text_custom_values(deals):
    _fields, made = deals
    found = search.search("собственные")  # the value begins so, in another case
    assert [(g.entity, [h.id for h in g.hits]) for g in found] == [
        (Entity.DEALS, [str(made["Внедрение"].id)])]
    assert search.search("Кредит")[0].hits[0].title == "Поставка"
    assert search.search("Ритейл")[0].hits[0].title == "Поставка"  # a list value
    assert search.search("100%") == []


def test_the_board_filters_by_a_custom_field_too(deals):
    fields, made = deals
    flt = ListFilter(custom=((fields["list"].column, "is", "Банки", ""),))
    assert board.matches(made["Внедрение"].id, flt)
    assert not board.matches(made["Поставка"].id, flt)
    totals = board.column_totals(made["Внедрение"].pipeline_id, flt)
    assert sum(t.count for t in totals.values()) == 1
