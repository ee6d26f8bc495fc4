"""The deals kanban board (Deals → Board): one column per stage of the chosen pipeline.

* Column headers show the exact number of deals and their sum per currency, from SQL
  (``services.sales.board.column_totals``), refreshed after every move, create and filter change.
* Each column is a list view over a :class:`~.model.CardModel` that loads keyset pages of cards as you
  scroll (``canFetchMore``/``fetchMore``); no column ever loads all its deals.
* Won and lost columns collapse to their header (the state is remembered per stage).
* Drag a card onto another column, or use "Move to stage" (Ctrl+M, right-click) or Alt+←/→:
  the stage rules run (``views.deals.moves``); a refusal explains why and the card stays.
  Ctrl+Z undoes the last move while the rules allow.
* Enter or double-click opens the deal card; "+" in a header (or Ctrl+N: the first column)
  creates a deal in that column with just a title.
* The filter bar is the deals list's (text, responsible, my deals, product group,
  active/inactive) with the same saved filters; the pipeline switcher picks the board.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.ids import DealId, StageId
from desktop_crm.services.listing import lists, preferences
from desktop_crm.services.listing.lists import ListFilter, ListSpec
from desktop_crm.services.sales import board
from desktop_crm.services.sales.board import BoardMove, Card, ColumnTotals
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.common.empty_state import EmptyState
from desktop_crm.views.common.undo import undo_redo_actions
from desktop_crm.views.context import AppContext
from desktop_crm.views.deals.board.column import BoardColumn
from desktop_crm.views.deals.board.undo import MoveCommand
from desktop_crm.views.deals.moves import request_move
from desktop_crm.views.lists.filter_bar import FilterBar
from desktop_crm.workers import Job, Progress, run_in_background


class KanbanView(QWidget):
    """Deals → Board."""

    moved = Signal(str, str)  # deal id, stage id (after the move is committed and shown)
    totals_loaded = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.user_id = str(context.user.id)
        self.setObjectName("kanban")
        self.undo_stack = QUndoStack(self)
        self.columns: list[BoardColumn] = []
        self._own_change = False
        self._totals_generation = 0
        self._page_query: board.PageQuery | None = None
        self._totals_jobs: list[Job] = []
        state = preferences.list_state("deals", self.user_id)
        saved = state.get("board") or {}
        self._filter = board.board_filter(ListFilter.from_dict(saved.get("filter")))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QToolBar(self)
        top.setObjectName("board_toolbar")
        top.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        pipeline_label = QLabel(_("Pipeline:"), top)
        pipeline_label.setContentsMargins(8, 0, 4, 0)
        top.addWidget(pipeline_label)
        self.pipeline = QComboBox(top)
        self.pipeline.setObjectName("board_pipeline")
        self.pipeline.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        top.addWidget(self.pipeline)
        top.addSeparator()
        layout.addWidget(top)
        self.toolbar = top

        spec = board_spec()
        self.filter_bar = FilterBar(spec, self.user_id, self)
        self.filter_bar.set_filter(self._filter, emit=False)
        self.filter_bar.changed.connect(self.apply_filter)
        layout.addWidget(self.filter_bar)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("board_scroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.columns_host = QWidget(self.scroll_area)
        self.columns_host.setObjectName("board_columns")
        self.columns_layout = QHBoxLayout(self.columns_host)
        self.columns_layout.setContentsMargins(6, 6, 6, 6)
        self.columns_layout.setSpacing(6)
        self.columns_layout.addStretch(1)
        self.scroll_area.setWidget(self.columns_host)
        layout.addWidget(self.scroll_area, 1)
        self.empty_label = EmptyState("square-kanban", _("This pipeline has no stages yet."), _(
            "Add a pipeline with its stages in the settings; deals then move through them."), self)
        self.empty_label.setObjectName("board_empty")
        self.empty_label.add_button(_("Add a pipeline"), self.open_pipeline_settings,
                                    "empty_add_pipeline", icon="plus")
        self.empty_label.setVisible(False)
        layout.addWidget(self.empty_label, 1)

        self._build_actions()
        for info in board.pipelines():
            self.pipeline.addItem(info.name, str(info.id))
        chosen = preferences.board_state(self.user_id).get("pipeline") or board.default_pipeline()
        index = self.pipeline.findData(str(chosen) if chosen else None)
        self.pipeline.setCurrentIndex(max(index, 0))
        self.pipeline.currentIndexChanged.connect(lambda _i: self.switch_pipeline())
        context.signals.changed.connect(self._changed_elsewhere)
        self.switch_pipeline()

    def _build_actions(self) -> None:
        def action(name: str, text: str, slot: Callable[[], object], shortcut: str) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.undo_action, self.redo_action = undo_redo_actions(self.undo_stack, self)
        self.undo_action.setObjectName("board_undo")
        self.move_action = action("board_move", _("Move to stage…"), self.move_menu_for_current,
                                  "Ctrl+M")
        self.open_action = action("board_open", _("Open"), self.open_current, "Ctrl+O")
        self.toolbar.addAction(self.undo_action)
        self.toolbar.addAction(self.move_action)

    # --- section protocol -----------------------------------------------------------------------
    def create_new(self) -> None:
        column = self.current_column() or next(
            (c for c in self.columns if not c.info.is_final), None)
        if column is not None:
            self.quick_create(column)

    def can_create_new(self) -> bool:
        return any(not c.info.is_final for c in self.columns)

    def activated(self) -> None:
        column = self.current_column() or (self.columns[0] if self.columns else None)
        if column is not None and column.view.isVisible():
            column.view.setFocus()

    def reload(self) -> None:
        self._page_query = None  # settings (inactivity days) may have changed too
        for column in self.columns:
            column.load()
        self.refresh_totals()

    def save_state(self) -> None:
        preferences.save_list_state("deals", self.user_id,
                                    board={"filter": self._filter.to_dict()})

    # --- pipeline and columns -----------------------------------------------------------------
    def pipeline_id(self) -> str | None:
        value = self.pipeline.currentData()
        return str(value) if value else None

    def filter(self) -> ListFilter:
        return self._filter

    def page_query(self) -> board.PageQuery:
        """The compiled page statement of the current filter (shared by the columns)."""
        if self._page_query is None:
            self._page_query = board.PageQuery(self._filter, self.user_id)
        return self._page_query

    def open_pipeline_settings(self) -> None:
        """Settings → Pipelines and stages (from the empty board)."""
        window = self.window()
        settings = window.show_section("settings") if hasattr(window, "show_section") else None
        if settings is not None and hasattr(settings, "select"):
            settings.select("pipelines")

    def switch_pipeline(self) -> None:
        pipeline_id = self.pipeline_id()
        if pipeline_id:
            preferences.save_board_state(self.user_id, pipeline=str(pipeline_id))
        folded = preferences.board_state(self.user_id).get("collapsed", {})
        for column in self.columns:
            self.columns_layout.removeWidget(column)
            column.hide()  # at once: deleteLater waits for the event loop, and a hidden widget
            column.deleteLater()  # is neither laid out nor painted meanwhile
        self.columns = []
        infos = board.columns(pipeline_id) if pipeline_id else []
        for position, info in enumerate(infos):
            collapsed = bool(folded.get(str(info.id), info.is_final))
            column = BoardColumn(self, info, collapsed)
            self.columns_layout.insertWidget(position, column)
            self.columns.append(column)
        if not infos:
            self.empty_label.set_texts(
                _("This pipeline has no stages yet.") if self.pipeline.count() else _("No pipelines yet"),
                _("Add a pipeline with its stages in the settings; deals then move through them."))
        self.empty_label.setVisible(not infos)
        self.scroll_area.setVisible(bool(infos))
        self.undo_stack.clear()
        self.reload()

    def remember_collapsed(self, stage_id: StageId, collapsed: bool) -> None:
        folded = dict(preferences.board_state(self.user_id).get("collapsed", {}))
        folded[str(stage_id)] = collapsed
        preferences.save_board_state(self.user_id, collapsed=folded)
        if not collapsed:
            self.refresh_totals([stage_id])

    def column(self, stage_id: StageId | None) -> BoardColumn | None:
        return next((c for c in self.columns if c.info.id == stage_id), None)

    def current_column(self) -> BoardColumn | None:
        focus = self.focusWidget()
        return next((c for c in self.columns if c.view is focus), None)

    def refresh_totals(self, stage_ids: list[StageId] | None = None) -> None:
        """Exact counts and sums from SQL, computed off the GUI thread (big columns take a while)."""
        pipeline_id = self.pipeline_id()
        if not pipeline_id or not self.columns:
            return
        if stage_ids is None:
            self._totals_generation += 1
            for column in self.columns:
                column.show_counting()
        generation = self._totals_generation
        flt, user_id = self._filter, self.user_id
        wanted = list(stage_ids) if stage_ids is not None else [c.info.id for c in self.columns]
        # Open columns first (what the salesperson works on), then the big won/lost ones.
        final = {c.info.id for c in self.columns if c.info.is_final}
        batches = [[s for s in wanted if s not in final], [s for s in wanted if s in final]]
        self._totals_jobs = [j for j in self._totals_jobs if not j.is_done]
        for batch in (b for b in batches if b):
            self._totals_jobs.append(self._count(pipeline_id, flt, user_id, batch, generation))

    def _count(self, pipeline_id: str, flt: ListFilter, user_id: str, stage_ids: list[StageId],
               generation: int) -> Job:
        def work(_progress: Progress) -> dict[StageId, ColumnTotals]:
            return board.column_totals(pipeline_id, flt, user_id, stage_ids)

        def done(totals: dict[StageId, ColumnTotals]) -> None:
            if not isValid(self) or not isValid(self.pipeline):
                return  # the board was closed while counting
            if generation != self._totals_generation or pipeline_id != self.pipeline_id():
                return  # the filter or pipeline changed meanwhile: a newer count is coming
            for column in self.columns:
                if column.info.id in totals:
                    column.set_totals(totals[column.info.id])
            if not any(c.counting for c in self.columns):
                self.totals_loaded.emit()

        def failed(error: BaseException) -> None:
            if isinstance(error, CrmError):
                self.context.show_status(error.message)
            else:
                raise error

        return run_in_background(work, on_result=done, on_error=failed, name="board totals")

    def counting(self) -> bool:
        """Are column totals still being counted in the background?"""
        return any(not job.is_done for job in self._totals_jobs)

    def cancel_background(self) -> None:
        for job in self._totals_jobs:
            job.cancel()
        self._totals_jobs = []

    def apply_filter(self, flt: ListFilter) -> None:
        self._filter = board.board_filter(flt)
        self._page_query = None
        self.reload()
        self.save_state()

    # --- cards --------------------------------------------------------------------------------
    def open_card(self, card: object) -> None:
        if isinstance(card, Card):
            self.context.open_record("deals", card.id, self)

    def open_current(self) -> None:
        column = self.current_column()
        if column is not None:
            self.open_card(column.view.current_card())

    def focus_neighbour(self, column: BoardColumn, step: int) -> None:
        visible = [c for c in self.columns if not c.collapsed]
        if column not in visible:
            return
        position = visible.index(column) + step
        if 0 <= position < len(visible):
            target = visible[position]
            target.view.setFocus()
            if not target.view.currentIndex().isValid() and target.model.rowCount():
                target.view.setCurrentIndex(target.model.index(0))
            self.scroll_area.ensureWidgetVisible(target)

    def card_menu(self, card: object) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("card_menu")
        if not isinstance(card, Card):
            return menu
        open_action = menu.addAction(_("Open"))
        open_action.triggered.connect(lambda: self.open_card(card))
        menu.addMenu(self.move_menu(card))
        return menu

    def move_menu(self, card: Card) -> QMenu:
        """"Move to stage": every other column of the pipeline (the keyboard way to drag)."""
        menu = QMenu(_("Move to stage"), self)
        menu.setObjectName("move_menu")
        for column in self.columns:
            act = menu.addAction(column.info.name)
            act.setData(column.info.id)
            act.setEnabled(column.info.id != card.stage_id)
            act.triggered.connect(
                lambda _c=False, stage=column.info.id: self.request_move(card.id, card.title, stage)
            )
        return menu

    def move_menu_for_current(self) -> None:
        column = self.current_column()
        card = column.view.current_card() if column else None
        if column is None or card is None:
            self.context.show_status(_("Select a card first."))
            return
        rect = column.view.visualRect(column.view.currentIndex())
        self.move_menu(card).popup(column.view.viewport().mapToGlobal(rect.center()))

    def move_to_neighbour(self, card: Card, step: int) -> None:
        ids = [c.info.id for c in self.columns]
        if card.stage_id not in ids:
            return
        position = ids.index(card.stage_id) + step
        if 0 <= position < len(ids):
            self.request_move(card.id, card.title, ids[position])

    # --- moves --------------------------------------------------------------------------------
    def request_move(self, deal_id: DealId, title: str, stage_id: StageId) -> None:
        def moved(move: BoardMove) -> None:
            self.undo_stack.push(MoveCommand(self, move, title))
            self.after_move(move.from_stage_id, move.to_stage_id, move.deal_id)
            target = self.column(move.to_stage_id)
            self.context.show_status(
                _("“{title}” moved to “{stage}”. Ctrl+Z undoes.").format(
                    title=title, stage=target.info.name if target else "")
            )

        target = self.column(stage_id)
        kind = target.info.kind if target is not None else "open"
        request_move(self, self.context, deal_id, title, stage_id, kind, moved)

    def after_move(self, from_stage: StageId | None, to_stage: StageId | None,
                   deal_id: DealId) -> None:
        """Show a committed move: the card leaves one column and lands in the other."""
        source, target = self.column(from_stage), self.column(to_stage)
        removed = source.model.remove(deal_id) if source is not None else None
        card = board.card(deal_id)
        moved_card = card or removed
        if moved_card is not None:  # show the new totals at once; SQL confirms them just after
            if source is not None:
                source.set_totals(source.totals.plus(-1, moved_card.currency, -moved_card.amount))
            if target is not None:
                target.set_totals(target.totals.plus(1, moved_card.currency, moved_card.amount))
        if target is not None and card is not None and not target.collapsed and (
                self._filter.is_empty() or board.matches(deal_id, self._filter, self.user_id)):
            row = target.model.place(card)
            if row >= 0 and self.focusWidget() in (source.view if source else None, None,
                                                   target.view):
                target.view.setCurrentIndex(target.model.index(row))
        self.refresh_totals([s for s in (from_stage, to_stage) if s])
        self._own_change = True
        try:
            self.context.notify_changed("deals")
            self.context.notify_changed("tasks")
        finally:
            self._own_change = False
        self.moved.emit(str(deal_id), str(to_stage) if to_stage else "")

    def quick_create(self, column: BoardColumn) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("quick_create")
        dialog.setWindowTitle(_("New deal"))
        dialog.setLabelText(_("Title of the new deal in “{stage}”:").format(stage=column.info.name))
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(lambda text: self.create_in(column.info.id, text))
        dialog.open()

    def create_in(self, stage_id: StageId, title: str) -> Card | None:
        if not title.strip():
            return None
        try:
            card = board.quick_create(title, stage_id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return None
        column = self.column(stage_id)
        if column is not None and board.matches(card.id, self._filter, self.user_id):
            row = column.model.place(card)
            if row >= 0:
                column.view.setCurrentIndex(column.model.index(row))
                column.view.scrollTo(column.model.index(row))
        self.refresh_totals([stage_id])
        self._own_change = True
        try:
            self.context.notify_changed("deals")
        finally:
            self._own_change = False
        self.context.show_status(_("Deal “{title}” created.").format(title=card.title))
        return card

    def _changed_elsewhere(self, entity: str) -> None:
        if entity == "deals" and not self._own_change:
            self.undo_stack.clear()  # a card save or bulk action: old moves may no longer apply
            self.reload()


def board_spec() -> ListSpec:
    """The deals list's spec with only the filters the board offers (same saved filters)."""
    return replace(lists.spec("deals"), filters=board.BOARD_FILTERS)
