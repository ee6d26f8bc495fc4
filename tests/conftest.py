"""Test fixtures: a fresh SQLite file per test, a throwaway PostgreSQL cluster per session.

``db`` runs a test on SQLite; ``any_db`` runs it on SQLite and on PostgreSQL. PostgreSQL comes from
``CRM_TEST_PG_URL`` or from a cluster started here (initdb + pg_ctl on a free loopback port, as the
``postgres`` user when the tests run as root). Without PostgreSQL binaries those tests skip with the
reason, unless ``CRM_REQUIRE_POSTGRES=1``, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# never the developer's OS keyring: an in-memory one, also in the subprocesses the tests start
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")
# backups made before merges and upgrades go to a folder of this run, never the developer's
os.environ.setdefault("CRM_BACKUP_DIR", tempfile.mkdtemp(prefix="crm-test-backups-"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")) if p
)

from collections.abc import Iterator

import pytest

from desktop_crm import i18n
from desktop_crm.i18n.catalogs import compile_catalogs
from desktop_crm.models import database
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.system import history
from desktop_crm.sync import capture
from tests.pg import PostgresCluster, find_postgres_bin

capture.install()  # as cli.main does: every database the tests open is made with sync's hooks
history.install()  # as cli.main does: a signed-in user's saves are recorded as field history


def pytest_configure(config: pytest.Config) -> None:
    compile_catalogs()


# --- proof that the PostgreSQL tests ran (CI requires it) ------------------------------------------

_postgres_outcomes: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    if report.when == "call":
        _postgres_outcomes["passed" if report.passed else "failed"] += 1
    elif report.when == "setup" and not report.passed:
        _postgres_outcomes["skipped" if report.skipped else "failed"] += 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    counts = _postgres_outcomes
    terminalreporter.write_line(
        f"PostgreSQL: {counts['passed']} tests passed on PostgreSQL, {counts['failed']} failed, "
        f"{counts['skipped']} skipped", bold=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CRM_REQUIRE_POSTGRES=1 (CI) a run that collected no test fails instead of exiting 5."""
    if os.environ.get("CRM_REQUIRE_POSTGRES") == "1" and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _english_ui() -> Iterator[None]:
    """Every test starts with English messages; tests that need another language set it."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def _tests_administrator() -> Iterator[None]:
    """Every test acts as the tests' administrator (every action, every row: the product never
    does); a test about rights or sign-in signs in a real user (``session.sign_in``) instead."""
    from desktop_crm.services.system import rights

    rights.act_as(rights.administrator())
    yield
    rights.act_as(None)


@pytest.fixture(autouse=True)
def _no_background_job_outlives_its_test() -> Iterator[None]:
    """A job still running after its test would go on in the next one, whose database the models'
    proxy is bound to by then (and leave a connection to it open): cancel it and wait."""
    yield
    from desktop_crm import workers

    if workers.running_jobs():
        workers.cancel_all()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server URL (maintenance database); skipped or failed when none can be had."""
    url = os.environ.get("CRM_TEST_PG_URL")
    if url:
        yield url
        return
    bindir = find_postgres_bin()
    if bindir is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if os.environ.get("CRM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CRM_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    # Not under pytest's basetemp: every pytest session resets /tmp/pytest-of-<user> to mode 0700,
    # which locks the server's user out of its data directory when sessions run side by side.
    workdir = Path(tempfile.mkdtemp(prefix="crm-test-pg-"))
    cluster = PostgresCluster(bindir, workdir)
    try:
        cluster.start()
        yield cluster.url("postgres")
    finally:
        if (cluster.datadir / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test."""
    from tests.pg import create_database, drop_database

    url = create_database(pg_server, request.node.name)
    yield url
    drop_database(pg_server, url)


def _open(url: str) -> Iterator[object]:
    db = open_database(url)
    migrate(db)
    try:
        yield db
    finally:
        if not db.is_closed():
            db.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[object]:
    """A migrated database on a new SQLite file, bound to the models."""
    yield from _open(str(tmp_path / "crm.db"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield from _open(str(tmp_path / "crm.db"))
    else:
        yield from _open(request.getfixturevalue("pg_url"))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return str(tmp_path / "crm.db")


__all__ = ["database"]
