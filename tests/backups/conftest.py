"""Fixtures of the backup, restore, archive and vCard tests: the shell's demo database and main
window, and a data folder of the test's own (the backup settings live there)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.shell.conftest import (  # noqa: F401 - fixtures
    demo_db,
    demo_template,
    qsettings,
    synchronous_workers,
)


@pytest.fixture
def window(qtbot, demo_db: str, qsettings, synchronous_workers):  # noqa: F811
    """The shell's main window; a restore or an import may have replaced (and deleted) it."""
    import shiboken6

    from desktop_crm.app import build_main_window
    from tests.shell.conftest import admin_user

    main = build_main_window(demo_db, qsettings, admin_user())
    main.show()
    qtbot.waitExposed(main)
    yield main
    if shiboken6.isValid(main):
        main.close()


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(folder))
    monkeypatch.delenv("CRM_BACKUP_DIR", raising=False)  # the default: beside the data folder
    yield folder


def table_rows(path: Path | str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a SQLite file, sorted: two files compare table by table."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        return {table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
                for table in tables}
