"""A custom field through an import (both engines): the header finds the field, each value is read
by the field's kind (a bad one rejects its row, naming the field), the list filters by what came
in, Undo takes the values back, and a document of an imported deal prints its field."""

from __future__ import annotations

import pytest

from desktop_crm.entities import Entity
from desktop_crm.models import CustomValue, Quote
from desktop_crm.services.billing import quotes, rendering
from desktop_crm.services.data.imports import engine, mapping
from desktop_crm.services.data.imports.engine import ImportRequest, OnDuplicate, Winner
from desktop_crm.services.data.imports.formats import Table
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.lists import ListFilter
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from tests.documents_fixtures import russian_seller
from tests.factories import make_pipeline, make_stages, make_user


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def any_db(any_db):
    make_user("Анна Админ")
    return any_db


def _run(entity, headers, rows, **options):
    suggested = mapping.suggest_mapping(entity, headers)
    request = ImportRequest(entity, Table(headers, rows, "csv"), suggested, **options)
    return suggested, engine.run_import(request)


def test_company_column_lands_in_a_custom_field_filters_and_undoes(any_db):
    sector = cf.define_field(Entity.COMPANIES, "Отрасль", "list", options=["Банки", "Ритейл"])
    since = cf.define_field(Entity.COMPANIES, "Клиент с", "date")
    assert sector.column in [f.name for f in mapping.import_fields("companies")]
    headers = ["Название", "ИНН", "Отрасль", "Клиент с"]
    suggested, report = _run("companies", headers, [
        ["ООО «Вектор»", "7707083893", "Банки", "01.02.2024"],
        ["ООО «Полюс»", "", "Нефть", ""],
        ["ООО «Ромашка»", "", "Ритейл", "31.02.2024"],
    ])
    assert suggested["Отрасль"] == sector.column and suggested["Клиент с"] == since.column
    assert report.created == 1 and len(report.rejected) == 2
    assert all("Отрасль" in " ".join(r.reasons) or "Клиент с" in " ".join(r.reasons)
               for r in report.rejected)
    flt = ListFilter(custom=((sector.column, "is", "Банки", ""),))
    assert [r.values[0] for r in lists.fetch_page("companies", flt, None, 0, 10)] == ["ООО «Вектор»"]
    engine.undo_import(report.batch_id)
    assert lists.count("companies", flt) == 0
    assert CustomValue.select().where(CustomValue.field == sector.id).count() == 0


def test_merging_keeps_a_value_unless_the_file_wins(any_db):
    sector = cf.define_field(Entity.COMPANIES, "Отрасль", "text")
    headers = ["Название", "ИНН", "Отрасль"]
    _run("companies", headers, [["ООО «Вектор»", "7707083893", "Банки"]])
    _s, kept = _run("companies", headers, [["ООО «Вектор»", "7707083893", "Ритейл"]],
                    on_duplicate=OnDuplicate.MERGE, winner=Winner.DATABASE)
    assert kept.merged == 1
    company_id = lists.fetch_page("companies", None, None, 0, 1)[0].id
    assert cv.values_by_key(Entity.COMPANIES, company_id)[sector.key] == "Банки"
    _s, won = _run("companies", headers, [["ООО «Вектор»", "7707083893", "Ритейл"]],
                   on_duplicate=OnDuplicate.MERGE, winner=Winner.FILE)
    assert cv.values_by_key(Entity.COMPANIES, company_id)[sector.key] == "Ритейл"
    engine.undo_import(won.batch_id)
    assert cv.values_by_key(Entity.COMPANIES, company_id)[sector.key] == "Банки"


def test_an_imported_deal_field_is_printed_by_its_document(any_db):
    russian_seller()
    make_stages(make_pipeline("Продажи"), ["Новая", "Переговоры"], won="Успех")
    budget = cf.define_field(Entity.DEALS, "Бюджет клиента", "money")
    _s, report = _run("deals", ["Название сделки", "Сумма", "Бюджет клиента"],
                      [["Внедрение CRM", "100000", "1 250 000,5"],
                       ["Обучение", "5000", "много"]], create_missing=True)
    assert report.created == 1 and "Бюджет клиента" in " ".join(report.rejected[0].reasons)
    deal_id = lists.fetch_page("deals", None, None, 0, 1)[0].id
    quote = Quote.get_by_id(quotes.create_from_deal(deal_id).id)
    context = rendering.context_for(quote)
    assert context["custom"][budget.key].replace("\xa0", " ").startswith("1 250 000,50")
