"""Global search: the service on both engines, the Ctrl+K popup and its model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_crm.models import Contact, Lead, Product
from desktop_crm.services.listing import search
from desktop_crm.views.search import ID_ROLE, SearchPopup, SearchResultsModel
from tests.shell.test_list_view import type_text


@pytest.mark.parametrize("query", ["федоров", "Федоров", "ФЁДОРОВ", "фёдоров петр"])
def test_search_finds_fedorov_whatever_case_and_yo(world, query):
    groups = search.search(query)
    contacts = [g for g in groups if g.entity == "contacts"]
    assert [h.title for h in contacts[0].hits] == ["Фёдоров Пётр"]
    assert contacts[0].hits[0].id == str(world.fedorov.id)


def test_results_are_grouped_by_type_and_skip_deleted_records(world):
    Lead.create(title="Запрос от Фёдорова", last_name="Фёдоров")
    Product.create(name="Ромашковый чай", sku="TEA-1")
    groups = search.search("федоров")
    assert [g.entity for g in groups] == ["contacts", "leads"]
    assert search.search("ромашк")[0].entity == "companies"
    assert {g.entity for g in search.search("ромашк")} == {"companies", "products"}
    world.fedorov.soft_delete()
    assert [g.entity for g in search.search("федоров")] == ["leads"]


def test_short_or_empty_queries_return_nothing(world):
    assert search.search("ф") == []
    assert search.search("  ") == []
    assert search.search('"*') == []


def test_limit_per_type(world):
    for number in range(12):
        Contact.create(last_name=f"Иванов{number}", first_name="Иван")
    groups = search.search("иван", limit=5)
    assert len(groups[0].hits) == 5


def test_results_model_passes_the_model_tester(qtmodeltester, sqlite_world):
    model = SearchResultsModel()
    model.set_groups(search.search("ро"))
    assert model.rowCount() >= 1
    qtmodeltester.check(model)
    model.set_groups([])
    qtmodeltester.check(model)


def test_ctrl_k_then_enter_opens_the_record(qtbot, window):
    opened = []
    window.context.registry.add_card_opener(
        "contacts", lambda ctx, record_id, parent: opened.append(record_id))
    contact = Contact.create(last_name="Фёдоров", first_name="Федот", middle_name="Тестович")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    popup = window.search_popup
    assert isinstance(popup, SearchPopup) and popup.isVisible()
    type_text(popup.input, "федоров федот тест")
    qtbot.waitUntil(lambda: popup.model.rowCount() > 0, timeout=2000)
    first = popup.model.first_hit_index()
    assert first.data(ID_ROLE) == str(contact.id)
    QTest.keyClick(popup.input, Qt.Key.Key_Return)
    assert opened == [str(contact.id)]
    assert not popup.isVisible()


def test_arrow_keys_move_through_hits(qtbot, window):
    window.open_search()
    popup = window.search_popup
    popup.input.setText("ива")
    popup.run_search()
    hits = popup.model.hit_indexes()
    assert len(hits) > 2
    QTest.keyClick(popup.input, Qt.Key.Key_Down)
    assert popup.tree.currentIndex() == hits[1]
    QTest.keyClick(popup.input, Qt.Key.Key_Up)
    QTest.keyClick(popup.input, Qt.Key.Key_Up)
    assert popup.tree.currentIndex() == hits[0]
    popup.input.setText("zzzzqqq")
    popup.run_search()
    assert popup.status.text() == "Nothing found for “zzzzqqq”."
    popup.close()


def test_an_exact_name_comes_first_then_names_beginning_so_then_other_words(world):
    # many "Фёдорова" and a company and a lead mentioning the word before the one exact name
    for number in range(30):
        Contact.create(last_name="Фёдорова", first_name=f"Анна{number}")
    Contact.create(last_name="Смирнов", first_name="Фёдор", work_email="fedorov@example.com")
    Contact.create(last_name="Иванов", first_name="Фёдоровец")
    alexey = Contact.create(last_name="Фёдоров", first_name="Алексей")
    hits = next(g for g in search.search("Фёдоров") if g.entity == "contacts").hits
    assert len(hits) == 8
    assert {hits[0].title, hits[1].title} == {"Фёдоров Пётр", "Фёдоров Алексей"}  # exact names
    assert all(h.title.startswith("Фёдорова") for h in hits[2:])
    everything = next(g for g in search.search("Фёдоров", limit=search.ALL_RESULTS_LIMIT)
                  if g.entity == "contacts").hits
    assert str(alexey.id) in [h.id for h in everything[:2]]
    assert everything[-1].title == "Иванов Фёдоровец"  # a word that merely begins so: last


def test_show_all_results_lists_every_match(qtbot, window):
    for number in range(12):
        Contact.create(last_name="Зеленский", first_name=f"Пётр{number}")
    window.open_search()
    popup = window.search_popup
    popup.input.setText("Зеленский")
    popup.run_search()
    contacts = next(g for g in popup.model.groups() if g.entity == "contacts")
    assert len(contacts.hits) == 8 and popup.all_button.isEnabled()
    qtbot.mouseClick(popup.all_button, Qt.MouseButton.LeftButton)
    contacts = next(g for g in popup.model.groups() if g.entity == "contacts")
    assert len(contacts.hits) == 12 and not popup.all_button.isEnabled()
    popup.input.setText("Зеленск")  # typing again: the first matches again, then Ctrl+Enter
    popup.run_search()
    assert popup.all_button.isEnabled()
    QTest.keyClick(popup.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    contacts = next(g for g in popup.model.groups() if g.entity == "contacts")
    assert len(contacts.hits) == 12 and popup.isVisible()
