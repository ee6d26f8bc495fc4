"""The filter bar above a list: search text, my records, responsible, pipeline and stage, product
group, a date range, active/inactive, correct/incorrect, and the user's saved filters.

Only the filters the list supports (``ListSpec.filters``) are shown. Every change emits
``changed(ListFilter)``; typing is debounced (250 ms). Choices come from ``services.lists``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import N_, _
from desktop_crm.services.listing import lists, preferences
from desktop_crm.services.listing.custom_columns import FilterField
from desktop_crm.services.listing.lists import ListFilter, ListSpec
from desktop_crm.views.common import icons
from desktop_crm.views.common.flow_layout import FlowLayout
from desktop_crm.views.lists.custom_filter import CustomFilterChip

PERIODS = (
    ("any", N_("Any time")),
    ("today", N_("Today")),
    ("week", N_("This week")),
    ("month", N_("This month")),
    ("last30", N_("Last 30 days")),
    ("quarter", N_("This quarter")),
    ("year", N_("This year")),
    ("custom", N_("Custom range…")),
)


def period_range(period: str, today: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    today = today or dt.date.today()
    if period == "today":
        return today, today
    if period == "week":
        start = today - dt.timedelta(days=today.weekday())
        return start, start + dt.timedelta(days=6)
    if period == "month":
        start = today.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return start, end
    if period == "last30":
        return today - dt.timedelta(days=29), today
    if period == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = today.replace(month=first_month, day=1)
        end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
        return start, end
    if period == "year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    return None, None


class FilterBar(QWidget):
    changed = Signal(object)  # ListFilter

    def __init__(self, spec: ListSpec, user_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filter_bar")
        self.spec = spec
        self.user_id = user_id
        self._updating = False
        self._filter = ListFilter()
        supported = spec.filters

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 2)
        outer.setSpacing(4)
        first = QHBoxLayout()
        outer.addLayout(first)
        second = FlowLayout(spacing=6)
        outer.addLayout(second)

        self.search = QLineEdit(self)
        self.search.setObjectName("filter_text")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_(spec.search_hint))
        self.search.setVisible(lists.F_TEXT in supported)
        first.addWidget(self.search, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._emit)

        self.mine = QCheckBox(_("My records"), self)
        self.mine.setObjectName("filter_mine")
        self.mine.setVisible(lists.F_MINE in supported)
        self.mine.toggled.connect(self._emit)
        first.addWidget(self.mine)

        self.add_filter_button = QPushButton(icons.icon("list-filter"), _("+ Filter"), self)
        self.add_filter_button.setObjectName("add_filter")
        self.add_filter_button.setToolTip(_("Add a filter: responsible, pipeline, dates…"))
        self.add_filter_menu = QMenu(self.add_filter_button)
        self.add_filter_menu.aboutToShow.connect(self._fill_add_filter_menu)
        self.add_filter_button.setMenu(self.add_filter_menu)
        first.addWidget(self.add_filter_button)

        self.saved_button = QPushButton(icons.icon("bookmark"), _("Saved filters"), self)
        self.saved_button.setObjectName("saved_filters")
        self.saved_menu = QMenu(self.saved_button)
        self.saved_menu.aboutToShow.connect(self._fill_saved_menu)
        self.saved_button.setMenu(self.saved_menu)
        if lists.F_TEXT not in supported:
            first.addStretch(1)
        first.addWidget(self.saved_button)

        self.reset_button = QPushButton(_("Reset"), self)
        self.reset_button.setObjectName("filter_reset")
        self.reset_button.setToolTip(_("Show all records"))
        self.reset_button.clicked.connect(self.reset)
        first.addWidget(self.reset_button)

        self.responsible = self._combo("filter_responsible", lists.F_RESPONSIBLE in supported)
        self.pipeline = self._combo("filter_pipeline", lists.F_PIPELINE in supported)
        self.stage = self._combo("filter_stage", lists.F_STAGE in supported)
        self.product_group = self._combo("filter_product_group",
                                         lists.F_PRODUCT_GROUP in supported)
        self.date_field = self._combo("filter_date_field",
                                      lists.F_DATES in supported and bool(spec.date_fields))
        self.period = self._combo("filter_period", lists.F_DATES in supported and bool(
            spec.date_fields))
        self.date_from = self._date_edit("filter_date_from")
        self.date_to = self._date_edit("filter_date_to")
        self.active = self._combo("filter_active", lists.F_ACTIVE in supported)
        self.correct = self._combo("filter_correct", lists.F_CORRECT in supported)
        self._supported = {
            "responsible": lists.F_RESPONSIBLE in supported,
            "pipeline": lists.F_PIPELINE in supported,
            "product_group": lists.F_PRODUCT_GROUP in supported,
            "dates": lists.F_DATES in supported and bool(spec.date_fields),
            "active": lists.F_ACTIVE in supported,
            "correct": lists.F_CORRECT in supported,
        }
        members = {
            "responsible": (self.responsible,), "pipeline": (self.pipeline, self.stage),
            "product_group": (self.product_group,),
            "dates": (self.date_field, self.period, self.date_from, self.date_to),
            "active": (self.active,), "correct": (self.correct,),
        }
        self._pinned: set[str] = set()
        self.filter_chips: dict[str, QFrame] = {}
        for key, widgets in members.items():
            chip = self._filter_chip(key, widgets)
            self.filter_chips[key] = chip
            second.addWidget(chip)
        self.saved_chips: list[QToolButton] = []
        self._second_row = second
        self.custom_fields: dict[str, FilterField] = {}
        self.custom_chips: dict[str, CustomFilterChip] = {}
        self.refresh_custom_fields()
        self._fill_choices()
        self.pipeline.currentIndexChanged.connect(self._pipeline_changed)
        for combo in (self.responsible, self.stage, self.product_group, self.date_field,
                      self.active, self.correct):
            combo.currentIndexChanged.connect(self._emit)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.date_from.dateChanged.connect(self._emit)
        self.date_to.dateChanged.connect(self._emit)
        self._period_changed()
        QTimer.singleShot(0, self, self._fill_saved_chips)  # after the list's first rows are asked for
        self._update_chips()

    # --- construction -------------------------------------------------------------------------
    def _combo(self, name: str, visible: bool) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def _filter_chip(self, key: str, widgets: tuple[QWidget, ...]) -> QFrame:
        """A filter in use: its editors in a rounded frame with a button that removes it."""
        chip = QFrame(self)
        chip.setObjectName(f"filter_chip_{key}")
        chip.setFrameShape(QFrame.Shape.StyledPanel)  # no style sheet: lists open faster
        row = QHBoxLayout(chip)
        row.setContentsMargins(3, 1, 1, 1)
        row.setSpacing(3)
        for widget in widgets:
            row.addWidget(widget)
        remove = QToolButton(chip)
        remove.setObjectName(f"remove_filter_{key}")
        remove.setIcon(icons.icon("x"))
        remove.setAutoRaise(True)
        remove.setToolTip(_("Remove this filter"))
        remove.clicked.connect(lambda _checked=False, k=key: self.remove_filter(k))
        row.addWidget(remove)
        chip.hide()
        return chip

    def _filter_title(self, key: str) -> str:
        return {
            "responsible": _("Responsible"), "pipeline": _("Pipeline and stage"),
            "product_group": _("Product group"), "dates": _("Dates"),
            "active": _(self.spec.active_labels[0]), "correct": _("Correctness"),
        }[key]

    def _in_use(self, key: str) -> bool:
        flt = self._filter
        return {
            "responsible": bool(flt.responsible), "pipeline": flt.pipeline is not None or bool(flt.stages),
            "product_group": flt.product_group is not None,
            "dates": (self.period.currentData() or "any") != "any", "active": flt.active is not None,
            "correct": flt.correct is not None,
        }[key]

    def _update_chips(self) -> None:
        """Show the filters in use or added from "+ Filter"; the others wait in its menu."""
        for key, chip in self.filter_chips.items():
            chip.setVisible(self._supported[key] and (key in self._pinned or self._in_use(key)))
        hidden = [k for k, chip in self.filter_chips.items() if self._supported[k] and chip.isHidden()]
        unused = [k for k in self.custom_fields if k not in self.custom_chips]
        self.add_filter_button.setEnabled(bool(hidden or unused))

    def _fill_add_filter_menu(self) -> None:
        self.add_filter_menu.clear()
        for key, chip in self.filter_chips.items():
            if self._supported[key] and chip.isHidden():
                action = self.add_filter_menu.addAction(self._filter_title(key))
                action.triggered.connect(lambda _checked=False, k=key: self.add_filter(k))
        unused = [f for k, f in self.custom_fields.items() if k not in self.custom_chips]
        if unused:
            self.add_filter_menu.addSection(_("Custom fields"))
        for item in unused:
            action = self.add_filter_menu.addAction(item.title)
            action.setObjectName(f"add_filter_{item.column}")
            action.triggered.connect(lambda _checked=False, k=item.column: self.add_custom_filter(k))

    # --- custom fields ----------------------------------------------------------------------------
    def refresh_custom_fields(self) -> None:
        """Read the list's custom fields again (added, renamed or archived in Settings)."""
        self.custom_fields = {f.column: f for f in lists.custom_filter_fields(self.spec.entity)}
        for key in [k for k in self.custom_chips if k not in self.custom_fields]:
            self._drop_custom_chip(key)
        self._update_chips()

    def add_custom_filter(self, key: str,
                          condition: tuple[str, str, str, str] | None = None) -> CustomFilterChip:
        """Show the filter by the custom field of column ``key`` (the cursor in its editor)."""
        chip = self.custom_chips.get(key)
        if chip is None:
            chip = CustomFilterChip(self.custom_fields[key], self)
            chip.changed.connect(self._emit)
            chip.removed.connect(self.remove_custom_filter)
            self._second_row.addWidget(chip)
            self.custom_chips[key] = chip
        if condition is not None:
            chip.show_condition(condition)
        else:
            chip.first.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_chips()
        return chip

    def remove_custom_filter(self, key: str) -> None:
        self._drop_custom_chip(key)
        self._emit()
        self._update_chips()

    def _drop_custom_chip(self, key: str) -> None:
        chip = self.custom_chips.pop(key, None)
        if chip is not None:
            self._second_row.removeWidget(chip)
            chip.hide()
            chip.deleteLater()

    def _custom_conditions(self) -> tuple[tuple[str, str, str, str], ...]:
        made = (chip.condition() for chip in self.custom_chips.values())
        return tuple(c for c in made if c is not None)

    def add_filter(self, key: str) -> None:
        """Show the filter ``key`` (from the "+ Filter" menu) and put the cursor in it."""
        self._pinned.add(key)
        self._update_chips()
        first = self.filter_chips[key].findChild(QComboBox)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_filter(self, key: str) -> None:
        """Take the filter ``key`` off: back to "any", and out of the row."""
        self._pinned.discard(key)
        self._updating = True
        try:
            for combo in self.filter_chips[key].findChildren(QComboBox):
                if combo is not self.date_field:
                    combo.setCurrentIndex(0)
            if key == "pipeline":
                self._fill_stages()
            if key == "dates":
                _select(self.period, "any")
                self._show_custom_dates()
        finally:
            self._updating = False
        self._emit()
        self._update_chips()

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDate(QDate.currentDate())
        edit.setVisible(False)
        return edit

    def _fill_choices(self) -> None:
        self._updating = True
        try:
            if lists.F_RESPONSIBLE in self.spec.filters:
                self.responsible.clear()
                self.responsible.addItem(_("Any responsible"), None)
                for choice in lists.responsible_choices():
                    self.responsible.addItem(choice.name, choice.id)
            if lists.F_PIPELINE in self.spec.filters:
                self.pipeline.clear()
                self.pipeline.addItem(_("All pipelines"), None)
                for choice in lists.pipeline_choices():
                    self.pipeline.addItem(choice.name, choice.id)
                self._fill_stages()
            if lists.F_PRODUCT_GROUP in self.spec.filters:
                self.product_group.clear()
                self.product_group.addItem(_("All product groups"), None)
                for choice in lists.product_group_choices():
                    self.product_group.addItem(choice.name, choice.id)
            self.date_field.clear()
            for key, title in self.spec.date_fields:
                self.date_field.addItem(_(title), key)
            self.period.clear()
            for key, title in PERIODS:
                self.period.addItem(_(title), key)
            self.active.clear()
            # item data are strings: PySide6 miscounts references to Python bools kept in items
            self.active.addItem(_(self.spec.active_labels[0]), None)
            self.active.addItem(_(self.spec.active_labels[1]), YES)
            self.active.addItem(_(self.spec.active_labels[2]), NO)
            self.correct.clear()
            self.correct.addItem(_("Correct and incorrect"), None)
            self.correct.addItem(_("Correct only"), YES)
            self.correct.addItem(_("Incorrect only"), NO)
        finally:
            self._updating = False

    def _fill_stages(self) -> None:
        pipeline = self.pipeline.currentData()
        self.stage.clear()
        self.stage.addItem(_("All stages"), None)
        for choice in lists.stage_choices(pipeline):
            self.stage.addItem(choice.name, choice.id)
        self.stage.setEnabled(pipeline is not None)

    # --- state --------------------------------------------------------------------------------
    def _read(self) -> ListFilter:
        date_key = self.date_field.currentData() if self._supported["dates"] else None
        period = self.period.currentData() or "any"
        if period == "custom":
            start: dt.date | None = _as_date(self.date_from.date().toPython())
            end: dt.date | None = _as_date(self.date_to.date().toPython())
        else:
            start, end = period_range(period)
        responsible = self.responsible.currentData()
        stage = self.stage.currentData()
        return ListFilter(
            text=self.search.text().strip(),
            responsible=(responsible,) if responsible else (),
            mine=self.mine.isChecked(),
            pipeline=self.pipeline.currentData(),
            stages=(stage,) if stage else (),
            product_group=self.product_group.currentData(),
            date_field=date_key if (start or end) else None,
            date_from=start,
            date_to=end,
            active=_to_bool(self.active.currentData()),
            correct=_to_bool(self.correct.currentData()),
            custom=self._custom_conditions(),
        )

    def set_filter(self, flt: ListFilter, emit: bool = True) -> None:
        self._updating = True
        try:
            self.search.setText(flt.text)
            self.mine.setChecked(flt.mine)
            _select(self.responsible, flt.responsible[0] if flt.responsible else None)
            _select(self.pipeline, flt.pipeline)
            self._fill_stages()
            _select(self.stage, flt.stages[0] if flt.stages else None)
            _select(self.product_group, flt.product_group)
            _select(self.active, _from_bool(flt.active))
            _select(self.correct, _from_bool(flt.correct))
            if flt.date_field and (flt.date_from or flt.date_to):
                _select(self.date_field, flt.date_field)
                _select(self.period, "custom")
                if flt.date_from:
                    self.date_from.setDate(QDate(flt.date_from))
                if flt.date_to:
                    self.date_to.setDate(QDate(flt.date_to))
            else:
                _select(self.period, "any")
            self._show_custom_dates()
            wanted = {c[0]: c for c in flt.custom if c[0] in self.custom_fields}
            for key in [k for k in self.custom_chips if k not in wanted]:
                self._drop_custom_chip(key)
            for key, condition in wanted.items():
                self.add_custom_filter(key, condition)
        finally:
            self._updating = False
        self._debounce.stop()
        self._filter = self._read()
        self._update_chips()
        if emit:
            self.changed.emit(self._filter)

    def focus_search(self) -> None:
        """Ctrl+F: the cursor in the text filter, its text selected for typing over."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def reset(self) -> None:
        self.set_filter(ListFilter())

    def _emit(self, *_args: Any) -> None:
        if self._updating:
            return
        self._debounce.stop()
        flt = self._read()
        if flt != self._filter:
            self._filter = flt
            self._update_chips()
            self.changed.emit(flt)

    def _pipeline_changed(self) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self._fill_stages()
        finally:
            self._updating = False
        self._emit()

    def _period_changed(self) -> None:
        self._show_custom_dates()
        self._emit()

    def _show_custom_dates(self) -> None:
        custom = self.period.currentData() == "custom" and self._supported.get("dates", False)
        self.date_from.setVisible(custom)
        self.date_to.setVisible(custom)

    # --- saved filters ------------------------------------------------------------------------
    def _fill_saved_menu(self) -> None:
        menu = self.saved_menu
        menu.clear()
        saved = preferences.saved_filters(self.spec.entity, self.user_id)
        for name in sorted(saved, key=str.casefold):
            action = menu.addAction(name)
            action.triggered.connect(
                lambda _checked=False, n=name: self.apply_saved(n)
            )
        if saved:
            menu.addSeparator()
        save = menu.addAction(_("Save current filter…"))
        save.triggered.connect(self._ask_save)
        if saved:
            delete_menu = menu.addMenu(_("Delete saved filter"))
            for name in sorted(saved, key=str.casefold):
                action = delete_menu.addAction(name)
                action.triggered.connect(lambda _checked=False, n=name: self.delete_saved(n))

    def _fill_saved_chips(self) -> None:
        """Each saved filter as a chip in the filters' row: a click applies it."""
        for chip in self.saved_chips:
            self._second_row.removeWidget(chip)
            chip.deleteLater()
        self.saved_chips = []
        saved = preferences.saved_filters(self.spec.entity, self.user_id)
        for name in sorted(saved, key=str.casefold):
            chip = QToolButton(self)
            chip.setObjectName("saved_filter_chip")
            chip.setIcon(icons.icon("bookmark"))
            chip.setText(name)
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            chip.setAutoRaise(True)
            chip.setToolTip(_("Apply the saved filter “{name}”").format(name=name))
            chip.clicked.connect(lambda _checked=False, n=name: self.apply_saved(n))
            self._second_row.addWidget(chip)
            self.saved_chips.append(chip)

    def delete_saved(self, name: str) -> None:
        preferences.delete_saved_filter(self.spec.entity, self.user_id, name)
        self._fill_saved_chips()

    def _ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, _("Save filter"), _("Name of the filter:"))
        if ok and name.strip():
            self.save_current(name.strip())

    def save_current(self, name: str) -> None:
        preferences.save_filter(self.spec.entity, self.user_id, name, self._filter.to_dict())
        self._fill_saved_chips()

    def apply_saved(self, name: str) -> None:
        saved = preferences.saved_filters(self.spec.entity, self.user_id)
        if name in saved:
            self.set_filter(ListFilter.from_dict(saved[name]))


YES, NO = "yes", "no"


def _as_date(value: object) -> dt.date | None:
    """``QDate.toPython()``'s value (typed ``object`` by the bindings)."""
    return value if isinstance(value, dt.date) else None


def _to_bool(data: Any) -> bool | None:
    return None if data not in (YES, NO) else data == YES


def _from_bool(value: bool | None) -> str | None:
    return None if value is None else (YES if value else NO)


def _select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data, Qt.ItemDataRole.UserRole)
    if data is None:
        index = 0 if combo.count() else -1
    combo.setCurrentIndex(max(index, 0) if combo.count() else -1)
