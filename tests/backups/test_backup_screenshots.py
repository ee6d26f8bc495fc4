"""The screenshots of Settings › Backups and of File › Restore (also refusing a damaged backup)
render on the demo database in Russian and Italian."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop_crm.app import install_language

SCREENS = ["settings_backups", "restore_dialog", "restore_dialog_refused"]


@pytest.mark.parametrize("language", ["ru", "it"])
def test_the_backup_screens_render(qtbot, demo_db, tmp_path, language):
    from desktop_crm import workers
    from desktop_crm.cli import main

    out = tmp_path / "shots"
    before = (tmp_path / "demo.db").read_bytes()
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
    assert (tmp_path / "demo.db").read_bytes()[:100] == before[:100]  # nothing was restored
    for widget in QApplication.topLevelWidgets():
        widget.close()
