"""``desktop-crm automation run-due`` on a real SQLite file: the delayed robots whose time came."""

from __future__ import annotations

import datetime as dt

from desktop_crm.cli import main
from desktop_crm.models import Activity, AutomationRun, Role
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.sales import stages
from desktop_crm.services.system import rights
from tests.automation.conftest import build_sales
from tests.factories import make_user


def test_run_due_executes_what_is_due_and_says_why_it_skipped(tmp_path, capsys):
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    make_user("Админ", role=Role.ADMIN, login="admin")
    sales = build_sales()
    week_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=7)
    sales.rule("entering_stage", "create_task", {"text": "Напомнить о КП", "due_days": 1},
               stage_id=sales.proposal.id, delay_days=2)
    sales.rule("entering_stage", "notify", {"who": "head", "text": "Всё ещё в переговорах"},
               stage_id=sales.proposal.id, delay_days=30)
    stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id, now=week_ago)
    rights.act_as(None)
    db.close()
    assert main(["automation", "run-due", "--db", url]) == 0
    assert capsys.readouterr().out.strip() == "Robots done: 1, skipped: 0."
    db = open_database(url)
    try:
        assert Activity.select().where(Activity.subject == "Напомнить о КП").count() == 1
        assert sorted(run.state for run in AutomationRun.select()) == ["done", "pending"]
    finally:
        db.close()
