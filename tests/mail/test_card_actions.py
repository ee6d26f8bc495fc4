"""Cards: an e-mail address writes a message, a phone number is a tel: link and logs a call."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop_crm.views.cards.contact import open_contact_card
from desktop_crm.views.mail.compose import ComposeDialog
from tests.factories import make_company, make_contact, make_deal


class Dialer(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def dial(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def dialer():
    handler = Dialer()
    QDesktopServices.setUrlHandler("tel", handler, "dial")
    yield handler
    QDesktopServices.unsetUrlHandler("tel")


def composers() -> list[ComposeDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ComposeDialog)
            and w.isVisible()]


def close_composers() -> None:
    for dialog in composers():
        dialog.reject()


def test_the_contact_cards_address_and_phone(qtbot, context, dialer, typer):
    contact = make_contact("Bianchi", "Luca", work_email="luca@bianchi.example",
                           mobile_phone="+39 333 123 4567")
    card = open_contact_card(context, str(contact.id))
    qtbot.addWidget(card)
    email = card.editors["work_email"]
    assert isinstance(email, QLineEdit)
    [write] = [a for a in email.actions() if a.objectName() == "write_field_work_email"]
    assert write.isVisible()
    write.trigger()
    [dialog] = composers()
    assert dialog.to.text() == "luca@bianchi.example"
    assert dialog.links["contact_id"] == str(contact.id)
    close_composers()
    phone = card.editors["mobile_phone"]
    [call] = [a for a in phone.actions() if a.objectName() == "call_field_mobile_phone"]
    call.trigger()
    menu = phone.phone_menu
    [dial] = [a for a in menu.actions() if a.objectName() == "phone_call"]
    dial.trigger()
    assert dialer.urls == ["tel:+393331234567"]
    [log] = [a for a in menu.actions() if a.objectName() == "phone_log_call"]
    log.trigger()
    menu.close()
    timeline = card.timeline
    assert card.tabs.currentWidget() is timeline and timeline.kind.currentData() == "call"
    typer(timeline.text, "ок")
    assert timeline.hint.text() and "Detailed" not in timeline.hint.text()  # the rule's hint
    timeline.text.clear()
    typer(timeline.text, "Discussed the delivery schedule and the discount; he confirms the order "
                         "by Friday after talking to his director.")
    timeline.add_entry()
    assert timeline.model.entries[0].title.startswith("Call")
    card.set_clean()


def test_the_deal_card_links_to_its_client(qtbot, context, dialer):
    from desktop_crm.views.deals.card import open_deal

    company = make_company("Bianchi SpA", email="info@bianchi.example", phone="+39 06 1234567")
    contact = make_contact("Bianchi", "Luca", company=company, work_email="luca@bianchi.example")
    deal = make_deal("Fornitura", company=company, contact=contact)
    card = open_deal(context, str(deal.id))
    qtbot.addWidget(card, before_close_func=lambda w: w._set_dirty(False))
    links = card.contact_links
    assert "luca@bianchi.example" in links.text() and "info@bianchi.example" in links.text()
    links.activate("mailto:luca@bianchi.example")
    [dialog] = composers()
    assert dialog.links["deal_id"] == deal.id
    close_composers()
    menu = links.activate("tel:+39 06 1234567")
    [dial] = [a for a in menu.actions() if a.objectName() == "phone_call"]
    dial.trigger()
    assert dialer.urls == ["tel:+39061234567"]
    [log] = [a for a in menu.actions() if a.objectName() == "phone_log_call"]
    log.trigger()
    menu.close()
    assert card.tabs.currentWidget() is card.timeline
    assert card.timeline.kind.currentData() == "call"
