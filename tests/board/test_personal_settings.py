"""Personal settings stay with their user (issue 17, point 6): two people signing in on one computer
each keep their own board pipeline, folded stages, list filters and saved filters; what one changes
the other never sees (and on a shared server the rows are per user, see tests/sync)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from desktop_crm import workers
from desktop_crm.models import Setting
from desktop_crm.services.listing import preferences
from desktop_crm.services.system.session import current_user
from desktop_crm.views.context import AppContext
from desktop_crm.views.deals.board import KanbanView
from desktop_crm.views.registry import build_registry
from tests.factories import make_pipeline, make_stage


@pytest.fixture
def open_board(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)  # one computer

    def board_for(user):
        context = AppContext(user=current_user(str(user.id)), database_name="test",
                             registry=build_registry(("desktop_crm.views.deals.section",)),
                             settings=settings)
        view = KanbanView(context)
        qtbot.addWidget(view)
        return view

    with workers.synchronous():
        yield board_for


def test_each_user_keeps_their_own_board(open_board, world):
    second = make_pipeline("Розница", is_default=False)
    make_stage(second, "Новая", 1)
    mine = open_board(world.manager)
    mine.pipeline.setCurrentIndex(mine.pipeline.findData(str(second.id)))  # Пётр picks another
    assert [c.info.name for c in mine.columns][:1] == ["Новая"]
    mine.close()
    other = open_board(world.other_manager)  # Giulia, on the same computer, still has the default
    assert other.pipeline_id() == str(world.pipeline.id)
    won = other.column(world.won.id)
    won.set_collapsed(False)  # she unfolds "won"
    other.close()
    again = open_board(world.manager)  # Пётр again: his pipeline, and "won" still folded for him
    assert again.pipeline_id() == str(second.id)
    again.pipeline.setCurrentIndex(again.pipeline.findData(str(world.pipeline.id)))
    assert again.column(world.won.id).collapsed
    rows = {(str(s.user_id), s.key) for s in Setting.alive().where(Setting.key == "ui.board")}
    assert rows == {(str(world.manager.id), "ui.board"), (str(world.other_manager.id), "ui.board")}


def test_saved_filters_and_columns_are_per_user(world):
    preferences.save_filter("deals", world.manager.id, "Мои горячие", {"only_mine": True})
    preferences.save_list_state("deals", world.manager.id, header="AAAA")
    assert preferences.saved_filters("deals", world.other_manager.id) == {}
    assert "header" not in preferences.list_state("deals", world.other_manager.id)
    assert preferences.list_state("deals", world.manager.id)["header"] == "AAAA"
