"""Home, "my day": the first section at start-up. Four blocks for the signed-in user — tasks overdue
and due today (done with a click, opened with another), deals at risk under the house rules with
why, progress of their sales plans (a bar: achieved of target, a mark where the linear pace should be
today) and recent client replies. Each item opens its card. Loaded in the background and again when
tasks, deals, plans or mail change anywhere."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.models.enums import Scope
from desktop_crm.services.reporting import my_day, plans
from desktop_crm.services.sales import tasks
from desktop_crm.services.system import rights, session
from desktop_crm.views.cards.common import local_datetime
from desktop_crm.views.common import icons
from desktop_crm.views.common.chips import Chip, StatusChip
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.common.section import section_title_font
from desktop_crm.views.context import AppContext
from desktop_crm.workers import run_in_background

#: Entities whose changes the home screen reloads for.
WATCHED = frozenset({str(Entity.TASKS), str(Entity.DEALS), str(Entity.LEADS), str(Entity.CONTACTS),
                     "activity", "sales_plan", "mail_message", "stage"})
ENTITY_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE = "#c0392b"
TASKS_SHOWN = 8  # more are a click away, in the Tasks section
RISKS_SHOWN = 12


class Block(QFrame):
    """A titled block of the home screen with a quiet line when it has nothing to show."""

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"home_{name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        self.title = QLabel(title, self)
        self.title.setFont(section_title_font(self.font()))
        layout.addWidget(self.title)
        self.body = QVBoxLayout()
        self.body.setSpacing(4)
        layout.addLayout(self.body)
        self.empty = QLabel(self)
        self.empty.setObjectName(f"home_{name}_empty")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.empty)
        layout.addStretch(1)

    def set_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.empty.setVisible(bool(text))


class TaskRow(QWidget):
    """A task: a Done button, its subject (opens the task), when it is due, what it belongs to."""

    def __init__(self, item: tasks.TaskItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName(f"home_task_{item.id}")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.done_button = QToolButton(self)
        self.done_button.setObjectName("home_task_done")
        self.done_button.setIcon(icons.icon("check"))
        self.done_button.setToolTip(_("Mark the task done"))
        self.done_button.setAccessibleName(_("Mark the task done"))
        row.addWidget(self.done_button)
        self.open_button = QPushButton(item.subject, self)
        self.open_button.setObjectName("home_task_open")
        self.open_button.setFlat(True)
        self.open_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.open_button.setStyleSheet("text-align: left; padding: 2px 4px;"
                                       + (f" color: {OVERDUE};" if item.overdue else ""))
        self.open_button.setToolTip(_("Open the task"))
        # long subjects and titles give way (clipped) rather than widen the page
        self.open_button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.open_button.setMinimumWidth(80)
        row.addWidget(self.open_button, 3)
        due = QLabel(local_datetime(item.due_at), self)
        due.setStyleSheet("color: palette(placeholder-text);")
        row.addWidget(due)
        if item.link_title:
            self.link_button = QPushButton(item.link_title, self)
            self.link_button.setObjectName("home_task_link")
            self.link_button.setFlat(True)
            self.link_button.setCursor(Qt.CursorShape.PointingHandCursor)
            self.link_button.setToolTip(_("Open the record the task belongs to"))
            self.link_button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self.link_button.setMinimumWidth(60)
            self.link_button.setStyleSheet("text-align: left; padding: 2px 4px;")
            row.addWidget(self.link_button, 2)


class PlanBar(QWidget):
    """Achieved of target as a bar, with a thin mark where the linear pace should be by today."""

    def __init__(self, progress: plans.Progress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        self.setObjectName("home_plan_bar")
        self.setMinimumHeight(14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        plan = progress.plan
        self.setToolTip(_("Expected by today: {amount}").format(amount=_value(plan, progress.expected)))

    def sizeHint(self) -> QSize:
        return QSize(240, 14)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 2.5, -0.5, -2.5)
        palette = self.palette()
        painter.setPen(Qt.PenStyle.NoPen)
        track = QColor(palette.color(QPalette.ColorRole.WindowText))
        track.setAlphaF(0.12)
        painter.setBrush(track)
        painter.drawRoundedRect(rect, 4, 4)
        target = self.progress.plan.target or Decimal(1)
        share = float(min(self.progress.achieved / target, Decimal(1)))
        colour = QColor("#2e8b57") if self.progress.on_track else QColor("#d35400")
        painter.setBrush(colour)
        if share > 0:
            painter.drawRoundedRect(QRectF(rect.x(), rect.y(), rect.width() * share, rect.height()),
                                    4, 4)
        marker = rect.x() + rect.width() * float(min(self.progress.elapsed, Decimal(1)))
        painter.setPen(QPen(palette.color(QPalette.ColorRole.WindowText), 2))
        painter.drawLine(int(marker), int(rect.top()) - 2, int(marker), int(rect.bottom()) + 2)
        painter.end()


_value = plans.format_value


class PlanRow(QWidget):
    def __init__(self, progress: plans.Progress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        plan = progress.plan
        self.setObjectName("home_plan")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 4)
        layout.setSpacing(2)
        head = QHBoxLayout()
        what = _("{who} · {period}").format(
            who=plan.who, period=plans.period_label(plan.period_kind, plan.period_start))
        if plan.pipeline_name:
            what += f" · {plan.pipeline_name}"
        title = QLabel(what, self)
        head.addWidget(title, 1)
        self.chip = StatusChip(Chip(_("On track"), "success") if progress.on_track
                               else Chip(_("Behind"), "warning"), self)
        head.addWidget(self.chip)
        layout.addLayout(head)
        self.bar = PlanBar(progress, self)
        layout.addWidget(self.bar)
        numbers = _("{achieved} of {target}").format(
            achieved=_value(plan, progress.achieved), target=_value(plan, plan.target))
        if progress.percent is not None:
            numbers += f" · {format_amount(progress.percent, places=0)} %"
        numbers += " · " + _("expected by today: {amount}").format(
            amount=_value(plan, progress.expected))
        self.numbers = QLabel(numbers, self)
        self.numbers.setObjectName("home_plan_numbers")
        self.numbers.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.numbers)


class HomeView(QScrollArea):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("home")
        self.context = context
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        page = QWidget(self)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(16, 12, 16, 16)
        outer.setSpacing(12)
        self.greeting = QLabel(page)
        self.greeting.setObjectName("home_greeting")
        font = section_title_font(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.3)
        self.greeting.setFont(font)
        top = QHBoxLayout()
        top.addWidget(self.greeting, 1)
        # a head (or anyone who sees more than their own records) can look at a colleague's day
        self.owner = QComboBox(page)
        self.owner.setObjectName("home_owner")
        self.owner.setAccessibleName(_("Whose day"))
        self.owner.addItem(_("Mine"), str(context.user.id))
        if rights.scope_for(None) != Scope.OWN:
            for user in session.users():
                if user.id != context.user.id and rights.in_scope(user.id):
                    self.owner.addItem(user.name, str(user.id))
        self.owner.setVisible(self.owner.count() > 1)
        self.owner.currentIndexChanged.connect(lambda _i: self.reload())
        top.addWidget(self.owner)
        outer.addLayout(top)
        columns = QHBoxLayout()
        columns.setSpacing(12)
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        outer.addLayout(columns, 1)
        self.tasks_block = Block(_("Tasks for today"), "tasks", page)
        self.risk_block = Block(_("Deals at risk"), "risks", page)
        self.plans_block = Block(_("Sales plan"), "plans", page)
        self.replies_block = Block(_("Recent client replies"), "replies", page)
        left.addWidget(self.tasks_block)
        left.addWidget(self.risk_block, 1)
        right.addWidget(self.plans_block)
        right.addWidget(self.replies_block, 1)
        self.task_rows: list[TaskRow] = []
        self.more_tasks = QPushButton(self.tasks_block)
        self.more_tasks.setObjectName("home_more_tasks")
        self.more_tasks.setFlat(True)
        self.more_tasks.setStyleSheet("text-align: left; padding: 2px 4px;")
        self.more_tasks.clicked.connect(lambda: self._go_to_tasks())
        self.more_tasks.hide()
        self.risks = self._list("home_risk_list", self.risk_block)
        self.replies = self._list("home_reply_list", self.replies_block)
        self.plan_rows: list[PlanRow] = []
        self.setWidget(page)
        self.loaded: my_day.MyDay | None = None
        self._loading = False
        self._again = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.reload)
        context.signals.changed.connect(self._changed)
        self.reload()

    def _list(self, name: str, block: Block) -> QListWidget:
        widget = QListWidget(block)
        widget.setObjectName(name)
        widget.setFrameShape(QFrame.Shape.NoFrame)
        widget.setWordWrap(True)
        widget.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        widget.itemActivated.connect(self._open_item)
        block.body.addWidget(widget)
        return widget

    # --- loading ------------------------------------------------------------------------------

    def _changed(self, entity: str) -> None:
        if entity in WATCHED:
            self._timer.start()

    def activated(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        user_id = self.owner.currentData() or self.context.user.id
        run_in_background(lambda _progress: my_day.my_day(user_id), on_result=self._show,
                          on_error=self._failed, name="home")

    def wait_loaded(self, seconds: float = 10.0) -> None:
        """Process events until the day in progress is shown (the screenshots wait so)."""
        import time

        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + seconds
        while self._loading and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.01)

    def has_content(self) -> bool:
        day = self.loaded
        return day is not None and bool(day.overdue or day.today or day.at_risk)

    def _finished(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.reload()

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):  # the window closed while the day was loading
            return
        self._finished()
        self.greeting.setText(getattr(error, "message", None) or str(error))

    def _show(self, day: my_day.MyDay) -> None:
        if not isValid(self):  # the window closed while the day was loading
            return
        self.loaded = day
        mine = self.owner.currentIndex() <= 0
        self.greeting.setText(_("My day, {name}").format(name=self.context.user.name) if mine
                              else _("The day of {name}").format(name=self.owner.currentText()))
        self._show_tasks(day)
        self._show_risks(day)
        self._show_plans(day)
        self._show_replies(day)
        self._finished()

    def _show_tasks(self, day: my_day.MyDay) -> None:
        for row in self.task_rows:
            row.deleteLater()
        self.task_rows = []
        items = day.overdue + day.today
        for item in items[:TASKS_SHOWN]:
            row = TaskRow(item, self.tasks_block)
            row.done_button.clicked.connect(lambda _c=False, i=item: self.complete(i))
            row.open_button.clicked.connect(
                lambda _c=False, i=item: self.context.open_record(Entity.TASKS, i.id, self))
            if item.link_id is not None and hasattr(row, "link_button"):
                row.link_button.clicked.connect(
                    lambda _c=False, i=item: self.context.open_record(i.link_entity, i.link_id, self))
            self.tasks_block.body.addWidget(row)
            self.task_rows.append(row)
        title = _("Tasks for today")
        if day.overdue:
            title += " · " + ngettext("{count} overdue", "{count} overdue",
                                      len(day.overdue)).format(count=len(day.overdue))
        self.tasks_block.title.setText(title)
        self.more_tasks.setText(ngettext("…and {count} more: open Tasks", "…and {count} more: open Tasks",
                                         len(items) - TASKS_SHOWN).format(count=len(items) - TASKS_SHOWN))
        self.more_tasks.setVisible(len(items) > TASKS_SHOWN)
        self.tasks_block.body.removeWidget(self.more_tasks)
        self.tasks_block.body.addWidget(self.more_tasks)
        self.tasks_block.set_empty("" if items else _(
            "Nothing due today. Plan the next step of each deal as a task: it will show here."))

    def _show_risks(self, day: my_day.MyDay) -> None:
        self.risks.clear()
        for deal in day.at_risk[:RISKS_SHOWN]:
            item = QListWidgetItem(f"{deal.title} — {deal.stage}\n{deal.reason}", self.risks)
            item.setData(ENTITY_ROLE, str(Entity.DEALS))
            item.setData(ID_ROLE, str(deal.id))
            item.setIcon(icons.icon("triangle-alert" if deal.incorrect else "hourglass",
                                    "#d35400" if deal.incorrect else None))
            item.setToolTip(_("Open the deal"))
        self.risks.setVisible(bool(day.at_risk))
        self.risk_block.set_empty("" if day.at_risk else _(
            "No deal at risk: every open deal is complete and the clients were reached recently."))

    def _show_plans(self, day: my_day.MyDay) -> None:
        for row in self.plan_rows:
            row.deleteLater()
        self.plan_rows = []
        for progress in day.plans:
            row = PlanRow(progress, self.plans_block)
            self.plans_block.body.addWidget(row)
            self.plan_rows.append(row)
        self.plans_block.set_empty("" if day.plans else _(
            "No sales plan for this month or quarter. Plans are set in Settings › Sales plans."))

    def _show_replies(self, day: my_day.MyDay) -> None:
        self.replies.clear()
        for reply in day.replies:
            when = local_datetime(reply.at)
            head = reply.title or reply.text
            text = f"{head}\n{when}" + (f" · {reply.text}" if reply.title and reply.text else "")
            item = QListWidgetItem(text, self.replies)
            item.setIcon(icons.activity_icon(reply.kind))
            item.setData(ENTITY_ROLE, reply.entity)
            item.setData(ID_ROLE, str(reply.entity_id))
        self.replies.setVisible(bool(day.replies))
        self.replies_block.set_empty("" if day.replies else _(
            "No client replies in the last two weeks. Log answered calls and meetings on the "
            "deal's timeline; client e-mails show here too."))

    # --- actions ------------------------------------------------------------------------------

    def _go_to_tasks(self) -> None:
        window = self.window()
        show = getattr(window, "show_section", None)
        if show is not None:
            show(str(Entity.TASKS))

    def _open_item(self, item: QListWidgetItem) -> None:
        self.context.open_record(item.data(ENTITY_ROLE), item.data(ID_ROLE), self)

    def complete(self, item: tasks.TaskItem) -> None:
        try:
            tasks.complete(item.id, self.context.user.id, "")  # done by whoever clicked
        except CrmError as error:
            show_error(self, error.message)
            return
        self.context.notify_changed(Entity.TASKS)
        self.context.show_status(_("Task done: {subject}").format(subject=item.subject))
        self.reload()

    def sizeHint(self) -> QSize:
        return QSize(900, 600)

