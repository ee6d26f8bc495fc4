"""Sorting a list by a custom field reads the field's value index in two parts (records holding a
value, records without one); on random data its blocks and id snapshot equal a straightforward
``ORDER BY`` of the value lookup — ascending and descending, records without a value, ties, a
filter and a manager's scope — on both engines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_crm.entities import Entity
from desktop_crm.models import CustomValue, Deal, Preset, User, dialect
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.list_query import order, where
from desktop_crm.services.listing.list_specs import source
from desktop_crm.services.listing.lists import ListFilter, Sort
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from desktop_crm.services.system import rights, session
from tests.factories import make_deal, make_pipeline, make_stages

KINDS = ("text", "number", "date")


def _value(kind: str, number: int) -> Any:
    if kind == "text":
        return ["альфа", "Бета", "бета", "гамма", "10", "9"][number % 6]
    if kind == "number":
        return str(number * 7 % 5 - 2)
    return (dt.date(2027, 1, 1) + dt.timedelta(days=number % 4)).isoformat()


@pytest.fixture
def setting(any_db: object) -> dict[str, Any]:
    pipeline = make_pipeline("Продажи")
    stages = make_stages(pipeline, ["Новая", "КП"], won="Успех")
    manager = User.create(name="Дмитрий Менеджер", login="dmitry",
                          access_role=PRESET_IDS[Preset.MANAGER])
    other = User.create(name="Марко Менеджер", login="marco", access_role=PRESET_IDS[Preset.MANAGER])
    fields = {kind: cf.define_field(Entity.DEALS, f"Поле {kind}", kind) for kind in KINDS}
    return {"stages": stages, "users": [None, manager, other], "fields": fields,
            "manager": manager}


def _expected(flt: ListFilter, sort: Sort, user_id: str | None) -> list[Any]:
    """The keys by ``ORDER BY`` the value lookup itself (every row's value, then sorted)."""
    src = source(Entity.DEALS)
    query = (src.model.select(dialect.row_key(src.model)).where(*where(src, flt, user_id))
             .order_by(*order(src, sort)))
    return [dialect.same_key(r[0]) for r in dialect.tuples(query)]


def _in_blocks(flt: ListFilter, sort: Sort, user_id: str | None, size: int, total: int) -> list[Any]:
    keys = []
    for offset in range(0, total + size, size):
        keys.extend(dialect.same_key(r.key) for r in
                    lists.fetch_page(Entity.DEALS, flt, sort, offset, size, user_id))
    return keys


deal_data = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2),
                               st.one_of(st.none(), st.integers(0, 40)), st.booleans()),
                     min_size=0, max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=deal_data, kind=st.sampled_from(KINDS), descending=st.booleans(),
       filtered=st.booleans(), scoped=st.booleans(), size=st.integers(1, 5))
def test_sorting_by_a_value_equals_ordering_by_the_lookup(setting, data, kind, descending,
                                                          filtered, scoped, size):
    field = setting["fields"][kind]
    made = []
    try:
        for number, (stage, user, value, cleared) in enumerate(data):
            deal = make_deal(f"Сделка {number % 3}", stage=setting["stages"][stage],
                             responsible=setting["users"][user])
            made.append(deal.id)
            if value is not None:
                cv.set_values(Entity.DEALS, deal.id, {field.key: _value(kind, value)})
                if cleared:  # a value set once and emptied again
                    cv.set_values(Entity.DEALS, deal.id, {field.key: ""})
        if scoped:
            session.sign_in(setting["manager"].id)
        flt = ListFilter(stages=(str(setting["stages"][0].id),)) if filtered else ListFilter()
        sort = Sort(field.column, descending)
        user_id = str(setting["manager"].id) if scoped else None
        expected = _expected(flt, sort, user_id)
        snapshot = lists.snapshot(Entity.DEALS, flt, sort, user_id)
        assert [dialect.same_key(k) for k in snapshot.keys] == expected
        assert _in_blocks(flt, sort, user_id, size, len(expected)) == expected
        middle = len(expected) // 2
        assert [dialect.same_key(r.key) for r in lists.fetch_page(
            Entity.DEALS, flt, sort, middle, len(expected), user_id)] == expected[middle:]
    finally:
        rights.act_as(rights.administrator())
        CustomValue.delete().execute()
        Deal.delete().where(Deal.id.in_(made)).execute()


def test_records_without_a_value_are_placed_where_the_engine_puts_nulls(setting):
    """As a built-in nullable column: first ascending on SQLite, last on PostgreSQL."""
    field = setting["fields"]["number"]
    for title, value in (("Без значения", None), ("Два", "2"), ("Один", "1")):
        deal = make_deal(title, stage=setting["stages"][0])
        if value is not None:
            cv.set_values(Entity.DEALS, deal.id, {field.key: value})
    title = lists.spec(Entity.DEALS).column_index("title")

    def titles(descending: bool) -> list[str]:
        return [r.values[title] for r in
                lists.fetch_page(Entity.DEALS, None, Sort(field.column, descending), 0, 10)]

    by_value = ["Один", "Два"]
    if dialect.is_sqlite():
        assert titles(False) == ["Без значения", *by_value]
        assert titles(True) == [*reversed(by_value), "Без значения"]
    else:
        assert titles(False) == [*by_value, "Без значения"]
        assert titles(True) == ["Без значения", *reversed(by_value)]
