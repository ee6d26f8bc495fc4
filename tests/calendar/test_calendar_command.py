"""``desktop-crm calendar export`` on a real SQLite file, read back by an independent RFC 5545
parser (the ``icalendar`` package)."""

from __future__ import annotations

import datetime as dt

import icalendar

from desktop_crm.cli import main
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.sales import timeline
from desktop_crm.services.system import rights
from tests.rights.conftest import build_team, sign_in


def test_export_command_writes_a_calendar_others_can_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    team = build_team()
    sign_in(team.mine)
    task = timeline.add_task(team.mine.id, "Позвонить, обсудить; КП", dt.datetime(2026, 3, 11, 9, 30),
                             deal=team.deals["mine"].id, body="Строка 1\nСтрока 2")
    sign_in(team.other)
    timeline.add_task(team.other.id, "Чужая задача", dt.datetime(2026, 3, 11, 9, 0),
                      deal=team.deals["other"].id)
    rights.act_as(None)
    db.close()
    target = tmp_path / "mine.ics"
    assert main(["calendar", "export", "--db", url, "--to", str(target), "--user", "dmitry"]) == 0
    assert "1" in capsys.readouterr().out
    parsed = icalendar.Calendar.from_ical(target.read_bytes())
    todos = list(parsed.walk("VTODO"))
    assert len(todos) == 1
    todo = todos[0]
    assert str(todo["UID"]) == f"{task.id}@desktop-crm"
    assert str(todo["SUMMARY"]) == "Позвонить, обсудить; КП"
    assert str(todo["DESCRIPTION"]) == "Сделка mine\nСтрока 1\nСтрока 2"
    assert todo.decoded("DUE") == dt.datetime(2026, 3, 11, 9, 30, tzinfo=dt.UTC)
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
