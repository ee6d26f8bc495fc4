"""Backups made with the online backup API, their retention, their check and their restore."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from desktop_crm.models import database
from desktop_crm.services.system import backups
from desktop_crm.services.system.backups import BackupRefused, BackupSettings
from tests.backups.conftest import table_rows


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def test_backup_then_restore_leaves_the_database_as_before(demo_db: str, tmp_path: Path) -> None:
    path = Path(demo_db)
    before = table_rows(path)
    folder = tmp_path / "backups"
    info = backups.backup_database(path, folder)
    assert info.path.parent.parent == folder and info.reason == "manual"
    assert backups.check_backup(info.path).counts["deal"] == 300
    with closing(sqlite3.connect(path)) as conn, conn:  # changes after the backup
        conn.execute("DELETE FROM activity")
        conn.execute("UPDATE contact SET first_name = 'Changed'")
    assert table_rows(path) != before
    database.obj.close()
    result = backups.restore(info.path, path, folder)
    assert table_rows(path) == before
    assert result.previous is not None and result.previous.reason == "restore"
    kept = table_rows(result.previous.path)
    assert kept["activity"] == [] and kept["contact"] != before["contact"]


def test_the_commands_back_up_and_restore(demo_db: str, tmp_path: Path) -> None:
    path = Path(demo_db)
    database.obj.close()
    before = table_rows(path)
    folder = tmp_path / "by hand"
    run = [sys.executable, "-m", "desktop_crm"]
    made = subprocess.run([*run, "backup", "--db", str(path), "--to", str(folder)],
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    (copy,) = backups.list_backups(path, folder)
    assert str(copy.path) in made.stdout
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DELETE FROM deal_line")
    put = subprocess.run([*run, "restore", str(copy.path), "--db", str(path),
                          "--backups", str(folder)], capture_output=True, text=True, check=False)
    assert put.returncode == 0, put.stderr
    assert table_rows(path) == before
    assert len(backups.list_backups(path, folder)) == 2  # the replaced file is kept
    refused = subprocess.run([*run, "restore", str(tmp_path / "none.db"), "--db", str(path)],
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and "There is no backup file" in refused.stderr
    assert "Traceback" not in refused.stderr
    server = subprocess.run([*run, "backup", "--db", "postgresql://crm@127.0.0.1:1/crm"],
                            capture_output=True, text=True, check=False)
    assert server.returncode == 1 and "desktop-crm server backup" in server.stderr


def test_a_damaged_backup_is_refused_before_anything_changes(demo_db: str, tmp_path: Path) -> None:
    path = Path(demo_db)
    folder = tmp_path / "backups"
    info = backups.backup_database(path, folder)
    data = bytearray(info.path.read_bytes())
    for offset in range(4096 * 3, len(data), 4096):  # scribble over every page but the first ones
        data[offset + 100:offset + 400] = b"\xa5" * 300
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(bytes(data))
    before = path.read_bytes()
    database.obj.close()
    with pytest.raises(BackupRefused, match="damaged"):
        backups.restore(damaged, path, folder)
    assert path.read_bytes() == before
    assert len(backups.list_backups(path, folder)) == 1  # nothing kept: nothing was switched
    foreign = tmp_path / "foreign.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(BackupRefused, match="not a Desktop CRM database"):
        backups.restore(foreign, path, folder)
    newer = tmp_path / "newer.db"
    newer.write_bytes(info.path.read_bytes())
    with closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("UPDATE schema_version SET version = 999")
    with pytest.raises(BackupRefused, match="newer version"):
        backups.restore(newer, path, folder)
    assert path.read_bytes() == before


def test_retention_keeps_seven_daily_and_four_weekly(db: object, tmp_path: Path) -> None:
    path = Path(database.obj.database)
    settings = BackupSettings(folder=str(tmp_path / "backups"), keep_daily=7, keep_weekly=4)
    clock = Clock(dt.datetime(2026, 1, 1, 9, 0))
    for _day in range(60):  # two months of the app running every day, twice a day
        backups.run_daily(path, settings, clock)
        clock.now += dt.timedelta(hours=5)
        assert backups.run_daily(path, settings, clock) is None  # one a day
        clock.now += dt.timedelta(hours=19)
    kept = backups.list_backups(path, settings.folder_path)
    days = sorted({info.taken_at.date() for info in kept}, reverse=True)
    last = dt.date(2026, 3, 1)
    assert days[:7] == [last - dt.timedelta(days=n) for n in range(7)]
    assert len(days) == 7 + 3  # the four weeks' newest: this week's is among the seven days
    assert all(info.reason == "daily" for info in kept)
    weeks = {tuple(day.isocalendar())[:2] for day in days}
    assert len(weeks) == 4


def test_risky_operations_are_backed_up_once_per_quarter_hour(db: object, tmp_path: Path) -> None:
    path = Path(database.obj.database)
    backups.save_settings(BackupSettings(folder=str(tmp_path / "chosen")))
    clock = Clock(dt.datetime(2026, 5, 4, 10, 0))
    first = backups.before_risky_operation("merge", now=clock)
    assert first is not None and first.path.parent.parent == tmp_path / "chosen"
    clock.now += dt.timedelta(minutes=5)
    assert backups.before_risky_operation("merge", now=clock) == first
    assert backups.before_risky_operation("import", now=clock) != first
    clock.now += dt.timedelta(minutes=20)
    last_merge = backups.before_risky_operation("merge", now=clock)
    assert last_merge is not None and last_merge != first
    assert len(backups.list_backups(path)) == 3
    manual = backups.backup_database(path, reason="manual", now=clock)
    clock.now += dt.timedelta(days=40)
    backups.run_daily(path, now=clock)
    remaining = {info.path for info in backups.list_backups(path)}
    # the manual one, today's, and the newest of May 4th (its day's and its week's): the risky
    # ones older than the seven days are no longer kept for being risky
    assert len(remaining) == 3 and manual.path in remaining and last_merge.path in remaining


def test_settings_are_checked_and_kept(tmp_path: Path) -> None:
    assert backups.load_settings() == BackupSettings()
    assert backups.load_settings().folder_path.name.endswith("-backups")
    assert backups.settings_errors(BackupSettings(keep_daily=0))
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(BackupRefused, match="is a file"):
        backups.save_settings(BackupSettings(folder=str(file)))
    saved = backups.save_settings(BackupSettings(folder=f" {tmp_path} ", daily=False, keep_weekly=2))
    assert backups.load_settings() == saved and saved.folder == str(tmp_path)


def test_an_upgrade_is_backed_up_into_the_backup_folder(qtbot, tmp_path: Path) -> None:
    from desktop_crm.app import open_and_migrate
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import LATEST_VERSION, current_version
    from tests.test_schema import build_version_1

    path = tmp_path / "old.db"
    old = open_database(str(path))
    build_version_1(old)
    old.close()
    db = open_and_migrate(str(path))  # the app's upgrade, in its worker thread
    assert current_version(db) == LATEST_VERSION
    db.close()
    (made,) = backups.list_backups(path)
    assert made.reason == "upgrade" and backups.check_backup(made.path).schema_version == 1
    command_path = tmp_path / "older.db"
    older = open_database(str(command_path))
    build_version_1(older)
    older.close()
    done = subprocess.run([sys.executable, "-m", "desktop_crm", "migrate", "--db",
                           str(command_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert [info.reason for info in backups.list_backups(command_path)] == ["upgrade"]
