"""Importing companies (duplicates by ИНН/P.IVA, or name and phone), leads, products and deals with
product lines (rows grouped by a deal key), each through its card's rules; and undoing each."""

from __future__ import annotations

from decimal import Decimal

from desktop_crm.models import Company, Deal, DealLine, Lead, Pipeline, Product, ProductGroup, Stage
from desktop_crm.services.data.imports import engine, formats, mapping
from desktop_crm.services.data.imports.engine import ImportRequest, OnDuplicate
from desktop_crm.services.data.imports.formats import Table
from tests.factories import make_company
from tests.imports.conftest import snapshot, write


def run(entity, headers, rows, **options):
    request = ImportRequest(entity, Table(headers, rows, "csv"),
                            mapping.suggest_mapping(entity, headers), **options)
    return engine.run_import(request)


def test_companies_by_inn_partita_iva_or_name_and_phone(world):
    make_company("ООО «Ромашка»", inn="7707083893", phone="+7 495 111-22-33")
    make_company("Rossi S.r.l.", vat_number="01234567897", country="IT")
    make_company("ООО «Лютик»", phone="+7 495 222-33-44")
    before = snapshot()
    headers = ["Название", "ИНН", "Partita IVA", "Телефон", "Комментарий"]
    rows = [
        ["Ромашка", "7707083893", "", "", "тот же ИНН"],
        ["Rossi", "", "IT01234567897", "", "stessa P.IVA"],
        ["ооо «лютик»", "", "", "8 (495) 222-33-44", "то же имя и телефон"],
        ["ООО «Лютик»", "", "", "+7 495 999-99-99", "то же имя, другой телефон"],
        ["ООО «Новая»", "7736207543", "", "", ""],
        ["Новая", "7736207543", "", "", "повтор строки 6"],
        ["ООО «Ошибка»", "1234567890", "", "", ""],  # a wrong ИНН check digit
    ]
    report = run("companies", headers, rows)
    assert (report.created, report.skipped) == (2, 4)
    assert [s[0] for s in report.skipped_rows] == [2, 3, 4, 7]
    assert [r.row for r in report.rejected] == [8]
    assert "ИНН" in report.rejected[0].reasons[0] or "INN" in report.rejected[0].reasons[0]
    merged = run("companies", headers, rows[:1], on_duplicate=OnDuplicate.MERGE)
    assert merged.merged == 1
    assert Company.get(Company.inn == "7707083893").comment == "тот же ИНН"
    engine.undo_import(merged.batch_id)
    engine.undo_import(report.batch_id)
    assert snapshot() == before


def test_leads_and_products(world):
    before = snapshot()
    leads = run("leads", ["Название лида", "Фамилия", "Имя", "Телефон", "Компания", "Источник"], [
        ["Заявка с сайта", "Иванов", "Иван", "+7 916 111-11-11", "ООО «Ромашка»", "сайт"],
        ["", "Иванов", "Иван", "+7 916 111-11-11", "", "повтор"],
        ["", "", "", "", "", ""],
    ])
    assert (leads.created, leads.skipped) == (1, 1)
    assert leads.rejected[0].reasons == (
        "Give the lead a title, a name, a company, a phone or an e-mail.",)
    assert Lead.get().company_name == "ООО «Ромашка»"

    products = run("products", ["Nome", "Codice articolo", "Prezzo", "Aliquota IVA", "Gruppo"], [
        ["Corso «Vendite»", "CV-1", "1.200,50", "22", "курсы"],  # the group by its name
        ["Corso «Vendite» bis", "CV-1", "999", "22", "Курсы"],  # the same SKU: a duplicate
        ["Libro", "LB-1", "abc", "22", ""],
        ["Libro", "LB-2", "10", "22", "Libri"],  # no such group and none created
    ])
    assert (products.created, products.skipped) == (1, 1), products.rejected
    assert [r.row for r in products.rejected] == [4, 5]
    assert "There is no product group “Libri”." in products.rejected[1].reasons
    product = Product.get(Product.sku == "CV-1")
    assert (product.price, product.group_id) == (Decimal("1200.50"), world.courses.id)
    engine.undo_import(products.batch_id)
    engine.undo_import(leads.batch_id)
    assert snapshot() == before


DEALS = (
    "Номер сделки;Название сделки;Воронка;Стадия;Контакт;Товар;Артикул;Количество;Цена;Скидка\n"
    "D-1;Обучение отдела;Корпоративные продажи;Презентация;+7 916 000-00-01;Курс «Продажи»;;2;19990;10\n"
    "D-2;Книги для офиса;Розница;Новая стадия;;Книга;;3;500;\n"
    "D-1;;;;;Тренинг;;1;5000;\n"
    "D-3;Сломанная;;;;Книга;;много;500;\n"
    "D-3;;;;;Книга;;1;500;\n"
)


def test_deals_with_product_lines_grouped_by_key(world, tmp_path):
    from tests.factories import make_contact

    make_contact("Клиентов", "Клиент", mobile_phone="+7 916 000-00-01",
                 mobile_phone_e164="+79160000001")
    before = snapshot()
    table = formats.read_table(write(tmp_path / "сделки.csv", DEALS, "cp1251"))
    columns = mapping.suggest_mapping("deals", table.headers)
    assert columns["Номер сделки"] == "deal_key" and columns["Скидка"] == "line_discount"
    without = engine.run_import(ImportRequest("deals", table, columns))
    assert without.created == 2  # D-1: its two rows; D-2 refused: no pipeline "Розница"
    assert {r.row: r.reasons[0] for r in without.rejected} == {
        3: "There is no pipeline “Розница”.",
        5: "Row 5: Quantity: “много” is not a number.",
        6: "Row 5: Quantity: “много” is not a number.",
    } or {r.row for r in without.rejected} == {3, 5, 6}
    deal = Deal.get(Deal.title == "Обучение отдела")
    assert deal.stage_id == world.presentation.id
    assert deal.contact_id is not None
    lines = DealLine.select().where(DealLine.deal == deal.id).order_by(DealLine.line_order)
    assert [(line.name, line.quantity) for line in lines] == [
        ("Курс «Продажи»", Decimal(2)), ("Тренинг", Decimal(1))]
    assert deal.amount == Decimal("40982.00")  # 2 × 19 990 − 10 % + 5 000
    engine.undo_import(without.batch_id)
    assert snapshot() == before

    created = engine.run_import(ImportRequest("deals", table, columns, create_missing=True))
    assert created.created == 3
    retail = Pipeline.get(Pipeline.name == "Розница")
    assert Stage.select().where((Stage.pipeline == retail.id) & (Stage.name == "Новая стадия")).exists()
    engine.undo_import(created.batch_id)
    assert snapshot() == before
    assert not ProductGroup.select().where(ProductGroup.name == "Розница").exists()


def test_the_same_deal_again_is_skipped_or_merged(world):
    from desktop_crm.services.sales import deals
    from tests.factories import make_contact

    client = make_contact("Клиентов", "Клиент", mobile_phone="+7 916 000-00-01",
                          mobile_phone_e164="+79160000001")
    deal = deals.create_deal({"title": "Обучение отдела", "contact": client.id,
                              "lines": [{"name": "Курс", "quantity": 1, "price": 100}]},
                             world.manager.id)
    before = snapshot()
    headers = ["Название сделки", "Контакт", "Комментарий", "Дата закрытия"]
    rows = [["Обучение отдела", "+7 916 000-00-01", "из файла", "31.12.2030"]]
    assert run("deals", headers, rows).skipped == 1
    merged = run("deals", headers, rows, on_duplicate=OnDuplicate.MERGE)
    assert merged.merged == 1
    updated = Deal.get_by_id(deal.id)
    assert (updated.comment, str(updated.expected_close_date)) == ("из файла", "2030-12-31")
    assert DealLine.select().where(DealLine.deal == deal.id).count() == 1  # lines kept
    engine.undo_import(merged.batch_id)
    assert snapshot() == before
