"""The list views over a real demo database: model contract, filtering, sorting, deep jumps,
bulk assign/delete with undo, export, column and filter persistence, opening records."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm.entities import LIST_ENTITIES
from desktop_crm.services.listing import lists, preferences
from desktop_crm.services.listing.lists import ListFilter, Sort
from desktop_crm.views.common.windowed_model import (
    BLOCK_SIZE,
    ID_ROLE,
    VALUE_ROLE,
    EntityRowSource,
    WindowedTableModel,
)
from desktop_crm.views.lists.list_view import EntityListView


def type_text(widget, text: str) -> None:
    """Type any text (qtbot.keyClicks aborts on non-ASCII characters)."""
    for char in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, char,
                           Qt.KeyboardModifier.NoModifier)


def column_values(model, key: str, role=Qt.ItemDataRole.DisplayRole) -> list:
    column = [c.key for c in model.source.columns].index(key)
    return [model.index(row, column).data(role) for row in range(model.rowCount())]


@pytest.mark.parametrize("entity", LIST_ENTITIES)
def test_every_list_model_passes_the_model_tester(qtmodeltester, demo_db, synchronous_workers,
                                                   entity):
    model = WindowedTableModel(EntityRowSource(entity))
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == lists.count(entity)


def test_model_tester_with_a_snapshot_and_a_sort(qtmodeltester, demo_db, synchronous_workers):
    model = WindowedTableModel(EntityRowSource("deals"))
    model.reload()
    assert model.has_snapshot and model.rowCount() == 300
    model.sort(0, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)


def test_blocks_load_on_demand_and_deep_rows_come_from_the_snapshot(demo_db, synchronous_workers):
    model = WindowedTableModel(EntityRowSource("deals", flt=None, sort=Sort("title")))
    model.reload()
    assert model.loaded_blocks() == 0  # nothing is fetched until shown
    expected = lists.fetch_page("deals", None, Sort("title"), 299, 1)[0]
    assert model.index(299, 0).data(ID_ROLE) == expected.id
    assert model.loaded_blocks() == 1
    assert model.index(0, 0).data(ID_ROLE) == lists.fetch_page("deals", None, Sort("title"), 0, 1)[0].id
    assert model.loaded_blocks() == 2 if BLOCK_SIZE < 300 else 1


def test_snapshot_arrives_from_a_real_background_thread(qtbot, demo_db):
    model = WindowedTableModel(EntityRowSource("deals"))
    with qtbot.waitSignal(model.snapshot_ready, timeout=10_000):
        model.reload()
    assert model.has_snapshot
    assert model.index(290, 0).data(ID_ROLE)


class RecordingSource(EntityRowSource):
    """The real deals source, noting which queries the model asks for and in what order."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    def count(self) -> int:
        self.calls.append("count")
        return super().count()

    def fetch_page(self, offset: int, limit: int):
        self.calls.append("page")
        return super().fetch_page(offset, limit)


def test_the_first_block_is_shown_before_the_list_is_counted(qtbot, demo_db):
    source = RecordingSource("deals")
    model = WindowedTableModel(source)
    shown = []
    model.first_rows.connect(lambda: shown.append((model.rowCount(), model.is_loading)))
    with qtbot.waitSignal(model.loaded, timeout=10_000) as loaded:
        model.reload(build_snapshot=False)
        assert model.rows_pending and model.rowCount() == 0
    assert source.calls == ["page", "count"]
    assert shown == [(BLOCK_SIZE, True)]  # rows on screen, count still coming
    assert loaded.args == [300] and model.rowCount() == 300 and not model.is_loading
    assert model.index(299, 0).data(ID_ROLE)


def test_a_short_list_is_not_counted_and_a_filter_counts_first(demo_db, synchronous_workers):
    few = RecordingSource("products")
    model = WindowedTableModel(few)
    model.reload()
    assert 0 < lists.count("products") < BLOCK_SIZE
    assert few.calls == ["page"] and model.rowCount() == lists.count("products")
    filtered = RecordingSource("deals", flt=ListFilter(text="zzz-no-such-deal"))
    WindowedTableModel(filtered).reload()
    assert filtered.calls == ["count"]  # the count decides how a filter's pages are read

def test_filter_bar_filters_with_cyrillic_text(qtbot, window):
    view = window.show_section("deals")
    assert isinstance(view, EntityListView)
    everything = view.model.rowCount()
    with qtbot.waitSignal(view.model.loaded, timeout=3000):
        type_text(view.filter_bar.search, "ооо")
    filtered = view.model.rowCount()
    assert 0 < filtered < everything
    assert filtered == lists.count("deals", ListFilter(text="ооо"))
    assert view.count_label.text() == f"{filtered} records"
    view.filter_bar.reset()
    assert view.model.rowCount() == everything


def test_filter_by_responsible_and_correctness(qtbot, window):
    view = window.show_section("deals")
    bar = view.filter_bar
    bar.responsible.setCurrentIndex(1)
    user_id = bar.responsible.currentData()
    assert view.model.rowCount() == lists.count("deals", ListFilter(responsible=(user_id,)))
    names = set(column_values(view.model, "responsible"))
    assert names == {bar.responsible.currentText()}
    bar.correct.setCurrentIndex(bar.correct.findText("Incorrect only"))
    assert view.source.filter.correct is False
    assert view.model.rowCount() == lists.count(
        "deals", ListFilter(responsible=(user_id,), correct=False))


def test_header_click_sorts_through_the_query(qtbot, window):
    view = window.show_section("deals")
    header = view.table.horizontalHeader()
    title_column = lists.spec("deals").column_index("title")
    x = header.sectionViewportPosition(title_column) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5))
    assert view.source.sort == Sort("title", False)
    first_rows = [view.model.index(r, title_column).data() for r in range(20)]
    expected = [r.values[0] for r in lists.fetch_page("deals", None, Sort("title"), 0, 20)]
    assert first_rows == expected
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5))
    assert view.source.sort == Sort("title", True)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    # a column without an index does not sort
    stage_column = lists.spec("deals").column_index("stage")
    x_stage = header.sectionViewportPosition(stage_column) + 5
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x_stage, 5)
    )
    assert view.source.sort == Sort("title", True)
    assert header.sortIndicatorSection() == title_column


def test_bulk_assign_then_undo(qtbot, window):
    view = window.show_section("deals")
    view.table.selectRow(0)
    view.table.selectionModel().select(
        view.model.index(2, 0),
        view.table.selectionModel().SelectionFlag.Select | view.table.selectionModel().SelectionFlag.Rows)
    ids = view.selected_ids()
    assert len(ids) == 2
    responsible_column = lists.spec("deals").column_index("responsible")
    before = {view.model.index(r, 0).data(ID_ROLE): view.model.index(r, responsible_column).data()
              for r in range(3)}
    target = lists.responsible_choices()[-1]

    def choose():
        dialog = QApplication.activeModalWidget()
        combo = dialog.findChild(type(view.filter_bar.responsible), "choice")
        combo.setCurrentIndex(combo.findData(target.id))
        dialog.accept()

    QTimer.singleShot(0, choose)
    view.assign_selected()
    responsible_column = lists.spec("deals").column_index("responsible")
    rows = {view.model.index(r, 0).data(ID_ROLE): view.model.index(r, responsible_column).data()
            for r in range(view.model.rowCount())}
    assert {rows[i] for i in ids} == {target.name}
    assert view.undo_action.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view.table.setFocus()
    QTest.keyClick(view.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.undo_stack.index() == 0
    rows = {view.model.index(r, 0).data(ID_ROLE): view.model.index(r, responsible_column).data()
            for r in range(view.model.rowCount())}
    assert {i: rows[i] for i in ids} == {i: before[i] for i in ids}  # undo restores each one


def test_delete_asks_first_and_can_be_undone(qtbot, window):
    view = window.show_section("leads")
    before = view.model.rowCount()
    view.table.selectRow(0)
    record = view.selected_ids()[0]

    def answer(button_text):
        def click():
            box = QApplication.activeModalWidget()
            assert isinstance(box, QMessageBox)
            for button in box.buttons():
                if button.text() == button_text:
                    button.click()
        return click

    QTimer.singleShot(0, answer("Cancel"))
    view.delete_selected()
    assert view.model.rowCount() == before
    QTimer.singleShot(0, answer("Delete"))
    view.delete_selected()
    assert view.model.rowCount() == before - 1
    assert record not in column_values(view.model, "title", ID_ROLE)
    view.undo_stack.undo()
    assert view.model.rowCount() == before
    assert record in column_values(view.model, "title", ID_ROLE)


def test_export_xlsx_writes_every_matching_row(qtbot, window, tmp_path):
    view = window.show_section("deals")
    view.filter_bar.set_filter(ListFilter(text="ооо"))
    path = tmp_path / "export.xlsx"
    job = view.export(path, "xlsx")
    assert job.is_done
    workbook = openpyxl.load_workbook(path)
    rows = list(workbook.active.iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "Deal" and "Amount" in header
    assert len(rows) - 1 == view.model.rowCount() == lists.count("deals", ListFilter(text="ооо"))
    assert [r[0] for r in rows[1:6]] == [view.model.index(i, 0).data() for i in range(5)]
    amount_column = header.index("Amount")
    assert all(isinstance(r[amount_column], (int, float)) for r in rows[1:])


def test_hidden_columns_and_filter_persist_per_user(qtbot, window, qsettings):
    view = window.show_section("contacts")
    position = lists.spec("contacts").column_index("position")
    view.set_column_visible(position, False)
    view.filter_bar.mine.setChecked(True)
    view.save_state()
    fresh = EntityListView(window.context, "contacts")
    qtbot.addWidget(fresh)
    assert fresh.table.horizontalHeader().isSectionHidden(position)
    assert fresh.source.filter.mine is True
    assert fresh.filter_bar.mine.isChecked()


def test_saved_filters(qtbot, window):
    view = window.show_section("deals")
    view.filter_bar.set_filter(ListFilter(correct=False))
    view.filter_bar.save_current("Некорректные")
    view.filter_bar.reset()
    assert view.source.filter == ListFilter()
    assert "Некорректные" in preferences.saved_filters("deals", str(window.context.user.id))
    view.filter_bar.apply_saved("Некорректные")
    assert view.source.filter.correct is False
    assert view.model.rowCount() == lists.count("deals", ListFilter(correct=False))


def test_enter_opens_the_record(qtbot, window):
    view = window.show_section("products")
    opened = []
    window.context.registry.add_card_opener("products", lambda ctx, rid, parent: opened.append(rid))
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(3, 0))
    QTest.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == [view.model.index(3, 0).data(ID_ROLE)]


def test_records_without_a_card_show_a_summary(qtbot, window):
    window.context.registry.card_openers.pop("invoices", None)  # as before a card is registered
    view = window.show_section("invoices")
    view.open_row(0)
    dialog = window.findChild(type(window), "record_summary") or next(
        w for w in QApplication.topLevelWidgets() if w.objectName() == "record_summary")
    assert dialog.isVisible()
    number = view.model.index(0, 0).data()
    assert number in [label.text() for label in dialog.findChildren(type(view.count_label))]
    dialog.close()


def test_value_role_gives_decimals(window):
    view = window.show_section("deals")
    amount = lists.spec("deals").column_index("amount")
    from decimal import Decimal

    assert isinstance(view.model.index(0, amount).data(VALUE_ROLE), Decimal)
    alignment = view.model.index(0, amount).data(Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & int(Qt.AlignmentFlag.AlignRight)
    assert not view.model.index(0, 0).parent().isValid()
    assert view.model.rowCount(view.model.index(0, 0)) == 0
    assert QModelIndex().isValid() is False


def test_bulk_stage_change_through_the_rules_then_undo(qtbot, window):
    view = window.show_section("deals")
    pipeline = lists.pipeline_choices()[0]
    stages = lists.stage_choices(pipeline.id)
    view.filter_bar.set_filter(ListFilter(pipeline=pipeline.id, stages=(stages[0].id,)))
    assert view.model.rowCount() >= 2
    view.table.selectRow(0)
    view.table.selectionModel().select(
        view.model.index(1, 0),
        view.table.selectionModel().SelectionFlag.Select | view.table.selectionModel().SelectionFlag.Rows)
    ids = view.selected_ids()
    before = lists.count("deals", ListFilter(pipeline=pipeline.id, stages=(stages[0].id,)))
    view.change_stage(ids, stages[1].id)
    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == "error_dialog":
            widget.close()  # refusals (required fields) are listed, the rest moved
    after = lists.count("deals", ListFilter(pipeline=pipeline.id, stages=(stages[0].id,)))
    moved = before - after
    assert moved >= 1
    assert view.model.rowCount() == after
    assert view.undo_stack.canUndo()
    view.undo_stack.undo()
    assert lists.count("deals", ListFilter(pipeline=pipeline.id, stages=(stages[0].id,))) == before


def test_a_bulk_change_shows_in_the_history_tab_of_each_record(qtbot, window):
    """A signed-in user reassigns two deals, deletes them and takes the deletion back: each deal's
    History tab shows the three moments, with the responsible it had before."""
    from desktop_crm.views.cards.history import HistoryPanel
    from desktop_crm.views.deals.card import DealCard

    view = window.show_section("deals")
    view.table.selectRow(0)
    view.table.selectionModel().select(
        view.model.index(1, 0),
        view.table.selectionModel().SelectionFlag.Select | view.table.selectionModel().SelectionFlag.Rows)
    first = view.selected_ids()[0]
    responsible_column = lists.spec("deals").column_index("responsible")
    was = view.model.index(0, responsible_column).data()
    target = next(u for u in lists.responsible_choices() if u.name != was)

    def choose():
        dialog = QApplication.activeModalWidget()
        combo = dialog.findChild(type(view.filter_bar.responsible), "choice")
        combo.setCurrentIndex(combo.findData(target.id))
        dialog.accept()

    def confirm_delete():
        box = QApplication.activeModalWidget()
        next(b for b in box.buttons() if b.text() == "Delete").click()

    QTimer.singleShot(0, choose)
    view.assign_selected()
    QTimer.singleShot(0, confirm_delete)
    view.delete_selected()
    view.undo_stack.undo()  # the deletion taken back
    row = column_values(view.model, "title", ID_ROLE).index(first)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(row, 0))
    QTest.keyClick(view.table, Qt.Key.Key_Return)  # the deal's card opens
    card = next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, DealCard) and w.isVisible())
    panel = card.findChild(HistoryPanel)
    card.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(panel.isVisible)
    tree = panel.tree
    moments = [[tuple(tree.topLevelItem(m).child(i).text(c) for c in range(3))
                for i in range(tree.topLevelItem(m).childCount())]
               for m in range(tree.topLevelItemCount())]
    assert moments[:3] == [[("Restored", "", "")], [("Deleted", "", "")],
                           [("Responsible", was, target.name)]]
    card.close()
