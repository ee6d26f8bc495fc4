"""``desktop-crm import-statement`` end to end on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desktop_crm.cli import main
from desktop_crm.models import Role, User
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.billing import invoices
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller
from tests.statements.files import Doc, one_c_bytes


@pytest.fixture
def statement_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    for _ in range(2):
        invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 12, 1))
    User.create(name="Анна Админ", login="anna", role=Role.ADMIN)  # the command works as her
    db.close()
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(one_c_bytes([
        Doc("311", "02.12.2026", "41990.00", "Оплата по счету № 1 от 01.12.2026"),
        Doc("312", "03.12.2026", "990.00", "Аванс по сч. 2"),
        Doc("77", "04.12.2026", "1500.00", "Возврат займа", payer="ИП Сидоров", payer_inn="500100732259"),
        Doc("900", "04.12.2026", "300.00", "Комиссия банка", outgoing=True),
    ]))
    return url, path


def test_json_lists_matched_unmatched_and_known(statement_db, capsys):
    url, path = statement_db
    assert main(["import-statement", str(path), "--db", url, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert set(first) >= {"matched", "unmatched", "known"}
    assert [{k: m[k] for k in ("number", "date", "amount")} for m in first["matched"]] == [
        {"number": "1", "date": "2026-12-01", "amount": "41990.00"},
        {"number": "2", "date": "2026-12-01", "amount": "990.00"}]
    assert [{k: m[k] for k in ("number", "date", "amount")} for m in first["unmatched"]] == [
        {"number": "77", "date": "2026-12-04", "amount": "1500.00"}]
    assert first["known"] == []
    assert main(["import-statement", str(path), "--db", url, "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["matched"] == [] and len(second["unmatched"]) == 1
    assert [{k: m[k] for k in ("number", "date", "amount")} for m in second["known"]] == [
        {k: m[k] for k in ("number", "date", "amount")} for m in first["matched"]]


def test_text_output_and_refusals(statement_db, tmp_path, capsys):
    url, path = statement_db
    assert main(["--lang", "ru", "import-statement", str(path), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "1" in out and "41990.00" in out and "77" in out
    broken = tmp_path / "broken.txt"
    broken.write_bytes(path.read_bytes()[:600])
    assert main(["import-statement", str(broken), "--db", url]) == 1
    assert "КонецФайла" in capsys.readouterr().err
    assert main(["import-statement", str(tmp_path / "missing.txt"), "--db", url]) == 1
    assert main(["import-statement", "--db", url]) == 2
