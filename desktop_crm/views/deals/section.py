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
    from desktop_crm.i18n import current_language
    from desktop_crm.services.sales import deal_card

    view = window.show_section("deals", "board")
    # the pipeline of the deal the card screenshot shows (an Italian one in Italian)
    deal_id = deal_card.showcase_deal("EUR" if current_language() == "it" else "RUB")
    combo = getattr(view, "pipeline", None)
    if deal_id and combo is not None:
        index = combo.findData(str(deal_card.load(deal_id).pipeline_id))
        if index >= 0:
            combo.setCurrentIndex(index)
    for column in getattr(view, "columns", []):
        column.set_collapsed(False)
    return window


def _card_screen(context: Any, window: Any) -> Any:
    from desktop_crm.views.deals.card import screenshot_card

    return screenshot_card(context, window)


def _card_timeline_screen(context: Any, window: Any) -> Any:
    from desktop_crm.views.deals.card import screenshot_card

    return screenshot_card(context, window, tab=1)  # the timeline: kinds' icons, authors' faces


def _card_quotes_screen(context: Any, window: Any) -> Any:
    from desktop_crm.views.deals.card import screenshot_card

    return screenshot_card(context, window, tab=2)  # the documents panel of the deal


def _card_custom_fields_screen(context: Any, window: Any) -> Any:
    """A corporate deal with its BANT and competitors (the demo's custom fields)."""
    from desktop_crm.entities import Entity
    from desktop_crm.services.system import custom_values
    from desktop_crm.views.deals.card import open_deal

    deal_id = custom_values.record_with_values(Entity.DEALS)
    card = open_deal(context, str(deal_id), window) if deal_id else None
    return card if card is not None else window


def _card_history_screen(context: Any, window: Any) -> Any:
    from desktop_crm.views.deals.card import screenshot_history

    return screenshot_history(context, window)  # who changed which field, when, on which computer


def register(registry: Registry) -> None:
    registry.add_view("deals", SectionView("board", N_("Board"), _board, order=20))
    registry.add_card_opener("deals", open_deal_card)
    registry.add_screen(Screen("deals_board", _board_screen, order=30))
    registry.add_screen(Screen("deal_card", _card_screen, order=31))
    registry.add_screen(Screen("deal_card_quotes", _card_quotes_screen, order=32))
    registry.add_screen(Screen("deal_card_timeline", _card_timeline_screen, order=33))
    registry.add_screen(Screen("deal_card_custom_fields", _card_custom_fields_screen, order=34))
    registry.add_screen(Screen("deal_history", _card_history_screen, order=35))
