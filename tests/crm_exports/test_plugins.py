"""The bitrix24 and amocrm formats through the import format registry, and their stages and users
matched to ours (a real SQLite database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_crm.errors import CrmError
from desktop_crm.models.enums import StageKind
from desktop_crm.services.data.crm_exports import matching
from desktop_crm.services.data.imports import formats, mapping
from tests import factories
from tests.crm_exports import files as f


def test_detected_before_the_generic_csv(tmp_path: Path) -> None:
    bitrix = f.write_csv(tmp_path / "DEAL.csv", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS, encoding="cp1251")
    html = f.write_bitrix_html(tmp_path / "CONTACT.xls", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS)
    amo = f.write_csv(tmp_path / "amo.csv", f.AMO_DEAL_HEADERS, f.AMO_DEALS, bom=True)
    amo_xlsx = f.write_xlsx(tmp_path / "amo.xlsx", f.AMO_DEAL_HEADERS, f.AMO_DEALS)
    plain = f.write_csv(tmp_path / "plain.csv", ["Фамилия", "Имя"], [["Иванов", "Иван"]])
    assert formats.detect_format(bitrix) == "bitrix24"
    assert formats.detect_format(html) == "bitrix24"
    assert formats.detect_format(amo) == "amocrm"
    assert formats.detect_format(amo_xlsx) == "amocrm"
    assert formats.detect_format(plain) == "csv"
    table = formats.read_table(html)
    assert table.format == "bitrix24" and table.headers[2] == "Имя" and table.row_number(0) == 2


def test_suggested_mappings_from_the_hints(tmp_path: Path) -> None:
    deals = formats.read_table(f.write_csv(tmp_path / "DEAL.csv", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS))
    suggested = mapping.suggest_mapping("deals", deals.headers, deals.format)
    assert suggested["ID"] == "deal_key" and suggested["Название сделки"] == "title"
    assert suggested["Направление"] == "pipeline" and suggested["Стадия сделки"] == "stage"
    assert suggested["Ответственный"] == "responsible" and suggested["Товар"] == "line_name"
    assert suggested["Цена"] == "line_price" and suggested["Количество"] == "line_quantity"
    mapping.check_mapping("deals", suggested)

    contacts = formats.read_table(
        f.write_csv(tmp_path / "C.csv", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS, encoding="cp1251"))
    suggested = mapping.suggest_mapping("contacts", contacts.headers, contacts.format)
    assert suggested["Рабочий e-mail"] == "work_email" and suggested["Частный e-mail"] == "private_email"
    assert suggested["Компания"] == "company"
    mapping.check_mapping("contacts", suggested)

    amo = formats.read_table(f.write_csv(tmp_path / "amo.csv", f.AMO_DEAL_HEADERS, f.AMO_DEALS))
    suggested = mapping.suggest_mapping("deals", amo.headers, amo.format)
    assert suggested["Бюджет"] == "amount" and suggested["Этап сделки"] == "stage"
    assert suggested["Воронка"] == "pipeline" and suggested["Полное имя контакта"] == "contact"
    assert suggested["Компания"] == "company"
    as_contacts = mapping.suggest_mapping("contacts", amo.headers, amo.format)
    assert as_contacts["Полное имя контакта"] == "full_name"
    assert as_contacts["Мобильный телефон (контакт)"] == "mobile_phone"
    as_companies = mapping.suggest_mapping("companies", amo.headers, amo.format)
    assert as_companies["Компания"] == "short_name" and as_companies["ИНН (компания)"] == "inn"


def test_asking_for_the_wrong_format_is_refused(tmp_path: Path) -> None:
    amo = f.write_csv(tmp_path / "amo.csv", f.AMO_DEAL_HEADERS, f.AMO_DEALS)
    with pytest.raises(CrmError, match="amo"):
        formats.read_table(amo, "bitrix24")


def test_stages_and_users_matched_and_translated(any_db: object, tmp_path: Path) -> None:
    sales = factories.make_pipeline("Общее")
    factories.make_stages(sales, ["Новая", "Подготовка документов"], won="Успех", lost="Провал")
    factories.make_user("Смирнова Анна")
    ours = matching.our_stages()
    assert [(s.stage, s.kind) for s in ours][-2:] == [("Успех", StageKind.WON.value),
                                                      ("Провал", StageKind.LOST.value)]
    assert matching.suggest_stage(("Общее", "Подготовка документов"), ours) == ours[1]
    assert matching.suggest_stage(("Общее", "Сделка успешна"), ours) == ours[2]
    assert matching.suggest_stage(("Сервис", "Новая"), ours) == ours[0]  # same name elsewhere
    assert matching.suggest_stage(("Общее", "Ждём оплату"), ours) is None
    users = matching.our_users()
    assert "Смирнова Анна" in users
    assert matching.suggest_user("Анна Смирнова", users) == "Смирнова Анна"
    assert matching.suggest_user("Олег Иванов", users) is None

    table = formats.read_table(f.write_csv(tmp_path / "DEAL.csv", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS))
    suggested = mapping.suggest_mapping("deals", table.headers, table.format)
    stage_map = {("Общее", "Подготовка документов"): ours[1], ("Сервис", "Новая"): None,
                 ("Общее", "Сделка успешна"): ours[2]}
    translated, new_mapping = matching.translate(
        table, suggested, stage_map, {"Анна Смирнова": "Смирнова Анна", "Олег Иванов": None})
    assert new_mapping == suggested
    rows = list(translated.rows)
    assert rows[0][2:4] == ["Общее", "Подготовка документов"] and rows[0][13] == "Смирнова Анна"
    assert rows[2][2:4] == ["Сервис", "Новая"] and rows[2][13] == ""  # created; importing user
    assert rows[3][3] == "Успех"


def test_a_file_without_pipelines_gets_the_mapped_one(db: object, tmp_path: Path) -> None:
    sales = factories.make_pipeline("Продажи")
    factories.make_stages(sales, ["Переговоры"])
    headers = ["ID", "Название сделки", "Бюджет", "Этап сделки", "Теги"]
    path = f.write_csv(tmp_path / "a.csv", headers, [["1", "Окна", "10", "Переговоры", ""]])
    table = formats.read_table(path)
    suggested = mapping.suggest_mapping("deals", table.headers, table.format)
    ours = matching.our_stages()
    translated, new_mapping = matching.translate(table, suggested, {("", "Переговоры"): ours[0]}, {})
    assert new_mapping[matching.PIPELINE_COLUMN] == "pipeline"
    assert next(iter(translated.rows))[-1] == "Продажи"
