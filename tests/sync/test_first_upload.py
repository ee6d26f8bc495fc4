"""The first sync of a file that already holds rows (issue 24): uploaded in bulk with progress, and
none of its own rows downloaded back."""

from __future__ import annotations

import pytest

from desktop_crm.cli import main
from desktop_crm.i18n import _
from desktop_crm.models import database
from desktop_crm.models.db import make_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.data.demo import DemoOptions, build_demo
from desktop_crm.sync.own_writes import value_changing_tables
from desktop_crm.sync.replica import Replica
from tests.sync.helpers import admin, new_replica, outbox_size, use

pytestmark = pytest.mark.postgres

PRESET_ROLES = 4  # the server has them from ``server init``; the file never uploads them unchanged


def demo_replica(path, server_url: str, **kwargs) -> Replica:
    build_demo(str(path), DemoOptions(deals=60, files=False))
    db = make_database(str(path))
    db.connect()
    database.initialize(db)
    return Replica(db, server_url, **kwargs)  # a file with rows: every row is queued for upload


def server_rows(conn, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_a_first_upload_reports_progress_and_downloads_none_of_its_own_rows(server_url, tmp_path):
    replica = demo_replica(tmp_path / "shop.db", server_url, push_batch=300)
    queued = outbox_size(replica)
    assert queued > 600  # three batches at least: bulk ones and a last one merged row by row
    reports: list[tuple[int, int, str]] = []
    result = replica.sync(lambda done, total, text: reports.append((done, total, text)))
    uploads = [(done, total) for done, total, text in reports if text == _("Uploading changes…")]
    assert len(uploads) >= 3
    assert [d for d, _t in uploads] == sorted(d for d, _t in uploads)
    assert {t for _d, t in uploads} == {queued} and uploads[-1] == (queued, queued)
    assert result.pushed == queued and result.parked == 0
    tables = replica.layout.pulled_tables()
    with admin(server_url) as conn:
        on_server = server_rows(conn, tables)
        # rows the server's own triggers may rewrite (numbers, series) come back; nothing else
        rewritten = value_changing_tables(conn, tables) | {"number_sequence"}
    assert result.pulled <= PRESET_ROLES + sum(on_server[t] for t in rewritten)
    assert result.pulled < queued // 10
    local = {t: replica.db.execute_sql(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    assert local == on_server
    again = replica.sync()
    assert (again.pushed, again.pulled, again.conflicts) == (0, 0, 0)


def test_a_replica_that_downloads_the_upload_gets_every_row_and_value(server_url, tmp_path):
    source = demo_replica(tmp_path / "shop.db", server_url)
    source.sync()
    use(source)
    expected = source.db.execute_sql(
        "SELECT hex(id), title, amount, hex(stage_id), deleted_at FROM deal ORDER BY id").fetchall()
    other = new_replica(tmp_path / "laptop.db", server_url)
    assert other.sync().bootstrapped
    use(other)
    assert other.db.execute_sql(
        "SELECT hex(id), title, amount, hex(stage_id), deleted_at FROM deal ORDER BY id"
    ).fetchall() == expected


def test_the_sync_command_shows_the_upload_progress(server_url, tmp_path, capsys):
    path = tmp_path / "shop.db"
    build_demo(str(path), DemoOptions(deals=20, files=False))
    assert main(["sync", "--db", str(path), "--server", server_url]) == 0
    captured = capsys.readouterr()
    assert _("Uploading changes…") in captured.err
    assert captured.err.endswith("\n")


def test_sync_now_shows_the_upload_progress_in_the_status_bar(server_url, tmp_path, qtbot, monkeypatch):
    from desktop_crm.models import Company
    from desktop_crm.services.system import sync as sync_service
    from desktop_crm.views.sync.status import SyncStatusWidget
    from desktop_crm.workers import synchronous

    db = make_database(str(tmp_path / "crm.db"))
    db.connect()
    database.initialize(db)
    migrate(db)
    with synchronous():
        sync_service.set_up(server_url, "")
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        with db.atomic():
            for n in range(30):
                Company.create(legal_name=f"Ditta {n}")
        shown: list[str] = []
        show = widget.label.setText
        monkeypatch.setattr(widget.label, "setText", lambda text: (shown.append(text), show(text)))
        widget.button.click()
    assert f"{_('Uploading changes…')} 30/30" in shown
    assert widget.label.text().startswith("Synced just now")
    db.close()
