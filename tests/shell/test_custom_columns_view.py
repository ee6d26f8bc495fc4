"""Custom fields in the deals list, through the widgets: a field defined while the list is open
becomes a column chosen from the header menu, a filter from "+ Filter" and a sort key by a header
click; the layout and the filter come back in a new window."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMenu, QToolButton

from desktop_crm.entities import Entity
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.lists import ListFilter, Sort
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from desktop_crm.views.lists.list_view import EntityListView
from tests.shell.test_list_view import column_values, type_text


def _industry_on_some_deals(view):
    field = cf.define_field(Entity.DEALS, "Отрасль", "list", options=["Банки", "Ритейл"])
    rows = lists.fetch_page("deals", None, Sort("title"), 0, 5)
    for row, choice in zip(rows, ["Банки", "Ритейл", "Банки"], strict=False):
        cv.set_values(Entity.DEALS, row.id, {field.key: choice})
    seats = cf.define_field(Entity.DEALS, "Рабочих мест", "number")
    for row, number in zip(rows, ["12", "3", "40", "7"], strict=False):
        cv.set_values(Entity.DEALS, row.id, {seats.key: number})
    view.context.notify_changed("deals")
    return field, seats


def _choose_column(view, title: str) -> None:
    view._header_menu(QPoint(5, 5))
    menu = next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMenu) and w.objectName() == "column_chooser" and w.isVisible())
    action = next(a for a in menu.actions() if a.text() == title)
    assert not action.isChecked()
    action.trigger()
    menu.close()


def test_custom_column_filter_and_sort_through_the_widgets(qtbot, window):
    view = window.show_section("deals")
    assert isinstance(view, EntityListView)
    field, seats = _industry_on_some_deals(view)
    header = view.table.horizontalHeader()
    column = view.spec.column_index(field.column)
    assert header.isSectionHidden(column)  # a custom column waits in the column chooser
    _choose_column(view, "Отрасль")
    assert not header.isSectionHidden(column)
    assert column_values(view.model, field.column).count("Банки") == 2

    # "+ Filter" › Отрасль › Ритейл
    bar = view.filter_bar
    bar._fill_add_filter_menu()
    action = next(a for a in bar.add_filter_menu.actions() if a.objectName() == f"add_filter_{field.column}")
    action.trigger()
    chip = bar.custom_chips[field.column]
    combo = chip.first
    combo.setCurrentIndex(combo.findText("Ритейл"))
    assert view.source.filter.custom == ((field.column, "is", "Ритейл", ""),)
    assert view.model.rowCount() == 1 == lists.count("deals", view.source.filter)
    assert column_values(view.model, field.column) == ["Ритейл"]

    # the first filter removed by its chip's button, a number range typed into another field's
    qtbot.mouseClick(chip.findChild(QToolButton, f"remove_filter_{field.column}"),
                     Qt.MouseButton.LeftButton)
    assert field.column not in bar.custom_chips and view.source.filter.custom == ()
    chip = bar.add_custom_filter(seats.column)
    type_text(chip.first, "5")
    chip._debounce.timeout.emit()
    assert view.source.filter.custom == ((seats.column, "range", "5", ""),)
    assert view.model.rowCount() == 3 == lists.count("deals", view.source.filter)

    # a click on the custom column's header sorts by it
    _choose_column(view, "Рабочих мест")
    seats_column = view.spec.column_index(seats.column)
    x = header.sectionViewportPosition(seats_column) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert view.source.sort == Sort(seats.column, False)
    shown = [view.model.index(r, seats_column).data() for r in range(view.model.rowCount())]
    assert shown == ["7", "12", "40"]

    # the layout and the filter come back in a new list
    view.save_state()
    fresh = EntityListView(window.context, "deals")
    qtbot.addWidget(fresh)
    fresh_header = fresh.table.horizontalHeader()
    assert not fresh_header.isSectionHidden(fresh.spec.column_index(field.column))
    assert not fresh_header.isSectionHidden(fresh.spec.column_index(seats.column))
    assert fresh.source.filter == ListFilter(custom=((seats.column, "range", "5", ""),))
    assert seats.column in fresh.filter_bar.custom_chips
    assert fresh.filter_bar.custom_chips[seats.column].first.text() == "5"


def test_an_archived_field_leaves_the_open_list(qtbot, window):
    view = window.show_section("deals")
    field, _seats = _industry_on_some_deals(view)
    view.filter_bar.set_filter(ListFilter(custom=((field.column, "is", "Банки", ""),)))
    assert view.model.rowCount() == 2
    cf.remove_field(field.id)
    view.context.notify_changed("deals")
    assert field.column not in [c.key for c in view.spec.columns]
    assert field.column not in view.filter_bar.custom_chips
    view.filter_bar.reset()
    assert view.model.rowCount() == lists.count("deals")
