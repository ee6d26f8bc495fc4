"""Bitrix24 and amoCRM export files read as their CRMs write them, and broken ones refused clearly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from desktop_crm.errors import ValidationError
from desktop_crm.services.data import crm_exports
from tests.crm_exports import files as f


@pytest.mark.parametrize("encoding, bom", [("cp1251", False), ("utf-8", False), ("utf-8", True)])
def test_bitrix_contacts_csv_in_each_encoding(tmp_path: Path, encoding: str, bom: bool) -> None:
    path = f.write_csv(tmp_path / "CONTACT_20240207.csv", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS,
                       encoding=encoding, bom=bom)
    assert crm_exports.detect(path) == "bitrix24"
    table = crm_exports.read(path, "bitrix24")
    assert table.entity == "contacts"
    assert table.delimiter == ";" and table.container == "csv"
    assert table.encoding == {"cp1251": "cp1251", "utf-8": "utf-8-sig" if bom else "utf-8"}[encoding]
    assert table.headers[0] == "ID" and table.headers[2] == "Имя"
    assert table.rows[0][4] == "Сидоров"
    # a field's two values in one cell: the second gets a column of its own, right after
    assert table.headers[8:10] == ["Мобильный телефон", "Мобильный телефон (2)"]
    assert table.rows[1][8:10] == ["+7 903 555-12-34", "+7 903 555-00-00"]
    assert table.rows[0][8:10] == ["+7 916 123-45-67", ""]
    assert table.rows[0][12] == "sidorov@romashka.ru"
    hints = table.hints
    assert hints["Имя"] == "first_name" and hints["Фамилия"] == "last_name"
    assert hints["Отчество"] == "middle_name" and hints["Рабочий телефон"] == "work_phone"
    assert hints["Мобильный телефон"] == "mobile_phone" and hints["Рабочий e-mail"] == "work_email"
    assert hints["Частный e-mail"] == "private_email" and hints["Компания"] == "company"
    assert hints["Должность"] == "position" and hints["Ответственный"] == "responsible"
    assert "Тип контакта" not in hints and "Мобильный телефон (2)" not in hints


def test_bitrix_deals_with_product_rows_and_their_references(tmp_path: Path) -> None:
    path = f.write_csv(tmp_path / "DEAL.csv", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS, encoding="cp1251")
    table = crm_exports.read(path, "bitrix24")
    assert table.entity == "deals"
    assert table.hints["Название сделки"] == "title"
    assert table.hints["Направление"] == "pipeline" and table.hints["Стадия сделки"] == "stage"
    assert table.hints["Сумма"] == "amount" and table.hints["Товар"] == "line_name"
    refs = crm_exports.references(table)
    assert refs.stages == [("Общее", "Подготовка документов"), ("Сервис", "Новая"),
                           ("Общее", "Сделка успешна")]
    assert refs.users == ["Анна Смирнова", "Олег Иванов"]


def test_bitrix_companies_and_leads(tmp_path: Path) -> None:
    companies = crm_exports.read(
        f.write_csv(tmp_path / "COMPANY.csv", f.BITRIX_COMPANY_HEADERS, f.BITRIX_COMPANIES), "bitrix24")
    assert companies.entity == "companies"
    assert companies.hints["Название компании"] == "short_name" and companies.hints["ИНН"] == "inn"
    leads = crm_exports.read(
        f.write_csv(tmp_path / "LEAD.csv", f.BITRIX_LEAD_HEADERS, f.BITRIX_LEADS, encoding="cp1251"),
        "bitrix24")
    assert leads.entity == "leads"
    assert leads.hints["Название лида"] == "title" and leads.hints["Название компании"] == "company_name"
    assert leads.rows[0][3] == "Пётр"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_bitrix_excel_export_is_an_html_table(tmp_path: Path, encoding: str) -> None:
    path = f.write_bitrix_html(tmp_path / "DEAL_20240207.xls", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS,
                               encoding=encoding)
    assert crm_exports.detect(path) == "bitrix24"
    table = crm_exports.read(path, "bitrix24")
    assert table.container == "html" and table.delimiter == ""
    assert table.encoding == ("cp1251" if encoding == "cp1251" else "utf-8")
    assert table.headers == f.BITRIX_DEAL_HEADERS
    assert table.rows[0][11] == "ООО «Ромашка»"
    assert len(table.rows) == len(f.BITRIX_DEALS)


def test_amocrm_deals_csv(tmp_path: Path) -> None:
    path = f.write_csv(tmp_path / "amocrm_export_leads.csv", f.AMO_DEAL_HEADERS, f.AMO_DEALS, bom=True)
    assert crm_exports.detect(path) == "amocrm"
    table = crm_exports.read(path, "amocrm")
    assert table.entity == "deals"
    hints = table.hints
    assert hints["Название сделки"] == "title" and hints["Бюджет"] == "amount"
    assert hints["Этап сделки"] == "stage" and hints["Воронка"] == "pipeline"
    assert hints["Ответственный"] == "responsible" and hints["Полное имя контакта"] == "contact"
    assert hints["Мобильный телефон (контакт)"] == "contact.mobile_phone"
    assert hints["Рабочий email (контакт)"] == "contact.work_email"
    assert hints["Компания"] == "company" and hints["ИНН (компания)"] == "company.inn"
    refs = crm_exports.references(table)
    assert refs.stages == [("Продажи", "Переговоры"), ("Продажи", "Первичный контакт"),
                           ("Сервис", "Новая заявка")]
    assert refs.users == ["Елена Волкова", "Игорь Лебедев"]


def test_amocrm_deals_xlsx_with_typed_cells(tmp_path: Path) -> None:
    rows: list[list[object]] = [list(r) for r in f.AMO_DEALS]
    rows[0][2] = 85000.0
    rows[0][4] = dt.datetime(2024, 1, 10, 14, 0)
    path = f.write_xlsx(tmp_path / "amocrm_export.xlsx", f.AMO_DEAL_HEADERS, rows)
    assert crm_exports.detect(path) == "amocrm"
    table = crm_exports.read(path, "amocrm")
    assert table.container == "xlsx"
    assert table.rows[0][2] == "85000" and table.rows[0][4] == "10.01.2024 14:00:00"
    assert table.rows[1][13] == "Ольга Белова"


def test_amocrm_hints_for_contacts_and_companies(tmp_path: Path) -> None:
    from desktop_crm.services.data.crm_exports import amocrm

    contacts = amocrm.mapping_hints(f.AMO_DEAL_HEADERS, "contacts")
    assert contacts["Мобильный телефон (контакт)"] == "mobile_phone"
    assert contacts["Полное имя контакта"] == "full_name" and "Бюджет" not in contacts
    companies = amocrm.mapping_hints(f.AMO_DEAL_HEADERS, "companies")
    assert companies == {"Компания": "short_name", "ИНН (компания)": "inn"}


def test_a_plain_csv_is_neither(tmp_path: Path) -> None:
    path = f.write_csv(tmp_path / "plain.csv", ["Фамилия", "Имя", "Телефон"], [["Иванов", "Иван", "1"]])
    assert crm_exports.detect(path) == ""
    with pytest.raises(ValidationError, match="Bitrix24"):
        crm_exports.read(path, "bitrix24")
    with pytest.raises(ValidationError, match="amoCRM"):
        crm_exports.read(path, "amocrm")


def test_each_crm_refuses_the_others_file(tmp_path: Path) -> None:
    amo = f.write_csv(tmp_path / "amo.csv", f.AMO_DEAL_HEADERS, f.AMO_DEALS)
    bitrix = f.write_csv(tmp_path / "b24.csv", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS)
    with pytest.raises(ValidationError, match=r"amo\.csv"):
        crm_exports.read(amo, "bitrix24")
    with pytest.raises(ValidationError, match=r"b24\.csv"):
        crm_exports.read(bitrix, "amocrm")


def test_broken_files(tmp_path: Path) -> None:
    # a workbook that is not one
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04not really a zip")
    assert crm_exports.detect(fake) == ""
    with pytest.raises(ValidationError):
        crm_exports.read(fake, "amocrm")
    # an HTML page without a table
    page = tmp_path / "page.xls"
    page.write_text("<html><body><p>Нет данных</p></body></html>", encoding="utf-8")
    assert crm_exports.detect(page) == ""
    with pytest.raises(ValidationError):
        crm_exports.read(page, "bitrix24")
    # an empty file
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert crm_exports.detect(empty) == ""
    with pytest.raises(ValidationError):
        crm_exports.read(empty, "bitrix24")
    # a missing file
    with pytest.raises(ValidationError, match=r"missing\.csv"):
        crm_exports.read(tmp_path / "missing.csv", "bitrix24")


def test_missing_and_extra_columns_keep_their_place(tmp_path: Path) -> None:
    headers = f.BITRIX_CONTACT_HEADERS[:5]
    rows = [["1", "", "Иван"], ["2", "", "Пётр", "", "Орлов", "лишнее", "ещё"]]
    table = crm_exports.read(f.write_csv(tmp_path / "short.csv", headers, rows), "bitrix24")
    assert table.rows[0] == ["1", "", "Иван", "", ""]
    assert table.rows[1][:5] == ["2", "", "Пётр", "", "Орлов"] and table.rows[1][5:] == ["лишнее", "ещё"]


def test_a_windows_1251_file_is_not_read_as_mojibake(tmp_path: Path) -> None:
    path = f.write_csv(tmp_path / "c.csv", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS, encoding="cp1251")
    table = crm_exports.read(path, "bitrix24")
    assert "Постоянный клиент" in table.rows[0]


def test_wrong_encodings(tmp_path: Path) -> None:
    # KOI8-R (an old Unix code page): neither UTF-8 nor Windows-1251 columns — refused, not misread
    koi = f.write_csv(tmp_path / "koi.csv", f.BITRIX_LEAD_HEADERS, f.BITRIX_LEADS, encoding="koi8-r")
    assert crm_exports.detect(koi) == ""
    with pytest.raises(ValidationError, match="Bitrix24"):
        crm_exports.read(koi, "bitrix24")
    # UTF-16 with its BOM (Excel's "Unicode text"): read
    wide = tmp_path / "wide.csv"
    f.write_csv(wide, f.AMO_DEAL_HEADERS, f.AMO_DEALS, delimiter="\t")
    wide.write_bytes(wide.read_text(encoding="utf-8").encode("utf-16"))
    assert crm_exports.detect(wide) == "amocrm"
    table = crm_exports.read(wide, "amocrm")
    assert table.encoding == "utf-16" and table.delimiter == "\t" and table.rows[0][1] == "Окна для офиса"


def test_html_cells_with_several_values_on_their_lines(tmp_path: Path) -> None:
    page = tmp_path / "CONTACT.xls"
    page.write_text(
        '<html><head><meta http-equiv="Content-type" content="text/html;charset=UTF-8" /></head>'
        "<body><table><tr><th>ID</th><th>Имя</th><th>Фамилия</th><th>Мобильный телефон</th>"
        "<th>Рабочий e-mail</th><th>Тип контакта</th></tr>"
        "<tr><td>1</td><td>Мария</td><td>Кузнецова</td><td>+7 903 555-12-34<br/>+7 903 555-00-00</td>"
        "<td>m@firma.ru</td><td>Клиенты</td></tr></table></body></html>", encoding="utf-8")
    table = crm_exports.read(page, "bitrix24")
    assert table.headers[3:5] == ["Мобильный телефон", "Мобильный телефон (2)"]
    assert table.rows[0][3:6] == ["+7 903 555-12-34", "+7 903 555-00-00", "m@firma.ru"]


def test_a_big_export_is_recognised_from_its_beginning(tmp_path: Path) -> None:
    """Sniffing reads the first 64 KiB, which may end inside a UTF-8 letter."""
    from desktop_crm.services.data.crm_exports import common

    rows = [["1", "", "Я" * 40, "", "Орлов"] for _n in range(2000)]
    path = f.write_csv(tmp_path / "big.csv", [*f.BITRIX_CONTACT_HEADERS[:4], "Рабочий e-mail"], rows)
    raw = path.read_bytes()
    assert len(raw) > common.HEAD_BYTES
    # make the cut fall inside a letter: pad the first line by one byte until it does
    while raw[common.HEAD_BYTES - 1] < 0xC0:
        raw = raw.replace(b"\r\n", b" \r\n", 1)
    path.write_bytes(raw)
    assert crm_exports.detect(path) == "bitrix24"
    html = f.write_bitrix_html(tmp_path / "big.xls", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS * 300)
    assert html.stat().st_size > common.HEAD_BYTES and crm_exports.detect(html) == "bitrix24"
