"""Registers the deals board (Deals → Board), the deal card opener and their screenshots."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def _board(context: Any, parent: Any) -> Any:
    from desktop_crm.views.deals.board import KanbanView

    return KanbanView(context, parent)


def open_deal_card(context: Any, deal_id: str | None, parent: Any) -> None:
    from desktop_crm.views.deals.card import open_deal

    open_deal(context, deal_id, parent)


def _board_screen(context: Any, window: Any) -> Any:
    view = window.show_section("deals", "board")
    for column in getattr(view, "columns", []):
        column.set_collapsed(False)
    return window


def _card_screen(context: Any, window: Any) -> Any:
    from desktop_crm.views.deals.card import screenshot_card

    return screenshot_card(context, window)


def register(registry: Registry) -> None:
    registry.add_view("deals", SectionView("board", N_("Board"), _board, order=20))
    registry.add_card_opener("deals", open_deal_card)
    registry.add_screen(Screen("deals_board", _board_screen, order=30))
    registry.add_screen(Screen("deal_card", _card_screen, order=31))
