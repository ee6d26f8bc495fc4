"""The real ``desktop-crm sync`` process killed mid-round (few, short subprocess tests)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_crm.models import Company, database
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.sync import capture
from tests.sync.helpers import admin

pytestmark = pytest.mark.postgres


ROOT = Path(__file__).resolve().parents[2]


def run_sync(local, url, crash_at=None):
    """The real command in a new process; ``crash_at``: it dies at that checkpoint of the round
    (``tests/sync/crashing_sync.py`` installs the fault, as a kill would stop it there)."""
    command = ["-m", "desktop_crm"] if crash_at is None else ["-m", "tests.sync.crashing_sync", crash_at]
    return subprocess.run(
        [sys.executable, *command, "sync", "--db", local, "--server", url],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def make_local(path, rows):
    db = open_database(path)
    migrate(db)
    with db.atomic():
        for n in range(rows):
            Company.create(legal_name=f"Company {n}")
    db.close()
    database.initialize(None)


def pending(path):
    db = open_database(path)
    try:
        return capture.pending_count(db) if capture.is_replica(db) else None
    finally:
        db.close()
        database.initialize(None)


def test_killed_between_server_commit_and_local_acknowledgement(server_url, tmp_path):
    local = str(tmp_path / "crm.db")
    make_local(local, 5)
    killed = run_sync(local, server_url, crash_at="after_server_commit")
    assert killed.returncode == 137, killed.stderr
    assert pending(local) == 5  # the server has them, the acknowledgement never happened
    with admin(server_url) as conn:
        assert conn.execute("SELECT count(*) FROM company").fetchone() == (5,)
    again = run_sync(local, server_url)
    assert again.returncode == 0, again.stderr
    assert "pushed 0, pulled 9" in again.stdout  # and the four preset roles of a first download
    assert pending(local) == 0
    with admin(server_url) as conn:
        assert conn.execute("SELECT count(*), max(_ver) FROM company").fetchone() == (5, 1)


def test_sigkill_at_a_random_moment_loses_and_duplicates_nothing(server_url, tmp_path):
    local = str(tmp_path / "crm.db")
    make_local(local, 600)
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_crm", "sync", "--db", local, "--server", server_url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    finished = run_sync(local, server_url)
    assert finished.returncode == 0, finished.stderr
    assert pending(local) == 0
    with admin(server_url) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT legal_name) FROM company").fetchone() == (
            600, 600)
        assert conn.execute("SELECT sum(n) FROM sync.push_log").fetchone() == (600,)
    db = open_database(local)
    assert Company.select().count() == 600
    db.close()
