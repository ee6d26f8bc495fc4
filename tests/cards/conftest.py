"""Fixtures for the cards, tasks and settings screens: a real SQLite file, a real registry and
context, background work made synchronous, and a helper that answers the next modal dialog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget

from desktop_crm import workers
from desktop_crm.models import Role
from tests.factories import make_pipeline, make_stages, make_user


@pytest.fixture
def context(db: object, tmp_path: Path, qtbot: Any) -> Iterator[Any]:
    # qtbot first, so that open cards are made clean here before qtbot closes them
    from desktop_crm.services.system.session import current_user
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.registry import build_registry

    admin = make_user("Анна Морозова", role=Role.ADMIN, email="anna@firma.ru")
    make_user("Marco Bianchi", role=Role.SALES, head=admin)
    make_stages(make_pipeline("Продажи"), ["Первичный контакт", "КП отправлено"], won="Успешно",
                lost="Проиграна")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with workers.synchronous():
        context = AppContext(current_user(str(admin.id)), "crm.db", build_registry(), settings)
        yield context
        context.close()
    from desktop_crm.views.cards.common import CardDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, CardDialog):
            widget.set_clean()
            for draft in widget.drafts:
                draft.text.clear()
            widget.close()


def type_text(widget: QWidget, text: str) -> None:
    """Type any text, Cyrillic and Italian letters included (keyClicks aborts on non-ASCII)."""
    from PySide6.QtCore import Qt

    widget.setFocus()
    for char in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, char,
                           Qt.KeyboardModifier.NoModifier)


def answer_next_box(button_text: str) -> list[str]:
    """Click the button labelled ``button_text`` in the next modal message box; returns the texts
    of the box once answered (empty when no box came)."""
    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        for button in box.findChildren(QAbstractButton):
            if button.text() == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} in {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(0, click)
    return seen


@pytest.fixture
def answer() -> Callable[[str], list[str]]:
    return answer_next_box


@pytest.fixture
def typer() -> Callable[[QWidget, str], None]:
    return type_text
