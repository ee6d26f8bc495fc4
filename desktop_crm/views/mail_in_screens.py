"""Screens of received mail and SDI for ``desktop-crm screenshots``: a deal's timeline with the
client's e-mails (fetched) and a deal's invoices with their SDI status. Their data is made by
``services.data.demo_mail_in`` through the same code as a real fetch."""

from __future__ import annotations

from typing import Any

from desktop_crm.views.mail.register import close_shown_windows, shown_windows
from desktop_crm.views.registry import Registry, Screen


def _open_deal(context: Any, window: Any, deal: Any, tab: int) -> Any:
    if deal is None:
        return window
    from desktop_crm.views.deals.card import open_deal

    card = open_deal(context, str(deal), window)
    if card is None:
        return window
    card.tabs.setCurrentIndex(tab)
    card.resize(980, 680)
    shown_windows.append(card)
    return card


def _received_screen(context: Any, window: Any) -> Any:
    from desktop_crm.i18n import current_language
    from desktop_crm.services.data.demo_mail import add_mail_examples
    from desktop_crm.services.data.demo_mail_in import add_received_examples
    from desktop_crm.services.sales import deal_card

    showcase = deal_card.showcase_deal("EUR" if current_language() == "it" else "RUB")
    deal = add_mail_examples(context.user.id, showcase) or showcase
    deal = add_received_examples(context.user.id, deal)
    context.notify_changed("mail_message")
    return _open_deal(context, window, deal, 1)  # the timeline


def _sdi_screen(context: Any, window: Any) -> Any:
    from desktop_crm.services.data.demo_mail_in import add_sdi_examples

    deal = add_sdi_examples(context.user.id)
    context.notify_changed("invoices")
    return _open_deal(context, window, deal, 3)  # the invoices


def register(registry: Registry) -> None:
    registry.add_screen(Screen("deal_timeline_received_mail", _received_screen, cleanup=close_shown_windows,
                               order=88))
    registry.add_screen(Screen("invoice_sdi_status", _sdi_screen, cleanup=close_shown_windows, order=89))
