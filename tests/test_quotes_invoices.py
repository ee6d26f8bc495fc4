"""Quotes and invoices on real databases: numbering, workflow, freezing, payments, timeline."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from decimal import Decimal

import pytest

from desktop_crm.countries.it.fatturapa import FatturaPAError
from desktop_crm.errors import ValidationError
from desktop_crm.models import (
    Activity,
    ActivityKind,
    DocumentFile,
    DocumentType,
    Invoice,
    InvoiceStatus,
    NumberSequence,
    Quote,
    QuoteStatus,
    database,
)
from desktop_crm.services.billing import documents, invoices, numbering, quotes, rendering, screens
from tests.documents_fixtures import (
    IT_LINES,
    RU_LINES,
    deal_with_lines,
    italian_buyer,
    italian_seller,
    russian_buyer,
    russian_seller,
)

D = Decimal


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def ru_deal():
    russian_seller()
    return deal_with_lines(russian_buyer(), RU_LINES)


def test_drafts_have_no_number_and_issuing_is_gapless(any_db):
    deal = ru_deal()
    drafts = [invoices.create_from_deal(deal.id) for _ in range(3)]
    assert all(d.number == "" and d.sequence_number is None for d in drafts)
    assert NumberSequence.select().count() == 0
    day = dt.date(2026, 11, 25)
    numbers = [invoices.issue(d.id, on=day).number for d in drafts]
    assert numbers == ["1", "2", "3"]  # «{seq}» for a Russian счёт
    nxt = invoices.create_from_deal(deal.id)
    assert invoices.issue(nxt.id, on=dt.date(2027, 1, 10)).number == "1"  # a new year restarts


def test_a_failed_issue_gives_its_number_back(any_db):
    italian_seller()
    deal = deal_with_lines(italian_buyer(vat_number="12345670018"), IT_LINES, currency="EUR")
    bad = invoices.create_from_deal(deal.id)
    with pytest.raises(FatturaPAError, match="Partita IVA"):
        invoices.issue(bad.id, on=dt.date(2026, 11, 25))
    bad = Invoice.get_by_id(bad.id)
    assert bad.status == InvoiceStatus.DRAFT and bad.number == "" and bad.frozen is None
    assert DocumentFile.select().count() == 0
    good_deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    good = invoices.create_from_deal(good_deal.id)
    assert invoices.issue(good.id, on=dt.date(2026, 11, 25)).number == "2026/0001"


def test_series_per_device_and_patterns(any_db):
    deal = ru_deal()
    day = dt.date(2026, 3, 1)
    a = invoices.issue(invoices.create_from_deal(deal.id).id, series="A", on=day)
    main = invoices.issue(invoices.create_from_deal(deal.id).id, on=day)
    b = invoices.issue(invoices.create_from_deal(deal.id).id, series="A", on=day)
    assert (a.number, main.number, b.number) == ("1/A", "1", "2/A")
    with pytest.raises(ValidationError, match="series"):
        invoices.issue(invoices.create_from_deal(deal.id).id, series="ряд", on=day)
    assert numbering.format_number("{year}/{seq:04d}", 42, 2026) == "2026/0042"
    with pytest.raises(ValidationError, match="pattern"):
        numbering.format_number("{nope}", 1, 2026)


@pytest.mark.postgres
def test_concurrent_issues_on_postgres_wait_for_the_counter_lock(pg_url):
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate

    db = open_database(pg_url)
    migrate(db)
    try:
        deal = ru_deal()
        first = invoices.create_from_deal(deal.id)
        second = invoices.create_from_deal(deal.id)
        invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 5, 1))  # counter row exists
        holding, results, errors = threading.Event(), {}, []
        company = documents._default_own_company()

        def slow_issue():
            try:
                with database.atomic():
                    seq, number = numbering.take_number(company, DocumentType.INVOICE, dt.date(2026, 5, 1))
                    holding.set()
                    time.sleep(0.6)  # keep the row locked while the other connection tries
                    results["slow"] = (number, time.monotonic())
                    inv = Invoice.get_by_id(first.id)
                    inv.number, inv.sequence_number = number, seq
                    inv.save()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                database.close()

        def fast_issue():
            try:
                holding.wait(5)
                started = time.monotonic()
                issued = invoices.issue(second.id, on=dt.date(2026, 5, 1))
                results["fast"] = (issued.number, started, time.monotonic())
            except Exception as error:  # pragma: no cover
                errors.append(error)
            finally:
                database.close()

        threads = [threading.Thread(target=slow_issue), threading.Thread(target=fast_issue)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert errors == []
        assert results["slow"][0] == "2" and results["fast"][0] == "3"
        assert results["fast"][2] >= results["slow"][1]  # it waited for the first to commit
        numbers = sorted(i.number for i in Invoice.select() if i.number)
        assert numbers == ["1", "2", "3"]
    finally:
        db.close()


def test_quote_workflow_revisions_and_freezing(any_db):
    deal = ru_deal()
    quote = quotes.create_from_deal(deal.id)
    assert quote.status == QuoteStatus.DRAFT and quote.number == ""
    assert (quote.subtotal, quote.vat_total, quote.total) == (D("41990.00"), D("7571.96"), D("41990.00"))
    quote = quotes.save_draft(
        quote.id,
        {"intro": "Благодарим за интерес.", "terms": [{"key": "payment", "text": "100 % предоплата"}]},
        [documents.LineData("Ноутбук", "2", "35 990,00", "шт", vat_rate="22", discount_percent="5")],
    )
    assert quote.total == D("68381.00") and quote.vat_total == D("12331.00")
    sent = quotes.send(quote.id, on=dt.date(2026, 11, 25))
    assert sent.number == "КП-2026-0001" and sent.status == QuoteStatus.SENT
    assert Quote.get_by_id(sent.id).frozen["totals"]["grand_total"] == "68381.00"
    with pytest.raises(ValidationError, match="new revision"):
        quotes.save_draft(sent.id, {"notes": "x"})
    stored = {f.file_format.value: f for f in DocumentFile.select()}
    assert set(stored) == {"pdf", "docx"}
    pdf = stored["pdf"]
    content = bytes(pdf.content)
    assert pdf.sha256 == hashlib.sha256(content).hexdigest() and pdf.size == len(content)
    reprint = rendering.render(sent.id, "quote", "pdf")
    assert reprint.stored and reprint.content == bytes(pdf.content)
    assert reprint.filename == "КП-2026-0001 ООО Лютик.pdf"

    revision = quotes.new_revision(sent.id)
    assert revision.revision == 2 and revision.number == "КП-2026-0001"
    assert revision.status == QuoteStatus.DRAFT
    assert Quote.get_by_id(sent.id).status == QuoteStatus.SUPERSEDED
    assert quotes.current_quote(deal.id).id == revision.id
    revision = quotes.send(revision.id, on=dt.date(2026, 11, 26))
    assert revision.number == "КП-2026-0001"
    assert Quote.get_by_id(revision.id).frozen["doc"]["revision_text"] == "ред. 2"
    accepted = quotes.accept(revision.id)
    invoice = quotes.to_invoice(accepted.id)
    assert invoice.status == InvoiceStatus.DRAFT and invoice.quote_id == accepted.id
    invoice_lines = documents._lines_of(Invoice.get_by_id(invoice.id))
    assert [(line.name, line.quantity, line.discount_percent) for line in invoice_lines] == [
        ("Ноутбук", D("2.000"), D("5.00"))
    ]
    assert invoice.total == D("68381.00")
    with pytest.raises(ValidationError, match="already has an invoice"):
        quotes.to_invoice(accepted.id)


def test_sent_quotes_expire_by_validity_date(any_db):
    deal = ru_deal()
    quote = quotes.create_from_deal(deal.id)
    quotes.save_draft(quote.id, {"valid_until": dt.date(2026, 1, 31)})
    quotes.send(quote.id, on=dt.date(2026, 1, 10))
    assert quotes.refresh_expired(dt.date(2026, 1, 31)) == 0
    assert quotes.refresh_expired(dt.date(2026, 2, 1)) == 1
    assert Quote.get_by_id(quote.id).status == QuoteStatus.EXPIRED
    with pytest.raises(ValidationError):
        quotes.accept(quote.id)


def test_a_deals_documents_expire_only_that_deals_quotes(any_db):
    """The deal card's Quotes tab loads on every card open: it must not rewrite every quote of
    the business (80,000 at a million deals) on the GUI thread, only the deal's own."""
    russian_seller()
    buyer = russian_buyer()
    deals = [deal_with_lines(buyer, RU_LINES, title=title) for title in ("Первая", "Вторая")]
    sent = []
    for deal in deals:
        quote = quotes.create_from_deal(deal.id)
        quotes.save_draft(quote.id, {"valid_until": dt.date(2026, 1, 31)})
        sent.append(quotes.send(quote.id, on=dt.date(2026, 1, 10)))
    assert quotes.refresh_expired(dt.date(2026, 2, 1), deal_id=deals[0].id) == 1
    assert Quote.get_by_id(sent[0].id).status == QuoteStatus.EXPIRED
    assert Quote.get_by_id(sent[1].id).status == QuoteStatus.SENT
    summaries = screens.summaries_for_deal(deals[1].id, "quote")  # derived on load
    assert [s.status for s in summaries] == ["expired"]
    assert Quote.get_by_id(sent[1].id).status == QuoteStatus.EXPIRED


def test_loading_a_deals_quotes_announces_no_change_when_none_expired(any_db):
    """The deal card reloads its Quotes tab on every change of quotes and expires them on load: a
    load that announced a change (an UPDATE of no rows does) kept an open card reloading forever."""
    from desktop_crm.models import changes

    deal = ru_deal()
    quote = quotes.create_from_deal(deal.id)
    quotes.save_draft(quote.id, {"valid_until": dt.date.today() + dt.timedelta(days=30)})
    quotes.send(quote.id)
    before = changes.local_commits()
    assert [s.status for s in screens.summaries_for_deal(deal.id, "quote")] == ["sent"]
    assert quotes.refresh_expired() == 0
    assert changes.local_commits() == before


def test_invoice_payments_cancel_and_reissue(any_db):
    deal = ru_deal()
    invoice = invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 11, 25))
    assert invoice.due_date == dt.date(2026, 11, 30)
    with pytest.raises(ValidationError, match="still due"):
        invoices.register_payment(invoice.id, "50000", dt.date(2026, 11, 26))
    invoices.register_payment(invoice.id, "10 000,00", dt.date(2026, 11, 26))
    assert Invoice.get_by_id(invoice.id).status == InvoiceStatus.PARTIALLY_PAID
    invoices.register_payment(invoice.id, D("31990.00"), dt.date(2026, 11, 27))
    paid = Invoice.get_by_id(invoice.id)
    assert paid.status == InvoiceStatus.PAID and paid.paid_amount == D("41990.00")
    with pytest.raises(ValidationError, match="paid"):
        invoices.cancel(paid.id)

    other = invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 11, 25))
    cancelled = invoices.cancel(other.id, reason="Ошибка в реквизитах")
    assert cancelled.status == InvoiceStatus.CANCELLED and cancelled.number == "2"
    with pytest.raises(ValidationError):
        invoices.register_payment(other.id, "1")
    again = invoices.reissue(other.id)
    assert invoices.issue(again.id, on=dt.date(2026, 11, 25)).number == "3"


def test_issued_invoice_is_frozen_and_reprints_identically(any_db):
    deal = ru_deal()
    invoice = invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 11, 25))
    first = rendering.render(invoice.id, "invoice", "pdf")
    seller = documents._default_own_company()
    seller.bank_name = "АО ДРУГОЙ БАНК"
    seller.save()
    second = rendering.render(invoice.id, "invoice", "pdf")
    assert second.stored and second.content == first.content and second.sha256 == first.sha256
    assert "ПАО СБЕРБАНК" in str(Invoice.get_by_id(invoice.id).frozen["seller"]["bank"])
    with pytest.raises(ValidationError, match="cancel it"):
        invoices.save_draft(invoice.id, {"notes": "x"})


def test_issuing_an_italian_invoice_stores_a_valid_fatturapa(any_db):
    from desktop_crm.countries.it.fatturapa import validate

    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    invoice = invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 11, 25))
    assert invoice.number == "2026/0001" and invoice.due_date == dt.date(2026, 12, 25)
    assert invoice.total == D("33537.80") and invoice.vat_total == D("6047.80")
    xml = rendering.render(invoice.id, "invoice", "xml")
    assert xml.stored and xml.filename.startswith("IT01234560124_") and validate(xml.content) == []


def test_fatturapa_transmission_numbers_never_repeat_for_an_own_company_and_stay_with_the_invoice(any_db):
    """ProgressivoInvio (and the file name) comes from the own company's transmission counter,
    taken when the XML is first produced: not from the invoice number, which restarts every year
    and repeats across device series."""
    from lxml import etree

    italian_seller()
    buyer = italian_buyer()

    def issue_one(series: str | None = None, on: dt.date = dt.date(2026, 11, 25)) -> Invoice:
        deal = deal_with_lines(buyer, IT_LINES, currency="EUR")
        return invoices.issue(invoices.create_from_deal(deal.id).id, series=series, on=on)

    def progressive(invoice: Invoice) -> str:
        xml = rendering.render(invoice.id, "invoice", "xml")
        assert xml.stored
        value = etree.fromstring(xml.content).findtext(".//ProgressivoInvio")
        assert xml.filename == f"IT01234560124_{value}.xml"
        return value

    first = issue_one()
    device = issue_one(series="B")  # invoice 1 of device series B, like «first» in the main one
    next_year = issue_one(on=dt.date(2027, 1, 4))
    assert [first.number, device.number, next_year.number] == ["2026/0001", "2026/0001/B", "2027/0001"]
    assert [progressive(first), progressive(device), progressive(next_year)] == ["00001", "B0001", "00002"]
    with pytest.raises(FatturaPAError, match="one Latin letter"):
        issue_one(series="AB")  # cannot name files: nothing is issued, no number is used
    assert not NumberSequence.select().where(NumberSequence.series == "AB").exists()
    invoices.cancel(first.id)
    again = invoices.issue(invoices.reissue(first.id).id, on=dt.date(2027, 1, 5))
    assert progressive(first) == "00001" and progressive(again) == "00003"  # frozen with each invoice
    counter = NumberSequence.get(
        NumberSequence.document_type == DocumentType.FATTURAPA_TRANSMISSION, NumberSequence.series == ""
    )
    assert counter.year == numbering.TRANSMISSION_YEAR and counter.next_value == 4


def test_document_actions_are_in_the_deal_timeline(any_db):
    deal = ru_deal()
    quote = quotes.send(quotes.create_from_deal(deal.id).id)
    quotes.accept(quote.id)
    invoice = invoices.issue(quotes.to_invoice(quote.id).id)
    invoices.register_payment(invoice.id, "100")
    entries = list(Activity.select().where(Activity.deal == deal.id).order_by(Activity.created_at))
    documents_logged = [e.payload["number"] for e in entries if e.kind == ActivityKind.DOCUMENT]
    assert documents_logged == [quote.number, invoice.number]
    events = [e.payload.get("event") for e in entries if e.kind == ActivityKind.SYSTEM]
    assert events == [
        "document_created", "document_accepted", "document_converted", "document_paid",
    ]
    assert all(e.contact_id == deal.contact_id for e in entries)


def test_line_validation_is_translated_and_nothing_is_half_written(db):
    from desktop_crm import i18n

    deal = ru_deal()
    quote = quotes.create_from_deal(deal.id)
    before = [line.id for line in documents._lines_of(Quote.get_by_id(quote.id))]
    i18n.set_language("ru")
    with pytest.raises(ValidationError, match="Строка 2"):
        quotes.save_draft(quote.id, {"notes": "new"}, [
            documents.LineData("OK", "1", "10"), documents.LineData("Bad", "0", "10"),
        ])
    fresh = Quote.get_by_id(quote.id)
    assert fresh.notes == "" and [line.id for line in documents._lines_of(fresh)] == before


def test_batch_issue_with_progress_and_stop(db):
    deals = [ru_deal()] + [deal_with_lines(russian_buyer(), RU_LINES) for _ in range(3)]
    empty = deal_with_lines(russian_buyer(), [])
    seen = []
    results = invoices.issue_for_deals(
        [d.id for d in deals[:2]] + [empty.id] + [d.id for d in deals[2:]],
        progress=lambda done, total: seen.append((done, total)),
        should_stop=lambda: len(seen) >= 4,
    )
    assert [r.number for r in results] == ["1", "2", "", "3"]
    assert "at least one line" in results[2].error
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5)]
    assert Invoice.select().where(Invoice.status == InvoiceStatus.ISSUED).count() == 3


def test_a_big_batch_renders_in_worker_processes_with_the_same_numbers_and_bytes(
    any_db, monkeypatch, tmp_path
):
    """The batch renders ahead in the worker pool from predicted inputs; another writer taking a
    number in the middle makes the predictions wrong, and each invoice still shows its own number,
    numbers stay gapless, and every stored file is what rendering its frozen context gives."""
    import subprocess

    from desktop_crm.documents import pool, render

    if pool.worker_count() == 0:
        pytest.skip("one core: batches render in this process")
    monkeypatch.setattr(pool, "MIN_BATCH", 4)
    russian_seller()
    buyer = russian_buyer()
    deals = [deal_with_lines(buyer, RU_LINES) for _ in range(7)]
    extra = deal_with_lines(buyer, RU_LINES)
    inline: list[int] = []
    real_render = render.render_pdf
    monkeypatch.setattr(render, "render_pdf", lambda *a, **k: inline.append(1) or real_render(*a, **k))

    def progress(done: int, total: int) -> None:
        if done == 3:  # another user issues an invoice between the batch's third and fourth
            invoices.issue(invoices.create_from_deal(extra.id).id)

    results = invoices.issue_for_deals([d.id for d in deals], progress=progress, should_stop=None)
    assert [r.number for r in results] == ["1", "2", "3", "5", "6", "7", "8"]
    assert not any(r.error for r in results)
    assert Invoice.get(Invoice.deal == extra.id).number == "4"
    assert len(inline) < 7  # some invoices came from the workers (here: at least 2 of them)
    for result in results:
        invoice = Invoice.get_by_id(result.invoice_id)
        pdf = rendering._stored_file(invoice, "pdf")
        assert bytes(pdf.content) == real_render(invoice.frozen)
        path = tmp_path / "invoice.pdf"
        path.write_bytes(bytes(pdf.content))
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
        assert f"Счет на оплату № {result.number} от" in text.replace("\xa0", " ")
    # cancelling keeps what was issued; the renders still in flight are dropped
    more = [deal_with_lines(buyer, RU_LINES) for _ in range(6)]
    done: list[int] = []
    stopped = invoices.issue_for_deals(
        [d.id for d in more], progress=lambda n, _t: done.append(n), should_stop=lambda: len(done) >= 2
    )
    assert [r.number for r in stopped] == ["9", "10"]
    assert Invoice.select().where(Invoice.status == InvoiceStatus.ISSUED).count() == 10


def test_render_workers_left_idle_stop_and_the_next_batch_starts_them_again(db, monkeypatch):
    """Workers take about 100 MB each: once no batch has used them for IDLE_SECONDS they stop."""
    import os
    import time

    from desktop_crm.documents import pool

    if pool.worker_count() == 0:
        pytest.skip("one core: batches render in this process")
    pool.shutdown()  # a pool left by an earlier test
    monkeypatch.setattr(pool, "MIN_BATCH", 4)
    monkeypatch.setattr(pool, "IDLE_SECONDS", 0.5)
    russian_seller()
    buyer = russian_buyer()

    def batch() -> list[int]:
        results = invoices.issue_for_deals([deal_with_lines(buyer, RU_LINES).id for _ in range(4)])
        assert all(r.number for r in results)
        return list(pool._executor._processes) if pool._executor is not None else []  # type: ignore[attr-defined]

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    first = batch()
    assert first and all(alive(pid) for pid in first)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in first) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pool._executor is None and not any(alive(pid) for pid in first)
    second = batch()
    assert second and set(second).isdisjoint(first)
    pool.shutdown()


def test_upkeep_expires_every_sent_quote_past_its_validity(any_db):
    from desktop_crm.services.billing.upkeep import run_upkeep

    deal = ru_deal()
    quote = quotes.create_from_deal(deal.id)
    quotes.save_draft(quote.id, {"valid_until": dt.date(2026, 1, 31)})
    quotes.send(quote.id, on=dt.date(2026, 1, 10))
    assert run_upkeep(dt.date(2026, 1, 31)) == set()
    assert run_upkeep(dt.date(2026, 2, 1)) == {"quotes"}
    assert Quote.get_by_id(quote.id).status == QuoteStatus.EXPIRED
    assert run_upkeep(dt.date(2026, 2, 1)) == set()
