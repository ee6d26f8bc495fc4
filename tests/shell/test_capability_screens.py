"""The screenshots of the new screens render on the demo database in Russian and Italian: the
first-run steps, the contact merge, the payments of an invoice, numbering and templates."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop_crm.app import install_language

SCREENS = ["first_run_1_language", "first_run_2_start", "first_run_3_company", "first_run_4_sales",
           "first_run_5_user", "merge_contacts", "invoice_payments", "settings_numbering",
           "settings_templates"]


@pytest.mark.parametrize("language", ["ru", "it"])
def test_the_new_screens_render(qtbot, demo_db, tmp_path, monkeypatch, language):
    from desktop_crm import workers
    from desktop_crm.cli import main

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
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
        assert image.width() >= 600 and image.height() >= 450, path.name
    for widget in QApplication.topLevelWidgets():
        widget.close()
