"""The Calendar section: one's tasks, meetings and contacts' birthdays by day, week or month.

A toolbar: Today, previous and next, the period's title, Day | Week | Month, whose calendar (a role
that sees its team's or everyone's records picks a colleague or "Everyone I can see"), and Export
.ics. A task dragged to another day (month) or hour (day, week) is rescheduled through the service
(refused with a message for a closed deal or without the edit right); a double-click opens the
task, a meeting's record or a birthday's contact. The view reloads on the change feed.
Week starts as the UI language's calendar says (Monday in Russian and Italian).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import N_, _, current_language
from desktop_crm.services.sales import calendar
from desktop_crm.services.sales.calendar import CalendarEntry
from desktop_crm.views.calendar_grid import HOUR_HEIGHT, MonthGrid, TimeGrid, local
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext
from desktop_crm.workers import run_in_background

MODES = (("day", N_("Day")), ("week", N_("Week")), ("month", N_("Month")))
EVERYONE = "*"


def ui_locale() -> QLocale:
    return QLocale(current_language() or "en")


def week_start(day: dt.date, locale: QLocale) -> dt.date:
    first = locale.firstDayOfWeek().value  # Qt: Monday 1 … Sunday 7
    return day - dt.timedelta(days=(day.isoweekday() - first) % 7)


def to_utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone().astimezone(dt.UTC).replace(tzinfo=None)


class CalendarView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendar_view")
        self.context = context
        self.qlocale = ui_locale()
        self.mode = "week"
        self.anchor = dt.date.today()
        self.entries: list[CalendarEntry] = []
        self.stale = False
        self.generation = 0
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.today_button = QPushButton(_("Today"), self)
        self.today_button.setObjectName("calendar_today")
        self.today_button.clicked.connect(self.go_today)
        bar.addWidget(self.today_button)
        self.prev_button = QToolButton(self)
        self.prev_button.setObjectName("calendar_prev")
        self.prev_button.setText("‹")
        self.prev_button.setToolTip(_("Previous"))
        self.prev_button.clicked.connect(lambda: self.step(-1))
        bar.addWidget(self.prev_button)
        self.next_button = QToolButton(self)
        self.next_button.setObjectName("calendar_next")
        self.next_button.setText("›")
        self.next_button.setToolTip(_("Next"))
        self.next_button.clicked.connect(lambda: self.step(1))
        bar.addWidget(self.next_button)
        self.title = QLabel(self)
        self.title.setObjectName("calendar_title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        bar.addWidget(self.title, 1)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QPushButton] = {}
        for key, title in MODES:
            button = QPushButton(_(title), self)
            button.setObjectName(f"calendar_mode_{key}")
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, k=key: self.set_mode(k))
            self.mode_group.addButton(button)
            self.mode_buttons[key] = button
            bar.addWidget(button)
        self.person = QComboBox(self)
        self.person.setObjectName("calendar_person")
        self.person.addItem(_("Mine"), str(context.user.id))
        self.people = [str(context.user.id)] + [
            str(person.id) for person in calendar.calendar_people() if person.id != context.user.id]
        for person in calendar.calendar_people():
            if person.id != context.user.id:
                self.person.addItem(person.name, str(person.id))
        if len(self.people) > 1:
            self.person.addItem(_("Everyone I can see"), EVERYONE)
        self.person.setVisible(len(self.people) > 1)
        self.person.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.person)
        self.export_button = QPushButton(_("Export .ics…"), self)
        self.export_button.setObjectName("calendar_export")
        self.export_button.setToolTip(_("Save my tasks and meetings as an iCalendar file for "
                                        "Outlook, Thunderbird, Google or Apple Calendar"))
        self.export_button.clicked.connect(self.export_dialog)
        bar.addWidget(self.export_button)
        outer.addLayout(bar)

        self.stack = QStackedWidget(self)
        self.month = MonthGrid(self.stack)
        self.hours = TimeGrid()
        self.hour_scroll = QScrollArea(self.stack)
        self.hour_scroll.setObjectName("calendar_scroll")
        self.hour_scroll.setWidgetResizable(True)
        self.hour_scroll.setWidget(self.hours)
        self.stack.addWidget(self.month)
        self.stack.addWidget(self.hour_scroll)
        outer.addWidget(self.stack, 1)
        self.legend = QLabel(self)
        self.legend.setObjectName("calendar_legend")
        self.legend.setText(_("Drag a task to another day or hour to reschedule it; double-click "
                              "opens it. Overdue tasks are red."))
        self.legend.setWordWrap(True)
        outer.addWidget(self.legend)
        for grid in (self.month, self.hours):
            grid.moved.connect(self.move_entry)
            grid.opened.connect(self.open_entry)
            grid.refused.connect(self.refuse_move)
        context.signals.changed.connect(self._changed)
        keys = (("PgUp", lambda: self.step(-1)), ("PgDown", lambda: self.step(1)),
                ("Home", self.go_today), ("D", lambda: self.set_mode("day")),
                ("W", lambda: self.set_mode("week")), ("M", lambda: self.set_mode("month")))
        for key, action in keys:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
        self.prev_button.setToolTip(_("Previous") + " (PgUp)")
        self.next_button.setToolTip(_("Next") + " (PgDown)")
        self.today_button.setToolTip(_("Today") + " (Home)")
        self.set_mode("week")
        self.hour_scroll.verticalScrollBar().valueChanged.connect(lambda _v: self.hours.relayout())
        self.hour_scroll.verticalScrollBar().setValue(8 * HOUR_HEIGHT)

    # --- period -----------------------------------------------------------------------------------
    def days(self) -> list[dt.date]:
        if self.mode == "day":
            return [self.anchor]
        if self.mode == "week":
            start = week_start(self.anchor, self.qlocale)
            return [start + dt.timedelta(days=n) for n in range(7)]
        first = week_start(self.anchor.replace(day=1), self.qlocale)
        return [first + dt.timedelta(days=n) for n in range(42)]

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        self.stack.setCurrentWidget(self.month if mode == "month" else self.hour_scroll)
        self.reload()

    def step(self, direction: int) -> None:
        if self.mode == "day":
            self.anchor += dt.timedelta(days=direction)
        elif self.mode == "week":
            self.anchor += dt.timedelta(days=7 * direction)
        else:
            month = self.anchor.month - 1 + direction
            self.anchor = dt.date(self.anchor.year + month // 12, month % 12 + 1, 1)
        self.reload()

    def go_today(self) -> None:
        self.anchor = dt.date.today()
        self.reload()

    def period_title(self) -> str:
        days = self.days()
        locale = self.qlocale
        if self.mode == "month":
            name = locale.standaloneMonthName(self.anchor.month, QLocale.FormatType.LongFormat)
            return f"{name[:1].upper()}{name[1:]} {self.anchor.year}"
        if self.mode == "day":
            text = locale.toString(QDate(self.anchor), QLocale.FormatType.LongFormat)
            return text[:1].upper() + text[1:]
        first, last = days[0], days[-1]
        return f"{locale.toString(QDate(first), 'd MMM')} – {locale.toString(QDate(last), 'd MMM yyyy')}"

    def _day_names(self, days: list[dt.date]) -> list[str]:
        if self.mode == "month":
            return [self.qlocale.dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)
                    for day in days[:7]]
        return [f"{self.qlocale.dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)} "
                f"{day.day}" for day in days]

    # --- data -------------------------------------------------------------------------------------
    def owners(self) -> list[str]:
        chosen = self.person.currentData()
        if chosen == EVERYONE:
            return list(self.people)
        return [chosen] if chosen else [str(self.context.user.id)]

    def reload(self) -> None:
        """Show the period at once and its entries when they are read (off the GUI thread)."""
        days = self.days()
        self.stale = False
        self.generation += 1
        generation = self.generation
        start = to_utc(dt.datetime.combine(days[0], dt.time()))
        end = to_utc(dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time()))
        owners = self.owners()
        self.title.setText(self.period_title())
        grid = self.month if self.mode == "month" else self.hours
        grid.with_owner = self.person.currentData() == EVERYONE
        if self.mode == "month":
            self.month.month = self.anchor.month
        grid.set_days(days, dt.date.today(), self._day_names(days))

        def loaded(entries: list[CalendarEntry]) -> None:
            if isValid(self) and generation == self.generation:
                self.entries = entries
                grid.set_entries(entries)

        def failed(error: BaseException) -> None:
            if isValid(self) and generation == self.generation:
                loaded([])
                self.context.show_status(error.message if isinstance(error, CrmError)
                                         else str(error))

        run_in_background(lambda _progress: calendar.entries(owners, start, end),
                          on_result=loaded, on_error=failed, name="calendar entries")

    def scroll_to_first(self) -> None:
        """The day and week views scrolled to the earliest hour with an entry."""
        hours = [local(entry.start).hour for entry in self.entries if not entry.all_day]
        if hours:
            self.hour_scroll.verticalScrollBar().setValue(max(0, min(hours) - 1) * HOUR_HEIGHT)

    def grid(self) -> MonthGrid | TimeGrid:
        return self.month if self.mode == "month" else self.hours

    def _changed(self, entity: str) -> None:
        if entity in (Entity.TASKS, Entity.DEALS, Entity.CONTACTS, Entity.LEADS):
            if self.isVisible():
                self.reload()
            else:
                self.stale = True

    def activated(self) -> None:
        self.reload()

    # --- actions ----------------------------------------------------------------------------------
    def move_entry(self, entry: CalendarEntry, when: dt.datetime) -> None:
        try:
            calendar.reschedule(entry.id, self.context.user.id, to_utc(when))
        except CrmError as error:
            show_error(self, error.message)
            self.reload()
            return
        shown = self.qlocale.toString(QDateTime(when), QLocale.FormatType.ShortFormat)
        self.context.show_status(_("“{subject}” moved to {when}.").format(subject=entry.subject,
                                                                           when=shown))
        self.context.notify_changed(Entity.TASKS)
        self.reload()

    def refuse_move(self, entry: CalendarEntry) -> None:
        if entry.status != "planned":
            message = _("The task is already done or cancelled.")
        elif entry.kind == "meeting":
            message = _("Meetings are moved from their record's timeline.")
        else:
            message = _("This task cannot be moved: its deal is closed or your role may not "
                        "edit it.")
        self.context.show_status(message)

    def open_entry(self, entry: CalendarEntry) -> None:
        if entry.kind == "task":
            self.context.open_record(Entity.TASKS, entry.id, self.window())
        elif entry.link_entity and entry.link_id is not None:
            self.context.open_record(entry.link_entity, entry.link_id, self.window())

    def export_dialog(self) -> QFileDialog:
        """Ask where to save the .ics (a window-modal sheet; ``export_to`` writes it)."""
        name = safe_file_name(_("My calendar"), "ics", fallback="calendar")
        dialog = QFileDialog(self, _("Export the calendar"), str(Path.home() / name),
                             _("iCalendar file (*.ics)"))
        dialog.setObjectName("calendar_export_dialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("ics")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.export_to(Path(path)))
        dialog.open()
        return dialog

    def export_to(self, path: Path) -> None:
        try:
            text = calendar.export_ics(self.context.user.id)
            path.write_bytes(text.encode("utf-8"))
        except CrmError as error:
            show_error(self, error.message)
            return
        except OSError as error:
            show_error(self, _("The file could not be written: {error}").format(error=error.strerror))
            return
        self.context.show_status(_("Calendar exported to {path}.").format(path=path))


def make_view(context: Any, parent: QWidget | None = None) -> CalendarView:
    return CalendarView(context, parent)
