"""The deals kanban board (Deals → Board), split along its seams.

* :mod:`.model` — the cards of one column (:class:`CardModel`, keyset pages as the view scrolls)
  and the drag payload;
* :mod:`.delegate` — how a card is painted (:class:`CardDelegate`);
* :mod:`.column` — one stage's column: header with exact totals, card list, drops;
* :mod:`.undo` — undo/redo of a move;
* :mod:`.view` — the board itself (:class:`KanbanView`): pipeline, filter, columns, moves.
"""

from desktop_crm.views.deals.board.column import BoardColumn
from desktop_crm.views.deals.board.delegate import CardDelegate
from desktop_crm.views.deals.board.model import CardModel
from desktop_crm.views.deals.board.undo import MoveCommand
from desktop_crm.views.deals.board.view import KanbanView, board_spec

__all__ = ["BoardColumn", "CardDelegate", "CardModel", "KanbanView", "MoveCommand", "board_spec"]
