"""Registers the Outbox section and the mail screenshots (compose, outbox, a deal's timeline with
an e-mail). Their modules load when first used."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView

#: Windows a mail screenshot opened (the received-mail screens use it too): closed afterwards.
shown_windows: list[Any] = []


def _examples(context: Any) -> Any:
    """A mail account and an outbox in each state for the signed-in user (once)."""
    from desktop_crm.i18n import current_language
    from desktop_crm.services.data.demo_mail import add_mail_examples
    from desktop_crm.services.sales import deal_card

    showcase = deal_card.showcase_deal("EUR" if current_language() == "it" else "RUB")
    deal = add_mail_examples(context.user.id, showcase)
    context.notify_changed("mail_message")
    return deal


def _compose_screen(context: Any, window: Any) -> Any:
    from desktop_crm.views.mail.compose import ComposeDialog

    deal = _examples(context)
    if deal is None:
        return window
    dialog = ComposeDialog(context, window, deal_id=deal, kind="quote")
    dialog.resize(720, 600)
    dialog.show()
    shown_windows.append(dialog)
    return dialog


def _outbox_screen(context: Any, window: Any) -> Any:
    _examples(context)
    view = window.show_section("outbox", "outbox")
    if view is not None:
        view.reload()
        view.select(0)
    return window


def _timeline_screen(context: Any, window: Any) -> Any:
    deal = _examples(context)
    if deal is None:
        return window
    from desktop_crm.views.deals.card import open_deal

    card = open_deal(context, str(deal), window)
    if card is None:
        return window
    card.tabs.setCurrentIndex(1)  # the timeline
    shown_windows.append(card)
    return card


def close_shown_windows() -> None:
    while shown_windows:
        widget = shown_windows.pop()
        if hasattr(widget, "set_clean"):
            widget.set_clean()
        widget.close()


def register(registry: Registry) -> None:
    from desktop_crm.views.common.contact_links import set_compose_action
    from desktop_crm.views.mail.card_actions import compose_from_header

    set_compose_action(compose_from_header)  # card headers' addresses open the compose dialog
    registry.add_view("outbox", SectionView("outbox", N_("Outbox"),
                                            "desktop_crm.views.mail.outbox_view:OutboxView", order=0))
    registry.add_screen(Screen("mail_outbox", _outbox_screen, order=85))
    registry.add_screen(Screen("mail_compose", _compose_screen, cleanup=close_shown_windows, order=86))
    registry.add_screen(Screen("deal_timeline_mail", _timeline_screen, cleanup=close_shown_windows,
                               order=87))
