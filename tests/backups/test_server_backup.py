"""``desktop-crm server backup`` against a real PostgreSQL: pg_dump, then pg_restore into a fresh
database, compared table by table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop_crm._drivers import load_psycopg
from desktop_crm.models import database
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from tests.pg import create_database, drop_database, find_postgres_bin
from tests.shell.conftest import build_world

pytestmark = pytest.mark.postgres


def _tables(url: str) -> dict[str, list[tuple[object, ...]]]:
    psycopg = load_psycopg()
    with psycopg.connect(url) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema IN ('public', 'sync') AND table_type = 'BASE TABLE' ORDER BY 1")]
        return {name: sorted(conn.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
                for name in names}


def test_server_backup_restores_with_pg_restore(pg_server: str, pg_url: str, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    db = open_database(pg_url)
    migrate(db)
    build_world()
    db.close()
    database.initialize(None)
    before = _tables(pg_url)
    assert before["public.deal"] and before["public.contact"]
    bindir = find_postgres_bin()
    pg_dump = str(bindir / "pg_dump") if bindir else None
    target = tmp_path / "crm.dump"
    command = [sys.executable, "-m", "desktop_crm", "server", "backup", "--server", pg_url,
               "--to", str(target), *(["--pg-dump", pg_dump] if pg_dump else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert str(target) in done.stdout and target.read_bytes()[:5] == b"PGDMP"
    fresh = create_database(pg_server, request.node.name + "_restored")
    try:
        pg_restore = str(bindir / "pg_restore") if bindir else "pg_restore"
        restored = subprocess.run([pg_restore, "--no-owner", f"--dbname={fresh}", str(target)],
                                  capture_output=True, text=True, check=False)
        assert restored.returncode == 0, restored.stderr
        assert _tables(fresh) == before
    finally:
        drop_database(pg_server, fresh)
    missing = subprocess.run([sys.executable, "-m", "desktop_crm", "server", "backup", "--server",
                              pg_url, "--to", str(tmp_path / "x.dump"), "--pg-dump",
                              str(tmp_path / "nothing")], capture_output=True, text=True,
                             check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
