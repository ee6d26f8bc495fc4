"""Issue 20: the seller per document, private clients' fiscal data, VAT in force on the date and
the contact person — through the services, the CLI and the issued files read back."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from lxml import etree

from desktop_crm.cli import main
from desktop_crm.countries.it import fatturapa
from desktop_crm.errors import ValidationError
from desktop_crm.models import DocumentFile, Invoice, InvoiceLine, Role
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.billing import documents, invoices, rendering
from desktop_crm.services.sales import contacts
from desktop_crm.services.system import session
from tests.documents_fixtures import (
    IT_LINES,
    RU_LINES,
    deal_with_lines,
    italian_buyer,
    italian_seller,
    russian_buyer,
    russian_seller,
)
from tests.factories import make_contact, make_deal, make_deal_lines

CF = "RSSMRA85T10A562S"  # a valid codice fiscale (Mario Rossi)


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _xml(invoice_id) -> etree._Element:
    xml = rendering.render(invoice_id, "invoice", "xml").content
    assert fatturapa.validate(xml) == []  # the official XSD v1.2.3 and SDI's arithmetic
    return etree.fromstring(xml)


def _text(tree, path: str) -> list[str]:
    return [node.text for node in tree.iter() if etree.QName(node).localname == path]


def test_a_euro_deal_takes_the_italian_seller_and_a_draft_can_change_it(any_db):
    ru = russian_seller()
    it = italian_seller(is_default=False)
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR", title="Licenze")
    draft = invoices.create_from_deal(deal.id)
    assert draft.own_company_id == it.id and draft.language == "it"
    # the seller is changeable on a draft; the print language follows the seller's country
    changed = invoices.save_draft(draft.id, {"own_company": ru.id})
    assert changed.own_company_id == ru.id and changed.language == "ru"
    invoices.save_draft(draft.id, {"own_company": it.id})
    issued = invoices.issue(draft.id, on=dt.date(2026, 12, 7))
    frozen = Invoice.get_by_id(draft.id).frozen
    assert frozen["seller"]["name"] == "Rossi S.r.l."  # frozen at issue
    tree = _xml(issued.id)
    assert _text(tree, "TipoDocumento") == ["TD01"]
    assert "01234560124" in _text(tree, "IdCodice")


def test_a_rouble_deal_keeps_the_russian_seller_and_an_impossible_seller_is_refused(any_db):
    ru = russian_seller()
    it = italian_seller(is_default=False)
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    draft = invoices.create_from_deal(deal.id)
    assert draft.own_company_id == ru.id
    # an Italian seller cannot send a FatturaPA to a Russian client written in Cyrillic without
    # tax ids: refused before numbering, the message naming the fix
    invoices.save_draft(draft.id, {"own_company": it.id})
    with pytest.raises(ValidationError) as refused:
        invoices.issue(draft.id)
    message = refused.value.message
    assert "neither a Partita IVA nor a codice fiscale" in message and "Latin only" in message
    assert Invoice.get_by_id(draft.id).number == "" and not DocumentFile.select().exists()
    invoices.save_draft(draft.id, {"own_company": ru.id})
    assert invoices.issue(draft.id, on=dt.date(2026, 12, 7)).number == "1"


def test_italian_invoice_to_a_private_client_has_the_cf_and_code_0000000(any_db, tmp_path):
    italian_seller()
    contact = make_contact("Bianchi", "Luca", country="IT", fiscal_code=CF, address="Via Verdi 3",
                           postal_code="20121", city="Milano", province="MI")
    deal = make_deal("Consulenza", contact=contact, currency="EUR")
    make_deal_lines(deal, IT_LINES)
    draft = invoices.create_from_deal(deal.id)
    issued = invoices.issue(draft.id, on=dt.date(2026, 12, 7))
    tree = _xml(issued.id)
    assert _text(tree, "CodiceDestinatario") == ["0000000"]
    buyer = next(n for n in tree.iter() if etree.QName(n).localname == "CessionarioCommittente")
    assert _text(buyer, "CodiceFiscale") == [CF] and _text(buyer, "IdFiscaleIVA") == []
    assert _text(buyer, "CAP") == ["20121"] and _text(buyer, "Provincia") == ["MI"]
    text = _pdf_text(rendering.render(issued.id, "invoice", "pdf").content, tmp_path)
    assert "Bianchi Luca" in text and "Milano" in text


def test_a_private_client_without_codice_fiscale_is_refused_naming_the_fix(any_db):
    italian_seller()
    contact = make_contact("Neri", "Anna", country="IT")
    deal = make_deal("Consulenza", contact=contact, currency="EUR")
    make_deal_lines(deal, IT_LINES)
    draft = invoices.create_from_deal(deal.id)
    with pytest.raises(ValidationError) as refused:
        invoices.issue(draft.id)
    assert "codice fiscale" in refused.value.message and "contact's card" in refused.value.message
    assert not DocumentFile.select().exists()  # nothing half-written


def test_contact_fiscal_data_is_checked_by_the_country_rules(any_db):
    with pytest.raises(ValidationError) as bad_cf:
        contacts._clean({"fiscal_code": "RSSMRA85T10A562X"})
    assert bad_cf.value.field == "fiscal_code"
    with pytest.raises(ValidationError) as bad_inn:
        contacts._clean({"inn": "7701234567"})  # a company's 10-digit ИНН, not a person's
    assert bad_inn.value.field == "inn"
    cleaned = contacts._clean({"fiscal_code": "rssmra 85t10 a562s", "inn": "500100732259",
                               "country": "it", "province": "mi"})
    assert cleaned["fiscal_code"] == CF and cleaned["country"] == "IT" and cleaned["province"] == "MI"


def test_vat_not_in_force_on_the_issue_date_is_refused_and_the_lines_can_be_updated(any_db, tmp_path):
    russian_seller(default_vat_rate=Decimal("22"))
    lines = [(name, qty, price, "20", unit) for name, qty, price, _vat, unit in RU_LINES]
    deal = deal_with_lines(russian_buyer(), lines)
    draft = invoices.create_from_deal(deal.id)
    # a new draft takes the rates in force today…
    assert {line["vat_rate"] for line in documents.line_rows(Invoice.get_by_id(draft.id))} == {Decimal("22")}
    # …but a draft kept from 2025 (or typed at 20 %) still holds the old rate
    old_lines = [{"name": name, "quantity": qty, "price": price, "vat_rate": "20", "unit": unit}
                 for name, qty, price, _vat, unit in RU_LINES]
    invoices.save_draft(draft.id, lines=old_lines)
    on = dt.date(2026, 12, 7)
    with pytest.raises(ValidationError) as refused:
        invoices.issue(draft.id, on=on)
    assert "VAT 20 % is not in force on 07.12.2026" in refused.value.message
    assert "Update the lines' VAT rates" in refused.value.message
    assert documents.update_document_vat("invoice", draft.id, on) == 3
    rates = {line.vat_rate for line in InvoiceLine.select().where(InvoiceLine.invoice == draft.id,
                                                                   InvoiceLine.deleted_at.is_null())}
    assert rates == {Decimal("22")}
    issued = invoices.issue(draft.id, on=on)
    text = _pdf_text(rendering.render(issued.id, "invoice", "pdf").content, tmp_path)
    assert "НДС 22 %" in text
    # the same lines in 2025 were right: 20 % was in force then
    deal_2025 = deal_with_lines(russian_buyer(inn="7707083893", kpp="773601001"), lines)
    old = invoices.create_from_deal(deal_2025.id)
    invoices.save_draft(old.id, lines=old_lines)
    assert invoices.issue(old.id, on=dt.date(2025, 12, 1)).number


def test_new_lines_default_to_the_own_company_rate_in_force(any_db):
    own = russian_seller(default_vat_rate=Decimal("22"))
    assert documents.default_vat_rate(own, dt.date(2026, 3, 1)) == Decimal("22")
    assert documents.default_vat_rate(own, dt.date(2025, 3, 1)) == Decimal("20")  # 22 not in force
    blank = russian_seller(default_vat_rate=Decimal("0"), is_default=False)
    assert documents.default_vat_rate(blank, dt.date(2026, 3, 1)) == Decimal("22")  # never 0


def test_the_contact_person_is_the_signed_in_user(any_db):
    from tests.factories import make_user

    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)  # its responsible is another user
    me = make_user("Анна Смирнова", email="anna@romashka.ru", role=Role.ADMIN)
    session.sign_in(me.id)
    try:
        draft = invoices.create_from_deal(deal.id)
        context = rendering.context_for(Invoice.get_by_id(draft.id))
        assert context["manager"]["name"] == "Анна Смирнова"
    finally:
        session.sign_out()


@pytest.fixture
def two_sellers_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    session.sign_in_for_tool()  # the first administrator, whom the render command then acts as
    russian_seller()
    italian_seller(is_default=False)
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="RUB")
    db.close()
    return url, str(deal.id)


def test_render_seller_option_by_partita_iva(two_sellers_db, tmp_path, capsys):
    url, deal_id = two_sellers_db
    out = tmp_path / "fattura.pdf"
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "invoice", "--format", "pdf",
                 "--seller", "IT01234560124", "-o", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Rossi S.r.l." in text and "Ромашка" not in text
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "invoice", "--format", "pdf",
                 "--seller", "Nessuna", "-o", str(out)]) == 1
    assert "No own company" in capsys.readouterr().err


def test_a_product_or_deal_line_with_vat_left_blank_takes_the_default_never_zero(any_db):
    from desktop_crm.models import DealLine, Product
    from desktop_crm.services.sales import cards, deals
    from tests.factories import make_user

    russian_seller(default_vat_rate=Decimal("22"))
    user = make_user("Admin", role=Role.ADMIN)
    blank = cards.save_product(None, {"name": "Ноутбук", "price": "1000", "currency": "RUB",
                                      "vat_rate": ""}, user.id)
    assert Product.get_by_id(blank).vat_rate == Decimal("22")
    exempt = cards.save_product(None, {"name": "Обучение", "price": "1000", "currency": "RUB",
                                        "vat_rate": "0"}, user.id)
    assert Product.get_by_id(exempt).vat_rate == Decimal("0")  # a rate chosen stays
    deal = deal_with_lines(russian_buyer(), [])
    line = deals.add_line(deal.id, {"name": "Монтаж", "quantity": "1", "price": "500"}, user.id)
    assert DealLine.get_by_id(line.id).vat_rate == Decimal("22")


@pytest.mark.parametrize("charged", [False, True])
def test_the_bollo_reads_consistently_virtual_or_charged(any_db, tmp_path, charged):
    italian_seller()
    documents.BOLLO_CHARGED.set(charged)
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    draft = invoices.create_from_deal(deal.id)
    exempt = [{"name": "Corso di formazione", "quantity": "1", "price": "500.00", "vat_rate": "0",
               "natura": "N4", "unit": "ore"}]
    saved = invoices.save_draft(draft.id, lines=exempt)
    assert saved.total == (Decimal("502.00") if charged else Decimal("500.00"))
    issued = invoices.issue(draft.id, on=dt.date(2026, 12, 7))
    text = " ".join(_pdf_text(rendering.render(issued.id, "invoice", "pdf").content, tmp_path).split())
    assert "Imposta di bollo assolta in modo virtuale" in text
    if charged:  # a line of the table, in the total
        assert "Imposta di bollo" in text.split("Imposta di bollo assolta")[0]
        assert "502,00" in text
    else:  # a note only: no amount beside a total that excludes it
        assert "Imposta di bollo 2,00" not in text and "Imposta di bollo" not in text.split(
            "Imposta di bollo assolta")[0]
        assert "500,00" in text and "502,00" not in text
    if charged:
        (tmp_path / "bollo.pdf").write_bytes(rendering.render(issued.id, "invoice", "pdf").content)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "bollo.pdf"),
                        "/tmp/docsa_bollo"], check=True)
    tree = _xml(issued.id)
    assert _text(tree, "ImportoBollo") == ["2.00"]
    assert _text(tree, "ImportoTotaleDocumento") == ["502.00" if charged else "500.00"]
    assert ("N1" in _text(tree, "Natura")) is charged


@pytest.mark.parametrize("b2c", [False, True])
def test_a_credit_note_is_td04_referring_to_the_invoice_with_its_own_progressivo(any_db, tmp_path, b2c):
    from desktop_crm.services.billing import credit_notes

    italian_seller()
    if b2c:
        contact = make_contact("Bianchi", "Luca", country="IT", fiscal_code=CF, address="Via Verdi 3",
                               postal_code="20121", city="Milano", province="MI")
        deal = make_deal("Consulenza", contact=contact, currency="EUR")
        make_deal_lines(deal, IT_LINES)
    else:
        deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    invoice = invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 12, 7))
    note = credit_notes.issue_credit_note(invoice.id, on=dt.date(2026, 12, 9))
    assert Invoice.get_by_id(invoice.id).status == "cancelled"
    assert note.number == "2026/0002" and note.total == invoice.total
    original, credit = _xml(invoice.id), _xml(note.id)
    assert _text(original, "TipoDocumento") == ["TD01"] and _text(credit, "TipoDocumento") == ["TD04"]
    assert _text(credit, "IdDocumento") == [invoice.number]
    linked = next(n for n in credit.iter() if etree.QName(n).localname == "DatiFattureCollegate")
    assert _text(linked, "Data") == ["2026-12-07"]
    assert _text(credit, "ImportoTotaleDocumento") == _text(original, "ImportoTotaleDocumento")
    assert _text(original, "ProgressivoInvio") != _text(credit, "ProgressivoInvio")
    if b2c:
        assert _text(credit, "CodiceDestinatario") == ["0000000"] and CF in _text(credit, "CodiceFiscale")
    text = _pdf_text(rendering.render(note.id, "invoice", "pdf").content, tmp_path)
    assert "Nota di credito n. 2026/0002" in text and "Scadenza" not in text
    assert "Nota di credito relativa alla fattura n. 2026/0001 del 07/12/2026" in text
    assert _text(credit, "Causale") == ["Nota di credito relativa alla fattura n. 2026/0001 del 07/12/2026"]
    with pytest.raises(ValidationError):
        credit_notes.issue_credit_note(invoice.id)  # cancelled already, and credited
