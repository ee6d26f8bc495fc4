"""``desktop-crm screenshots`` renders the received-mail timeline and the SDI status of an invoice,
with their data made through the real fetch and receipt code (issue 22)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication


@pytest.fixture
def demo_copy(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    from desktop_crm.models import database
    from desktop_crm.services.data.demo import DemoOptions, build_demo

    template = tmp_path_factory.mktemp("mail-demo") / "demo.db"
    build_demo(str(template), DemoOptions(deals=300, seed=7))
    database.initialize(None)
    target = tmp_path / "demo.db"
    shutil.copyfile(template, target)
    return str(target)


def test_mail_in_screens_render(qtbot, demo_copy: str, tmp_path: Path) -> None:
    from desktop_crm import workers
    from desktop_crm.cli import main
    from desktop_crm.i18n import set_language
    from desktop_crm.models import Activity, ActivityKind, MailDirection, MailMessage
    from desktop_crm.models.db import open_database

    out = tmp_path / "shots"
    try:
        code = main(["screenshots", "--db", demo_copy, "--out", str(out), "--lang", "ru",
                     "--only", "deal_timeline_received_mail", "invoice_sdi_status"])
    finally:
        workers.set_synchronous(False)
        set_language("en")
        for widget in QApplication.topLevelWidgets():
            widget.close()
    assert code == 0
    assert sorted(p.name for p in out.glob("*.png")) == ["deal_timeline_received_mail.png",
                                                         "invoice_sdi_status.png"]
    db = open_database(demo_copy)
    try:
        assert MailMessage.select().where(MailMessage.direction == MailDirection.IN).exists()
        statuses = {(a.payload or {}).get("status") for a in Activity.select().where(
            Activity.kind == ActivityKind.SYSTEM) if (a.payload or {}).get("event") == "sdi"}
        assert {"sent", "rejected", "delivered"} <= statuses
    finally:
        db.close()
