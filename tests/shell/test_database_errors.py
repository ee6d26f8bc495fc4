"""Environmental database failures, produced for real, each mapped to its typed error; bugs stay
bugs; a worker hitting one shows its message, not the crash dialog."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from urllib.parse import urlparse

import peewee
import pytest
from PySide6.QtWidgets import QApplication

from desktop_crm import workers
from desktop_crm.app import CrashHandler, setup_logging
from desktop_crm.errors import (
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseReadOnly,
    DatabaseUnavailable,
    ValidationError,
    classify,
    database_errors,
)
from tests.pg import free_port


def sqlite_file(path: Path, rows: int = 0) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT UNIQUE)")
        conn.executemany("INSERT INTO note (body) VALUES (?)",
                         [(f"note {n} " + "x" * 200,) for n in range(rows)])
    conn.close()
    return path


def failure(action) -> BaseException:
    with pytest.raises(Exception) as caught:  # the test looks at which one
        action()
    return caught.value


def typed_failure(action) -> BaseException:
    """What ``database_errors()`` re-raises for the action's failure."""
    def guarded() -> None:
        with database_errors():
            action()

    return failure(guarded)


# --- SQLite ----------------------------------------------------------------------------------------

@pytest.fixture
def locked_file(tmp_path):
    """A database file on which a second connection holds the write lock."""
    path = sqlite_file(tmp_path / "crm.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO note (body) VALUES ('held')")
    yield path
    holder.execute("ROLLBACK")
    holder.close()


def test_a_write_lock_held_by_another_connection_is_busy(locked_file):
    db = peewee.SqliteDatabase(str(locked_file), pragmas={"busy_timeout": 50})
    try:
        error = typed_failure(lambda: db.execute_sql("INSERT INTO note (body) VALUES ('mine')"))
    finally:
        db.close()
    assert isinstance(error, DatabaseBusy)
    assert isinstance(error.__cause__, peewee.OperationalError)
    assert "database is locked" in str(error.__cause__)
    assert "busy" in error.message and "try again" in error.message


def test_a_read_only_database_refuses_a_write(tmp_path):
    path = sqlite_file(tmp_path / "crm.db")
    # root ignores file modes, so open the file the way a read-only file or mount is opened
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        error = failure(lambda: conn.execute("INSERT INTO note (body) VALUES ('x')"))
    finally:
        conn.close()
    assert "readonly" in str(error)
    assert isinstance(classify(error), DatabaseReadOnly)

    db = peewee.SqliteDatabase(str(path), pragmas={"query_only": 1})
    try:
        error = typed_failure(lambda: db.execute_sql("INSERT INTO note (body) VALUES ('x')"))
    finally:
        db.close()
    assert isinstance(error, DatabaseReadOnly) and "only be read" in error.message


def test_a_file_overwritten_in_its_header_is_corrupt(tmp_path):
    path = sqlite_file(tmp_path / "crm.db", rows=10)
    with path.open("r+b") as handle:
        handle.write(b"\xde\xad\xbe\xef" * 25)  # the 100-byte header
    db = peewee.SqliteDatabase(str(path))
    try:
        error = typed_failure(lambda: db.execute_sql("SELECT count(*) FROM note").fetchone())
    finally:
        db.close()
    assert "file is not a database" in str(error.__cause__)
    assert isinstance(error, DatabaseCorrupt) and "damaged" in error.message
    # an expected problem a service explained from the same failure keeps its own message
    explained = ValidationError("The file is not a database.")
    explained.__cause__ = error.__cause__
    assert classify(explained) is None


def test_a_file_with_overwritten_pages_is_corrupt(tmp_path):
    path = sqlite_file(tmp_path / "crm.db", rows=2000)
    page_size = 4096
    with path.open("r+b") as handle:  # the table's b-tree pages, past the schema page
        handle.seek(2 * page_size)
        handle.write(b"\xff" * (20 * page_size))
    conn = sqlite3.connect(path)
    try:
        error = failure(lambda: conn.execute("SELECT sum(length(body)) FROM note").fetchone())
    finally:
        conn.close()
    assert "malformed" in str(error)
    assert isinstance(classify(error), DatabaseCorrupt)


def test_bugs_stay_bugs(tmp_path):
    db = peewee.SqliteDatabase(str(sqlite_file(tmp_path / "crm.db", rows=1)))
    try:
        duplicate = failure(lambda: db.execute_sql(
            "INSERT INTO note (body) VALUES (?)", ("note 0 " + "x" * 200,)))
        syntax = failure(lambda: db.execute_sql("SELEC 1"))
        missing = failure(lambda: db.execute_sql("SELECT * FROM no_such_table"))
        for error in (duplicate, syntax, missing, ZeroDivisionError("bug")):
            assert classify(error) is None, error
        # the guard lets them through as they are
        assert isinstance(typed_failure(lambda: db.execute_sql("SELEC 1")), peewee.OperationalError)
    finally:
        db.close()


# --- PostgreSQL --------------------------------------------------------------------------------------

def _with_port(url: str, port: int) -> str:
    parsed = urlparse(url)
    host = parsed.netloc.rsplit(":", 1)[0] if parsed.port else parsed.netloc
    return parsed._replace(netloc=f"{host}:{port}").geturl()


@pytest.mark.postgres
def test_a_server_that_does_not_answer_is_unavailable(pg_url):
    from desktop_crm.models.db import make_database

    db = make_database(_with_port(pg_url, free_port()))  # the test cluster, at a wrong port
    error = typed_failure(db.connect)
    assert isinstance(error, DatabaseUnavailable)
    assert isinstance(error.__cause__, peewee.OperationalError)
    assert "server" in error.message


@pytest.mark.postgres
def test_opening_a_database_whose_server_does_not_answer_says_so(pg_url):
    """Not "cannot open the database" (as for a file that is no database): the server is away."""
    from desktop_crm.models.db import open_database

    with pytest.raises(DatabaseUnavailable) as raised:
        open_database(_with_port(pg_url, free_port()))
    assert "server" in raised.value.message


def test_opening_a_locked_file_says_it_is_busy(tmp_path):
    from desktop_crm.models.db import open_database

    path = sqlite_file(tmp_path / "crm.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # not even readable until it ends
    try:
        with pytest.raises(DatabaseBusy):
            open_database(str(path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.postgres
def test_a_connection_the_server_drops_is_unavailable(pg_url):
    from desktop_crm.models.db import make_database

    db = make_database(pg_url)
    other = make_database(pg_url)
    try:
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        other.execute_sql("SELECT pg_terminate_backend(%s)", (pid,))
        error = typed_failure(lambda: db.execute_sql("SELECT 1").fetchone())
    finally:
        other.close()
        db.close()
    assert isinstance(error, DatabaseUnavailable)


@pytest.mark.postgres
def test_postgres_lock_timeout_and_read_only_transaction(pg_url):
    from desktop_crm.models.db import make_database

    holder = make_database(pg_url)
    db = make_database(pg_url)
    try:
        holder.execute_sql("CREATE TABLE note (id integer PRIMARY KEY)")
        with holder.atomic():
            holder.execute_sql("LOCK TABLE note IN ACCESS EXCLUSIVE MODE")
            db.execute_sql("SET lock_timeout = '100ms'")
            busy = typed_failure(lambda: db.execute_sql("INSERT INTO note VALUES (1)"))
        db.execute_sql("SET default_transaction_read_only = on")
        read_only = typed_failure(lambda: db.execute_sql("INSERT INTO note VALUES (2)"))
        missing = failure(lambda: db.execute_sql("SELECT * FROM no_such_table"))
    finally:
        holder.close()
        db.close()
    assert isinstance(busy, DatabaseBusy)
    assert isinstance(read_only, DatabaseReadOnly)
    assert classify(missing) is None


# --- workers and the crash handler -------------------------------------------------------------------

def test_a_worker_hitting_a_locked_database_shows_the_message_not_the_crash_dialog(
        qtbot, tmp_path, locked_file):
    log_path = setup_logging(tmp_path / "logs")
    handler = CrashHandler(log_path)
    handler.install()
    db = peewee.SqliteDatabase(str(locked_file), pragmas={"busy_timeout": 50})

    def write(_progress: workers.Progress) -> None:
        try:
            db.execute_sql("INSERT INTO note (body) VALUES ('from the worker')")
        finally:
            db.close()

    try:
        job = workers.run_in_background(write, use_database=False, name="write-note")
        qtbot.waitUntil(lambda: bool(handler.dialogs), timeout=5000)
        assert job.is_done
    finally:
        handler.uninstall()
    dialog = handler.dialogs[-1]  # deletes itself when closed
    assert dialog.objectName() == "error_dialog"
    assert dialog.text() == DatabaseBusy().message
    assert not [w for w in QApplication.topLevelWidgets()
                if w.objectName() == "crash_dialog" and w.isVisible()]
    for handle in __import__("logging").getLogger().handlers:
        handle.flush()
    logged = log_path.read_text(encoding="utf-8")
    assert "database is locked" in logged and "uncaught exception" not in logged
    dialog.close()


def test_a_worker_hands_its_error_callback_the_typed_error(locked_file):
    db = peewee.SqliteDatabase(str(locked_file), pragmas={"busy_timeout": 50})

    @database_errors()
    def write() -> None:
        db.execute_sql("INSERT INTO note (body) VALUES ('from the worker')")

    errors: list[BaseException] = []
    try:
        with workers.synchronous():
            workers.run_in_background(lambda _progress: db.execute_sql(
                "INSERT INTO note (body) VALUES ('x')"), on_error=errors.append, use_database=False)
        with pytest.raises(DatabaseBusy):  # the same, as a decorator
            write()
    finally:
        db.close()
    assert isinstance(errors[0], DatabaseBusy)
    assert isinstance(errors[0].__cause__, peewee.OperationalError)


def test_the_crash_handler_shows_an_environmental_failure_as_a_message(qtbot, tmp_path, locked_file):
    handler = CrashHandler(setup_logging(tmp_path / "logs"))
    db = peewee.SqliteDatabase(str(locked_file), pragmas={"busy_timeout": 50})
    try:
        db.execute_sql("INSERT INTO note (body) VALUES ('on the GUI thread')")
    except peewee.OperationalError:
        handler.handle(*sys.exc_info())
    finally:
        db.close()
    dialog = handler.dialogs[-1]  # deletes itself when closed
    assert dialog.objectName() == "error_dialog" and dialog.text() == DatabaseBusy().message
    dialog.close()
