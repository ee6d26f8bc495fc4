"""Undo and redo of a move made on the board (Ctrl+Z / Ctrl+Shift+Z)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.services.sales import board
from desktop_crm.services.sales.board import BoardMove
from desktop_crm.views.common.dialogs import show_error

if TYPE_CHECKING:
    from desktop_crm.views.deals.board.view import KanbanView


class MoveCommand(QUndoCommand):
    """A committed move; undo asks the rules to take it back (refused once the deal moved on)."""

    def __init__(self, view: KanbanView, move: BoardMove, title: str) -> None:
        super().__init__(_("moving “{title}”").format(title=title))
        self.view, self.move, self.title = view, move, title
        self._first = True

    def undo(self) -> None:
        try:
            board.undo(self.move, self.view.context.user.id)
        except CrmError as error:
            self.setObsolete(True)
            show_error(self.view, error.message)
            self.view.reload()
            return
        self.view.after_move(self.move.to_stage_id, self.move.from_stage_id, self.move.deal_id)
        self.view.context.show_status(_("Move undone: “{title}”").format(title=self.title))

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        try:
            self.move = board.move(self.move.deal_id, self.move.to_stage_id,
                                   self.view.context.user.id, self.move.lost_reason or None,
                                   self.move.comment)
        except CrmError as error:
            self.setObsolete(True)
            show_error(self.view, error.message)
            self.view.reload()
            return
        self.view.after_move(self.move.from_stage_id, self.move.to_stage_id, self.move.deal_id)

