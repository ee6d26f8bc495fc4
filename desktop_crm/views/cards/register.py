"""Registers the cards as card openers (double-click, Enter, global search, New) and their screens."""

from __future__ import annotations

from typing import Any

from desktop_crm.entities import Entity
from desktop_crm.views.registry import Registry, Screen


def _card_screen(entity: str) -> Any:
    def render(context: Any, window: Any) -> Any:
        from desktop_crm.services.listing import lists

        window.show_section(entity, "list")
        rows = lists.fetch_page(entity, None, None, 0, 1)
        card = context.registry.card_opener(entity)(context, rows[0].id if rows else None, window)
        card.resize(900, 760)
        return card

    return render


def _convert_screen(context: Any, window: Any) -> Any:
    """The Convert… wizard of the first lead, on its client page when the rules allow it."""
    from desktop_crm.services.listing import lists
    from desktop_crm.views.cards.lead import open_lead_card

    window.show_section(Entity.LEADS, "list")
    rows = lists.fetch_page(Entity.LEADS, None, None, 0, 1)
    card = open_lead_card(context, rows[0].id if rows else None, window)
    if card is None:
        return window
    wizard = card.start_conversion()
    if wizard is None:
        return card
    wizard.resize(640, 520)
    if wizard.check_page.isComplete():
        wizard.next()
        wizard.next()
    _shown.extend([wizard, card])
    return wizard


_shown: list[Any] = []


def _close_shown() -> None:
    while _shown:
        widget = _shown.pop()
        widget.close()


def register(registry: Registry) -> None:
    openers = {  # imported when a card is first opened, not at start-up
        Entity.CONTACTS: "desktop_crm.views.cards.contact:open_contact_card",
        Entity.COMPANIES: "desktop_crm.views.cards.company:open_company_card",
        Entity.LEADS: "desktop_crm.views.cards.lead:open_lead_card",
        Entity.PRODUCTS: "desktop_crm.views.cards.product:open_product_card",
    }
    for order, (entity, opener) in enumerate(openers.items()):
        registry.add_card_opener(entity, opener)
        registry.add_screen(Screen(f"card_{entity}", _card_screen(entity), order=40 + order))
    registry.add_screen(Screen("card_leads_convert", _convert_screen, cleanup=_close_shown, order=45))
