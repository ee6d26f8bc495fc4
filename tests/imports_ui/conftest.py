"""The import wizard's tests: a real SQLite file, the real registry and context of the cards' tests."""

from __future__ import annotations

import pytest

from tests.cards.conftest import answer, context, typer  # noqa: F401 - fixtures shared with the cards


@pytest.fixture(autouse=True)
def _import_windows_closed():
    """The wizard and the history delete themselves when closed; whatever a test left open is
    closed here (qtbot.addWidget would close them twice)."""
    yield
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop_crm.views.imports.history import ImportHistoryDialog
    from desktop_crm.views.imports.wizard import ImportWizard

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ImportWizard | ImportHistoryDialog | QMessageBox) and widget.isVisible():
            widget.close()
