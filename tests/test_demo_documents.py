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


def test_demo_documents_are_stored_when_the_demo_is_built(demo_db):
    """Every sent quote, issued invoice and issued paper has its files stored at build time (an
    Italian invoice also its XML): printing gives exactly those bytes, nothing is rendered then."""
    from desktop_crm.models import DocumentFile, DocumentType, FileFormat

    stored = {(f.document_type, f.document_id, f.file_format) for f in DocumentFile.select()}
    for model, kind in ((Quote, DocumentType.QUOTE), (Invoice, DocumentType.INVOICE)):
        for document in model.select().where(model.number != "", model.frozen.is_null(False)):
            for fmt in rendering.formats_for(document.frozen):
                assert (kind, str(document.id), fmt) in stored, (document.number, fmt)
    invoice = Invoice.select().where(Invoice.number != "").first()
    before = DocumentFile.select().count()
    first = rendering.render(invoice.id, "invoice", "pdf")
    assert first.stored and DocumentFile.select().count() == before
    row = DocumentFile.get((DocumentFile.document_id == str(invoice.id))
                           & (DocumentFile.file_format == FileFormat.PDF))
    assert first.content == bytes(row.content)


def test_a_demo_invoice_frozen_without_its_qr_image_prints_its_stored_bytes(demo_db):
    """The demo freezes a payment QR code as its payload; rendering the frozen context makes the
    image again and gives exactly the files stored from the full context at build."""
    from desktop_crm.models import DocumentFile, FileFormat

    with_qr = [i for i in Invoice.select().where(Invoice.number != "")
               if (i.frozen["payment"] or {}).get("qr")]
    assert with_qr
    invoice = with_qr[0]
    assert "image" not in invoice.frozen["payment"]["qr"] and invoice.frozen["payment"]["qr"]["payload"]
    context = rendering.context_for(invoice)
    assert context["payment"]["qr"]["image"]["src"].startswith("data:image/png")
    for fmt in (FileFormat.PDF, FileFormat.DOCX):
        stored = DocumentFile.get((DocumentFile.document_id == str(invoice.id))
                                  & (DocumentFile.file_format == fmt))
        assert rendering.render_bytes(context, fmt) == bytes(stored.content), fmt


def test_demo_papers_are_issued_frozen_stored_and_numbered_before_the_apps(demo_db):
    """Closed Russian deals have their акт (services) or УПД (goods), Italian goods deals their
    DDT; each frozen and stored; the app's next paper continues each series."""
    import datetime as dt

    from desktop_crm.models import DocumentFile, DocumentType, IssuedPaper
    from desktop_crm.services.billing import paper_issue

    kinds = {p.kind for p in IssuedPaper.select()}
    assert {"act", "upd", "ddt"} <= kinds
    for paper in IssuedPaper.select():
        assert paper.frozen["doc"]["number"] == paper.number
        assert paper.frozen["doc"]["kind"] == paper.kind
        formats = {f.file_format.value for f in DocumentFile.select().where(
            (DocumentFile.document_type == DocumentType.PAPER)
            & (DocumentFile.document_id == str(paper.id)))}
        assert formats == {"pdf", "docx"}
    ddt = IssuedPaper.select().where(IssuedPaper.kind == "ddt").first()
    assert ddt.frozen["language"] == "it" and ddt.number.startswith("DDT-")
    last = (IssuedPaper.select().where(IssuedPaper.kind == "act", IssuedPaper.year == 2026)
            .order_by(IssuedPaper.sequence_number.desc()).first())
    following = paper_issue.issue_paper(last.deal_id, "act", source="deal", on=dt.date(2026, 11, 21))
    assert following.number == f"А-2026-{last.sequence_number + 1:04d}"
    stored = paper_issue.render_issued(last.id, "pdf")
    assert stored.stored and stored.content.startswith(b"%PDF")
