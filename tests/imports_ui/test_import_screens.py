"""The import wizard's screenshots render on the demo database in Russian and Italian, and leave
it as it was (the result screen's real import is undone afterwards)."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop_crm.app import install_language
from tests.shell.conftest import demo_db, demo_template  # noqa: F401 - the demo database fixtures

SCREENS = ["import_file", "import_mapping", "import_references", "import_options", "import_preview",
           "import_run", "import_result", "import_history"]


def _counts(path: str) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for table in ("deal", "deal_line", "company", "contact", "stage", "pipeline")}


@pytest.mark.parametrize("language", ["ru", "it"])
def test_the_import_screens_render(qtbot, demo_db, tmp_path, monkeypatch, language):  # noqa: F811
    from desktop_crm import workers
    from desktop_crm.cli import main

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    before = _counts(demo_db)
    out = tmp_path / "shots"
    try:
        code = main(["screenshots", "--db", demo_db, "--out", str(out), "--lang", language,
                     "--only", *SCREENS])
    finally:
        workers.set_synchronous(False)
        install_language(QApplication.instance(), "en")
    assert code == 0
    assert sorted(p.stem for p in out.glob("*.png")) == sorted(SCREENS)
    for path in out.glob("*.png"):
        image = QImage(str(path))
        assert image.width() >= 600 and image.height() >= 400, path.name
    assert _counts(demo_db) == before
    for widget in QApplication.topLevelWidgets():
        widget.close()
