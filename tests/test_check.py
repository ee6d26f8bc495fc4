"""``desktop-crm check``: passes on a demo database, fails clearly on what it cannot vouch for."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_crm import cli, i18n
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import LATEST_VERSION, migrate
from desktop_crm.services.data.demo import DemoOptions, build_demo
from desktop_crm.services.system import integrity

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("check") / "demo.db"
    build_demo(str(path), DemoOptions(deals=60, seed=2))
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The real console command in a subprocess (exit code, stdout and stderr as a user sees them)."""
    env = {**os.environ, "LANGUAGE": "en"}
    return subprocess.run([sys.executable, "-m", "desktop_crm", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_passes_on_a_demo_database(demo_db: Path):
    result = run_cli("check", "--db", str(demo_db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed." in result.stdout
    for title in ("Database", "Schema version", "Integrity", "References"):
        assert f"✓ {title}:" in result.stdout
    assert "Integrity check passed." in result.stdout


def test_check_fails_on_a_file_that_is_not_a_database(tmp_path: Path):
    path = tmp_path / "clients.db"
    path.write_text("Фёдоров Пётр, +7 916 123-45-67\n" * 200, encoding="utf-8")
    result = run_cli("check", "--db", str(path))
    assert result.returncode == 1
    assert "✗ Database: " in result.stdout and "is damaged or is not a database file" in result.stdout
    assert "file is not a database" in result.stdout
    assert path.read_text(encoding="utf-8").startswith("Фёдоров")


def test_check_fails_on_a_database_from_a_newer_version(tmp_path: Path):
    path = tmp_path / "newer.db"
    db = open_database(str(path))
    migrate(db)
    db.execute_sql("UPDATE schema_version SET version = ?", (LATEST_VERSION + 1,))
    db.close()
    result = run_cli("check", "--db", str(path))
    assert result.returncode == 1
    assert f"Schema {LATEST_VERSION + 1} was written by a newer Desktop CRM" in result.stdout
    assert "Update the application" in result.stdout


def test_check_asks_for_migrate_on_an_older_or_empty_database(tmp_path: Path, capsys):
    older = tmp_path / "older.db"
    db = open_database(str(older))
    migrate(db)
    db.execute_sql("UPDATE schema_version SET version = 1")
    db.close()
    assert cli.main(["check", "--db", str(older)]) == 1
    out = capsys.readouterr().out
    assert "older than this version" in out and "desktop-crm migrate" in out

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert cli.main(["check", "--db", str(empty)]) == 1
    assert "The database is empty" in capsys.readouterr().out


def test_check_reports_a_missing_file_without_creating_it(tmp_path: Path, capsys):
    path = tmp_path / "missing.db"
    assert cli.main(["check", "--db", str(path)]) == 1
    assert "no such file" in capsys.readouterr().out
    assert not path.exists()


def test_check_finds_broken_references(tmp_path: Path, demo_db: Path, capsys):
    broken = tmp_path / "broken.db"
    broken.write_bytes(demo_db.read_bytes())
    with sqlite3.connect(broken) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM contact WHERE id IN (SELECT contact_id FROM deal "
                     "WHERE contact_id IS NOT NULL LIMIT 1)")
    conn.close()
    assert cli.main(["check", "--db", str(broken), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    references = next(c for c in report["checks"] if c["key"] == "foreign_keys")
    assert references["ok"] is False
    assert any(detail.startswith("deal → contact") for detail in references["details"])


def test_large_files_get_the_quick_check_and_say_so(demo_db: Path, monkeypatch):
    monkeypatch.setattr(integrity, "QUICK_CHECK_ABOVE_BYTES", 1)
    outcomes = {o.key: o for o in integrity.run_checks(str(demo_db))}
    assert outcomes["integrity"].ok
    assert "Quick check passed" in outcomes["integrity"].message
    assert "--full" in outcomes["integrity"].message
    full = {o.key: o for o in integrity.run_checks(str(demo_db), full=True)}
    assert full["integrity"].message == "Integrity check passed."


def test_messages_are_translated(tmp_path: Path):
    i18n.set_language("ru")
    outcomes = integrity.run_checks(str(tmp_path / "missing.db"))
    assert outcomes[0].title == "База данных" and "файл не найден" in outcomes[0].message


@pytest.mark.postgres
def test_check_on_postgresql(pg_url: str, capsys):
    build_demo(pg_url, DemoOptions(deals=20, seed=3))
    assert cli.main(["check", "--db", pg_url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [c["key"] for c in report["checks"]] == [
        "open", "schema_version", "integrity", "foreign_keys", "refused_changes"]
    assert "PostgreSQL" in report["checks"][0]["message"]

    db = open_database(pg_url)
    db.execute_sql("UPDATE schema_version SET version = %s", (LATEST_VERSION + 1,))
    db.close()
    assert cli.main(["check", "--db", pg_url]) == 1
    assert "newer Desktop CRM" in capsys.readouterr().out
