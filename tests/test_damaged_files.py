"""Damaged and unusual database files, each with a clear translated message at every door: the
application's start (real dialogs, offscreen), ``desktop-crm check`` and ``desktop-crm sync`` (real
processes: one clear line, a non-zero exit, no traceback).

The kinds: a damaged file (with and without a backup beside it), a read-only file, a path in a
folder that does not exist, a database of a newer version, a SQLite file of another application,
an empty file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm import i18n
from desktop_crm.app import build_main_window, open_at_start
from desktop_crm.errors import DatabaseReadOnly, classify
from desktop_crm.models import Company, database
from desktop_crm.models.db import is_read_only, open_database
from desktop_crm.models.schema import LATEST_VERSION, current_version, migrate
from desktop_crm.services.system.session import sign_in_for_tool
from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("damaged", "read_only", "missing_folder", "newer", "foreign", "empty")


def crm_file(path: Path, company: str = "ООО «Ромашка»") -> Path:
    db = open_database(str(path))
    migrate(db)
    sign_in_for_tool()  # the first administrator, as the application's first start makes
    Company.create(legal_name=company)
    db.close()
    database.initialize(None)
    return path


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file may not be written, for real: immutable when the tests run as root (root ignores
    file modes), mode 0444 otherwise."""
    as_root = os.geteuid() == 0
    if as_root:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode:
            pytest.skip("running as root without chattr: a file cannot be made read-only")
    else:
        path.chmod(0o444)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o644)


@contextlib.contextmanager
def made(kind: str, folder: Path) -> Iterator[Path]:
    """A database path of ``kind`` inside ``folder``."""
    path = folder / "crm.db"
    if kind == "damaged":
        crm_file(path)
        with path.open("r+b") as handle:
            handle.write(b"\xde\xad\xbe\xef" * 25)  # the 100-byte header
    elif kind == "read_only":
        crm_file(path)
    elif kind == "missing_folder":
        path = folder / "unplugged drive" / "crm.db"
    elif kind == "newer":
        crm_file(path)
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE schema_version SET version = ?", (LATEST_VERSION + 1,))
        conn.close()
    elif kind == "foreign":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE recipe (id INTEGER PRIMARY KEY, title TEXT)")
            conn.execute("INSERT INTO recipe (title) VALUES ('Borscht')")
        conn.close()
    elif kind == "empty":
        path.write_bytes(b"")
    if kind == "read_only":
        with read_only(path):
            yield path
    else:
        yield path


# --- the application's start ---------------------------------------------------------------------


class Answers:
    """Answers the start-up dialogs as the user would: records each and presses a button."""

    def __init__(self, *buttons: str) -> None:
        self.buttons = list(buttons)
        self.seen: list[tuple[str, str]] = []
        self._poll()

    def _poll(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            self.seen.append((box.objectName(), f"{box.text()}\n{box.informativeText()}"))
            wanted = self.buttons.pop(0) if self.buttons else None
            button = next((b for b in box.buttons() if b.text() == wanted), None)
            (button or box.buttons()[-1]).click()
        QTimer.singleShot(20, self._poll)


@pytest.fixture
def start(qtbot, tmp_path, monkeypatch, qsettings):
    """``open_at_start`` on a path, answering its dialogs; the database is closed afterwards."""
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    opened = []

    def run(url: Path, *buttons: str) -> tuple[object, list[tuple[str, str]]]:
        answers = Answers(*buttons)
        db = open_at_start(str(url))
        opened.append(db)
        return db, answers.seen

    yield run
    for db in opened:
        if db is not None and not db.is_closed():
            db.close()


@pytest.fixture
def qsettings(tmp_path: Path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_app_damaged_file_with_a_backup_offers_to_restore_it(start, tmp_path):
    path = crm_file(tmp_path / "crm.db")
    backup = tmp_path / "crm.v5-20260101-090000.bak.db"
    shutil.copy(path, backup)
    with made("damaged", tmp_path) as damaged:
        db, seen = start(damaged, "Restore the backup")
    assert [name for name, _text in seen] == ["restore_backup_dialog"]
    assert "is damaged or is not a database file" in seen[0][1]
    assert backup.name in seen[0][1]
    assert db is not None and current_version(db) == LATEST_VERSION
    assert [c.legal_name for c in Company.select()] == ["ООО «Ромашка»"]
    kept = list(tmp_path.glob("crm.damaged-*.db"))
    assert len(kept) == 1 and kept[0].read_bytes()[:4] == b"\xde\xad\xbe\xef"


def test_app_damaged_file_with_a_backup_can_be_left_alone(start, tmp_path):
    shutil.copy(crm_file(tmp_path / "other.db"), tmp_path / "crm.v5-20260101-090000.bak.db")
    with made("damaged", tmp_path) as damaged:
        before = damaged.read_bytes()
        db, seen = start(damaged, "Quit")
    assert db is None and [name for name, _ in seen] == ["restore_backup_dialog"]
    assert damaged.read_bytes() == before


def test_app_missing_folder_asks_before_creating_a_database(start, tmp_path):
    with made("missing_folder", tmp_path) as path:
        db, seen = start(path, "Quit")
        assert db is None and not path.parent.exists()
        assert seen[0][0] == "create_database_dialog" and "does not exist" in seen[0][1]
        db, seen = start(path, "Create a new database")
        assert db is not None and path.is_file() and current_version(db) == LATEST_VERSION


def test_app_read_only_file_opens_with_a_banner_and_refuses_changes(qtbot, start, tmp_path,
                                                                     qsettings):
    with made("read_only", tmp_path) as path:
        db, seen = start(path)
        assert seen == [] and db is not None and is_read_only(db)
        window = build_main_window(str(path), qsettings)
        qtbot.addWidget(window)
        window.show()
        assert window.read_only_banner.isVisible()
        assert "can only be read" in window.read_only_banner.text()
        with pytest.raises(Exception) as refused:
            Company.create(legal_name="New")
        assert isinstance(classify(refused.value), DatabaseReadOnly)
        window.close()


@pytest.mark.parametrize(("kind", "phrase"), [
    ("damaged", "is damaged or is not a database file"),
    ("newer", "created by a newer version of Desktop CRM"),
    ("foreign", "belongs to another application"),
])
def test_app_refuses_with_a_clear_message(start, tmp_path, kind, phrase):
    with made(kind, tmp_path) as path:
        db, seen = start(path)
    assert db is None
    assert [name for name, _ in seen] == ["database_error_dialog"]
    assert phrase in seen[0][1]


def test_app_an_empty_file_becomes_a_new_database(start, tmp_path):
    with made("empty", tmp_path) as path:
        db, seen = start(path)
    assert seen == [] and db is not None and current_version(db) == LATEST_VERSION


def test_app_messages_are_translated(start, tmp_path):
    i18n.set_language("ru")
    with made("foreign", tmp_path) as path:
        _db, seen = start(path)
    assert "принадлежит другому приложению" in seen[0][1]


# --- desktop-crm check and sync, real processes --------------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop_crm", *args], capture_output=True,
                          text=True, timeout=180, cwd=cwd,
                          env={**os.environ, "CRM_DATA_DIR": str(cwd / "data")})


CHECK = {
    "damaged": (1, "is damaged or is not a database file"),
    "read_only": (0, "read-only"),
    "missing_folder": (1, "no such file"),
    "newer": (1, "was written by a newer Desktop CRM"),
    "foreign": (1, "belongs to another application"),
    "empty": (1, "The database is empty"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_check(tmp_path, kind):
    with made(kind, tmp_path) as path:
        result = cli("check", "--db", str(path), cwd=tmp_path)
    code, phrase = CHECK[kind]
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == code, result.stderr + result.stdout
    matching = [line for line in result.stdout.splitlines() if phrase in line]
    assert len(matching) == 1, result.stdout
    if code:
        assert matching[0].startswith("✗ ")
    assert not (tmp_path / "unplugged drive").exists()


SYNC = {
    "damaged": "is damaged or is not a database file",
    "read_only": "is read-only",
    "missing_folder": "does not exist",
    "newer": "created by a newer version of Desktop CRM",
    "foreign": "belongs to another application",
    "empty": "Cannot reach the server",  # an empty file is a new replica: then the server is asked
}


@pytest.mark.parametrize("kind", KINDS)
def test_sync(tmp_path, kind):
    server = f"postgresql://nobody@127.0.0.1:{free_port()}/crm"
    with made(kind, tmp_path) as path:
        result = cli("sync", "--db", str(path), "--server", server, cwd=tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert len(lines) == 1 and SYNC[kind] in lines[0], result.stderr
    assert not (tmp_path / "unplugged drive").exists()


def test_check_on_a_damaged_file_names_its_backup(tmp_path):
    backup = tmp_path / "crm.v5-20260101-090000.bak.db"
    shutil.copy(crm_file(tmp_path / "spare.db"), backup)
    with made("damaged", tmp_path) as path:
        result = cli("--lang", "it", "check", "--db", str(path), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "danneggiato" in result.stdout and backup.name in result.stdout
