"""The screenshot of Settings › Automation renders on the demo database in Russian and Italian, with
the demo's robots (seed 001) in a pipeline of the screenshot's language."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop_crm.app import install_language
from desktop_crm.models import AutomationRule, Pipeline


@pytest.mark.parametrize("language", ["ru", "it"])
def test_the_automation_screen_renders_with_the_demos_robots(qtbot, demo_db, tmp_path, language):
    from desktop_crm import workers
    from desktop_crm.cli import main

    names = {pipeline.name for pipeline in Pipeline.select().join(
        AutomationRule, on=AutomationRule.pipeline == Pipeline.id).distinct()}
    assert names == {"Продажи", "Vendite"}
    assert AutomationRule.select().count() == 12
    out = tmp_path / "shots"
    try:
        code = main(["screenshots", "--db", demo_db, "--out", str(out), "--lang", language,
                     "--only", "settings_automation"])
    finally:
        workers.set_synchronous(False)
        install_language(QApplication.instance(), "en")
    assert code == 0
    image = QImage(str(out / "settings_automation.png"))
    assert image.width() >= 600 and image.height() >= 400
    for widget in QApplication.topLevelWidgets():
        widget.close()
