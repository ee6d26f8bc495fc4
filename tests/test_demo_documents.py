"""Issue 20 point 8: the demo's issued documents are frozen like the app's, print the deal's own
buyer, and the numbers and FatturaPA transmission numbers continue with what the app issues next."""

from __future__ import annotations

import time

import pytest
from lxml import etree

from desktop_crm.countries.it import fatturapa
from desktop_crm.models import Company, Deal, Invoice, OwnCompany, Quote, database
from desktop_crm.models.db import open_database
from desktop_crm.services.billing import numbering, rendering
from desktop_crm.services.data.demo import DemoOptions, build_demo


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo_docs") / "demo.db"
    started = time.monotonic()
    build_demo(str(path), DemoOptions(deals=300, seed=5))
    print(f"demo of 300 deals built in {time.monotonic() - started:.1f} s")
    db = open_database(str(path))
    yield db
    db.close()


def test_issued_demo_documents_are_frozen_with_the_deals_buyer(demo_db):
    issued = [*Quote.select().where(Quote.number != ""), *Invoice.select().where(Invoice.number != "")]
    assert issued and all(document.frozen for document in issued)
    for document in issued:
        if document.company_id:
            company = Company.get_by_id(document.company_id)
            assert document.frozen["buyer"]["name"] == (company.short_name or company.legal_name)
            assert Deal.get_by_id(document.deal_id).company_id == document.company_id


def test_progressivo_invio_is_unique_and_the_app_continues_after_the_demo(demo_db):
    italian = OwnCompany.get(OwnCompany.country == "IT")
    invoices = list(Invoice.select().where(Invoice.own_company == italian.id, Invoice.number != ""))
    progressives = [i.frozen["transmission"]["progressive"] for i in invoices]
    assert len(progressives) == len(set(progressives)) == len(invoices)
    sample = invoices[-1]
    xml = rendering.render(sample.id, "invoice", "xml").content
    tree = etree.fromstring(xml)
    sent = next(n.text for n in tree.iter() if etree.QName(n).localname == "ProgressivoInvio")
    assert sent == sample.frozen["transmission"]["progressive"]
    with database.atomic():
        following = numbering.take_progressive(italian)
    assert following not in progressives and following == fatturapa.progressive_for(len(invoices) + 1)


def test_italian_private_clients_have_what_a_fattura_needs_and_their_xml_is_valid(demo_db):
    from desktop_crm.countries.it.requisites import fiscal_code_error
    from desktop_crm.models import Contact

    italians = list(Contact.select().where(Contact.country == "IT"))
    assert italians and all(fiscal_code_error(c.fiscal_code) is None and len(c.fiscal_code) == 16
                            for c in italians)
    assert all(c.postal_code and c.city and len(c.province) == 2 for c in italians)
    italian = OwnCompany.get(OwnCompany.country == "IT")
    to_persons = list(Invoice.select().where(Invoice.own_company == italian.id, Invoice.number != "",
                                             Invoice.company.is_null()))
    assert to_persons
    for invoice in to_persons[:5]:
        xml = rendering.render(invoice.id, "invoice", "xml").content
        assert fatturapa.validate(xml) == []


def test_demo_documents_carry_the_vat_in_force_on_their_date(demo_db):
    from desktop_crm.countries import country
    from desktop_crm.models import InvoiceLine, QuoteLine

    for model, line_model, owner in ((Quote, QuoteLine, QuoteLine.quote),
                                     (Invoice, InvoiceLine, InvoiceLine.invoice)):
        for document in model.select().where(model.number != ""):
            rates = country(document.own_company.country).vat_on(document.issue_date).rates
            for line in line_model.select().where(owner == document.id):
                assert line.vat_rate in rates, (document.number, document.issue_date, line.vat_rate)


def test_a_demo_document_is_stored_on_first_print_and_then_never_changes(demo_db):
    invoice = Invoice.select().where(Invoice.number != "").first()
    first = rendering.render(invoice.id, "invoice", "pdf")
    assert first.stored
    again = rendering.render(invoice.id, "invoice", "pdf")
    assert again.stored and again.content == first.content
