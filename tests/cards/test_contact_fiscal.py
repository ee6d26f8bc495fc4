"""Issue 20 point 2: a private client's fiscal data and address on the contact card, checked by
the country rules, then on the Italian B2C invoice (CodiceDestinatario 0000000 and the CF)."""

from __future__ import annotations

import datetime as dt

from lxml import etree
from PySide6.QtCore import Qt

from desktop_crm.countries.it import fatturapa
from desktop_crm.models import Contact
from desktop_crm.services.billing import invoices, rendering
from desktop_crm.services.sales import contacts
from tests.documents_fixtures import IT_LINES, italian_seller
from tests.factories import make_deal, make_deal_lines


def test_codice_fiscale_and_address_typed_on_the_card_reach_the_fattura(context, qtbot, typer):
    person = contacts.create_contact(
        {"last_name": "Bianchi", "first_name": "Luca", "mobile_phone": "+39 333 123 4567",
         "private_email": "luca@bianchi.it", "birth_date": dt.date(1985, 12, 10)},
        context.user.id,
    )
    card = context.registry.card_opener("contacts")(context, str(person.id), None)
    qtbot.waitExposed(card)
    country = card.editors["country"]
    country.setCurrentIndex(country.findData("IT"))
    typer(card.editors["fiscal_code"], "RSSMRA85T10A562X")  # a typo in the check letter
    for name, text in (("address", "Via Verdi 3"), ("postal_code", "20121"), ("city", "Milano"),
                       ("province", "mi")):
        typer(card.editors[name], text)
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    message = card.error_labels["fiscal_code"]
    assert message.isVisible() and "check letter" in message.text()
    assert Contact.get_by_id(person.id).fiscal_code == ""  # nothing half-written
    card.editors["fiscal_code"].clear()
    typer(card.editors["fiscal_code"], "rssmra85t10a562s")
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    saved = Contact.get_by_id(person.id)
    assert (saved.country, saved.fiscal_code, saved.postal_code, saved.province) == (
        "IT", "RSSMRA85T10A562S", "20121", "MI")
    card.close()

    italian_seller()
    deal = make_deal("Consulenza", contact=saved, currency="EUR")
    make_deal_lines(deal, IT_LINES)
    issued = invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 12, 7))
    xml = rendering.render(issued.id, "invoice", "xml").content
    assert fatturapa.validate(xml) == []
    tree = etree.fromstring(xml)
    texts = {etree.QName(n).localname: n.text for n in tree.iter()}
    assert texts["CodiceDestinatario"] == "0000000" and texts["CodiceFiscale"] == "RSSMRA85T10A562S"
