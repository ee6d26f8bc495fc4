"""The History tab of the cards, driven like a user: save a change, read it under the moment it was
made, filter by field, load older changes, see a change made elsewhere; read-only throughout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem

from desktop_crm.models import Pipeline, Preset, User
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.services.sales import deals, leads
from desktop_crm.services.system import history, rights
from desktop_crm.views.cards.history import HistoryPanel
from desktop_crm.views.deals.card import open_deal


@pytest.fixture
def signed_in(context: Any) -> Iterator[User]:
    """The card tests' administrator as a real signed-in user (history records who saved)."""
    admin = User.get(User.name == "Анна Морозова")
    admin.access_role = PRESET_IDS[Preset.ADMIN]
    admin.save()
    with rights.acting(rights.load_actor(admin.id)):
        yield admin


def _rows(panel: HistoryPanel) -> list[tuple[str, list[tuple[str, str, str]]]]:
    tree = panel.tree
    result = []
    for index in range(tree.topLevelItemCount()):
        moment: QTreeWidgetItem = tree.topLevelItem(index)
        children = [moment.child(i) for i in range(moment.childCount())]
        result.append((moment.text(0), [(c.text(0), c.text(1), c.text(2)) for c in children]))
    return result


def _history_tab(card: Any, qtbot: Any) -> HistoryPanel:
    panel = card.findChild(HistoryPanel)
    assert panel is not None
    card.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible())
    return panel


def test_a_saved_change_shows_in_the_deal_history_tab(context, qtbot, typer, signed_in):
    pipeline = Pipeline.get()
    info = deals.create_deal({"title": "Поставка", "pipeline": pipeline.id}, signed_in.id)
    card = open_deal(context, str(info.id), None)
    card.title.clear()
    typer(card.title, "Поставка станков")
    card.buttons.button(card.buttons.StandardButton.Save).click()
    panel = _history_tab(card, qtbot)
    moments = _rows(panel)
    assert "Анна Морозова" in moments[0][0]  # who, when and on which computer, newest first
    assert ("Title", "Поставка", "Поставка станков") in moments[0][1]
    assert moments[-1][1] == [("Created", "", "")]
    assert panel.tree.editTriggers() == panel.tree.EditTrigger.NoEditTriggers  # nobody edits it

    deals.update_deal(info.id, {"probability": "30"}, signed_in.id)  # saved elsewhere
    qtbot.waitUntil(lambda: ("Probability", "0.00 %", "30.00 %") in _rows(panel)[0][1])

    panel.field_filter.setCurrentIndex(panel.field_filter.findText("Title"))
    shown = [entry for _moment, entries in _rows(panel) for entry in entries]
    assert shown == [("Title", "Поставка", "Поставка станков")]
    card.close()


def test_a_long_history_loads_older_changes_on_demand(context, qtbot, signed_in, monkeypatch):
    monkeypatch.setattr(history, "PAGE_SIZE", 4)
    info = leads.create_lead({"title": "Заявка 0", "last_name": "Иванов"}, signed_in.id)
    for number in range(1, 7):
        leads.update_lead(info.id, {"title": f"Заявка {number}"}, signed_in.id)
    card = context.registry.card_opener("leads")(context, str(info.id), None)
    panel = _history_tab(card, qtbot)
    assert len(_rows(panel)) == 4 and panel.more_button.isVisible()
    assert panel.summary.text() == "4 of 7 changes"
    qtbot.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
    assert len(_rows(panel)) == 7 and not panel.more_button.isVisible()
    assert _rows(panel)[-1][1] == [("Created", "", "")]
    card.close()


def test_a_new_record_gets_its_history_once_saved(context, qtbot, typer, signed_in):
    card = context.registry.card_opener("companies")(context, None, None)
    panel = card.findChild(HistoryPanel)
    assert not card.tabs.isTabEnabled(card.tabs.indexOf(panel))
    typer(card.editors["short_name"], "ООО «Ромашка»")
    assert card.save()
    assert card.tabs.isTabEnabled(card.tabs.indexOf(panel))
    panel = _history_tab(card, qtbot)
    assert _rows(panel)[0][1] == [("Created", "", "")]
    card.close()


def test_no_history_tab_for_whom_the_setting_leaves_out(context, qtbot, signed_in):
    manager = User.get(User.name == "Marco Bianchi")
    manager.access_role = PRESET_IDS[Preset.MANAGER]
    manager.save()
    history.set_visibility(history.USER_MANAGERS)
    info = leads.create_lead({"title": "Заявка", "last_name": "Иванов", "responsible": manager.id},
                             signed_in.id)
    with rights.acting(rights.load_actor(manager.id)):
        card = context.registry.card_opener("leads")(context, str(info.id), None)
        assert card.findChild(HistoryPanel) is None
        card.close()


def test_an_administrator_chooses_who_may_see_history(context, qtbot, signed_in):
    from desktop_crm.views.settings import SettingsView

    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("roles")
    combo = page.history_visibility
    assert combo.currentData() == history.EVERYONE
    combo.setCurrentIndex(combo.findText("Only those who manage users and rights"))
    assert history.visibility() == history.USER_MANAGERS
    assert not page.dirty  # saved at once, apart from the role being edited


def test_the_contact_card_shows_its_history_last(context, qtbot, signed_in):
    from desktop_crm.models import Contact

    contact = Contact.create(last_name="Петров", first_name="Пётр")
    contact.position = "Директор"
    contact.save()
    card = context.registry.card_opener("contacts")(context, str(contact.id), None)
    panel = card.findChild(HistoryPanel)
    assert card.tabs.indexOf(panel) == card.tabs.count() - 1
    panel = _history_tab(card, qtbot)
    assert ("Position", "", "Директор") in _rows(panel)[0][1]
    card.close()
