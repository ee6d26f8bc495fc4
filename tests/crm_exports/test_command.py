"""``desktop-crm import --format bitrix24|amocrm`` end to end on a real SQLite file: the readers
through the command, a broken file refused, undo by batch."""

from __future__ import annotations

import json

import pytest

from desktop_crm.cli import main
from desktop_crm.models import Role, User
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from tests.crm_exports import files as f
from tests.factories import make_pipeline, make_stages


@pytest.fixture
def crm_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    User.create(name="Анна Смирнова", login="anna", role=Role.ADMIN)  # the command works as her
    for name in ("Волкова Елена", "Игорь Лебедев"):  # amoCRM's users, one in another word order
        User.create(name=name, role=Role.SALES)
    make_stages(make_pipeline("Общее"), ["Новая", "Подготовка документов"], won="Сделка успешна",
                lost="Сделка провалена")
    make_stages(make_pipeline("Продажи", is_default=False), ["Первичный контакт", "Переговоры"])
    db.close()
    return url


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_bitrix_contacts_csv_in_windows_1251(crm_db, tmp_path, capsys):
    rows = [list(r) for r in f.BITRIX_CONTACTS]
    rows[0][f.BITRIX_CONTACT_HEADERS.index("Частный e-mail")] = "ivan.sidorov@mail.ru"  # required here
    path = f.write_csv(tmp_path / "CONTACT.csv", f.BITRIX_CONTACT_HEADERS, rows, encoding="cp1251")
    code = main(["import", str(path), "--db", crm_db, "--entity", "contacts", "--format", "bitrix24",
                 "--create-missing", "--json"])
    out = _json(capsys)
    assert code == 0, out
    # Олег Иванов is no user here: that row is rejected with its reason; Сидоров comes in
    assert out["created"] == 1 and out["batch"]
    assert [r["row"] for r in out["rejected"]] == [3]
    assert "Олег Иванов" in json.dumps(out["rejected"], ensure_ascii=False)
    assert main(["import", "--undo", out["batch"], "--db", crm_db, "--json"]) == 0


def test_bitrix_excel_deals_detected_by_themselves(crm_db, tmp_path, capsys):
    rows = [[*r[:12], "", *r[13:]] for r in f.BITRIX_DEALS]  # no contacts: they are not here
    path = f.write_bitrix_html(tmp_path / "DEAL.xls", f.BITRIX_DEAL_HEADERS, rows)
    code = main(["import", str(path), "--db", crm_db, "--entity", "deals", "--create-missing",
                 "--dry-run", "--json"])
    out = _json(capsys)
    assert code == 0, out
    # deal 101 (two product rows), 102 in «Сервис» (created); 103 is won: it comes in closed
    reasons = {r["row"]: " ".join(r["reasons"]) for r in out["rejected"]}
    assert out["batch"] is None and out["created"] == 3, out
    assert 5 not in reasons


def test_amocrm_xlsx_deals(crm_db, tmp_path, capsys):
    rows = [[*r[:13], "", *r[14:]] for r in f.AMO_DEALS]  # contacts left out
    rows[2][f.AMO_DEAL_HEADERS.index("Этап сделки")] = "Переговоры"
    rows[2][f.AMO_DEAL_HEADERS.index("Воронка")] = "Продажи"
    path = f.write_xlsx(tmp_path / "amocrm_export.xlsx", f.AMO_DEAL_HEADERS, rows)
    code = main(["import", str(path), "--db", crm_db, "--entity", "deals", "--format", "amocrm",
                 "--create-missing", "--json"])
    out = _json(capsys)
    assert code == 0, out
    # «Окна» and «Монтаж» name «СтройМир», created once on request; «Двери» names no company
    assert out["created"] == 3 and out["rejected"] == [], out
    db = open_database(crm_db)
    from desktop_crm.models import Company, Deal

    windows = Deal.get(Deal.title == "Окна для офиса")
    assert (windows.stage.name, windows.pipeline.name, windows.responsible.name) == (
        "Переговоры", "Продажи", "Волкова Елена")
    assert Company.select().where(Company.short_name == "ООО «СтройМир»").count() == 1
    db.close()


def test_a_file_of_the_other_crm_is_refused(crm_db, tmp_path, capsys):
    path = f.write_csv(tmp_path / "amo.csv", f.AMO_DEAL_HEADERS, f.AMO_DEALS)
    assert main(["import", str(path), "--db", crm_db, "--entity", "deals", "--format", "bitrix24"]) != 0
    assert "amo.csv" in capsys.readouterr().err


def test_bad_dates_amounts_and_a_missing_title_are_rejected_with_their_rows(crm_db, tmp_path, capsys):
    headers = f.BITRIX_DEAL_HEADERS
    good = [c if i != headers.index("Контакт") else "" for i, c in enumerate(f.BITRIX_DEALS[2])]
    good[headers.index("Направление")] = "Общее"
    good[headers.index("Ответственный")] = "Анна Смирнова"
    bad_date, bad_amount, no_title = list(good), list(good), list(good)
    bad_date[0], bad_date[headers.index("Предполагаемая дата закрытия")] = "201", "31.13.2024"
    bad_amount[0], bad_amount[headers.index("Сумма")] = "202", "сорок тысяч"
    no_title[0], no_title[headers.index("Название сделки")] = "203", ""
    path = f.write_csv(tmp_path / "DEAL.csv", headers, [good, bad_date, bad_amount, no_title])
    code = main(["import", str(path), "--db", crm_db, "--entity", "deals", "--json"])
    out = _json(capsys)
    assert code == 0, out
    reasons = {r["row"]: " ".join(r["reasons"]) for r in out["rejected"]}
    assert out["created"] == 1 and sorted(reasons) == [3, 4, 5], out
    assert "31.13.2024" in reasons[3]


def test_one_amocrm_file_as_companies_then_contacts_then_deals(crm_db, tmp_path, capsys):
    """amoCRM exports deals with their contacts and companies in one file: imported three times,
    each pass takes its own columns, and the deals then find their contacts and companies."""
    from desktop_crm.services.sales import rules

    db = open_database(crm_db)
    rules.CONTACT_PRESET.set("light")  # a name and a phone or e-mail: what amoCRM's contacts have
    db.close()
    rows = [list(r) for r in f.AMO_DEALS]
    rows[2][f.AMO_DEAL_HEADERS.index("Этап сделки")] = "Переговоры"
    rows[2][f.AMO_DEAL_HEADERS.index("Воронка")] = "Продажи"
    path = f.write_csv(tmp_path / "amocrm_export.csv", f.AMO_DEAL_HEADERS, rows, bom=True)
    common = ["--db", crm_db, "--format", "amocrm", "--json"]
    assert main(["import", str(path), "--entity", "companies", *common]) == 0
    companies = _json(capsys)
    assert companies["created"] == 1 and companies["skipped"] == 1, companies  # СтройМир twice
    assert main(["import", str(path), "--entity", "contacts", *common]) == 0
    contacts = _json(capsys)
    assert contacts["created"] == 2, contacts
    assert [r["row"] for r in contacts["rejected"]] == [4]  # the third deal has no contact
    assert main(["import", str(path), "--entity", "deals", *common]) == 0
    deals = _json(capsys)
    assert deals["created"] == 3 and deals["rejected"] == [], deals
    db = open_database(crm_db)
    from desktop_crm.models import Deal

    windows = Deal.get(Deal.title == "Окна для офиса")
    # «Полное имя контакта» is one text: split as a full name, found again by the deal
    assert {windows.contact.last_name, windows.contact.first_name} == {"Морозов", "Андрей"}
    assert windows.contact.position == "Снабженец"
    assert windows.company.inn == "7812014560"
    db.close()


def test_bitrix_companies_and_leads(crm_db, tmp_path, capsys):
    companies = f.write_csv(tmp_path / "COMPANY.csv", f.BITRIX_COMPANY_HEADERS, f.BITRIX_COMPANIES,
                            encoding="cp1251")
    assert main(["import", str(companies), "--db", crm_db, "--entity", "companies", "--json"]) == 0
    out = _json(capsys)
    assert out["created"] == 1 and out["rejected"] == [], out
    # the same file again: the company is known by its ИНН
    assert main(["import", str(companies), "--db", crm_db, "--entity", "companies", "--json"]) == 0
    assert _json(capsys)["skipped"] == 1
    rows = [list(r) for r in f.BITRIX_LEADS]
    rows[0][f.BITRIX_LEAD_HEADERS.index("Ответственный")] = "Анна Смирнова"
    leads = f.write_csv(tmp_path / "LEAD.csv", f.BITRIX_LEAD_HEADERS, rows)
    assert main(["import", str(leads), "--db", crm_db, "--entity", "leads", "--json"]) == 0
    out = _json(capsys)
    assert out["created"] == 1 and out["rejected"] == [], out
    db = open_database(crm_db)
    from desktop_crm.models import Company, Lead

    company = Company.get(Company.inn == "7707083893")
    assert (company.short_name, company.kpp) == ("ООО «Ромашка»", "770701001")
    lead = Lead.get(Lead.title == "Заявка с сайта")
    assert (lead.last_name, lead.first_name, lead.company_name) == ("Орлов", "Пётр", "ИП Орлов")
    db.close()
