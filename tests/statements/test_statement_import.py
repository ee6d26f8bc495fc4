"""Importing bank statements on real databases: 1CClientBankExchange (Windows-1251) and camt.053
files written here, matching to issued invoices, partial payments, overpayments, the review list,
importing twice, broken files and rights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.models import BankLine, BankStatement, Invoice, InvoiceStatus, Payment
from desktop_crm.services.billing import invoices
from desktop_crm.services.billing.statements import imports, parse_statement
from tests.documents_fixtures import (
    IT_LINES,
    RU_LINES,
    deal_with_lines,
    italian_buyer,
    italian_seller,
    russian_buyer,
    russian_seller,
)
from tests.statements.files import Doc, Entry, camt053, one_c, one_c_bytes

D = Decimal
DAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def ru_invoices(count: int = 3) -> list[Invoice]:
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    issued = [invoices.issue(invoices.create_from_deal(deal.id).id, on=DAY) for _ in range(count)]
    return [Invoice.get_by_id(i.id) for i in issued]


def it_invoices(count: int = 2) -> list[Invoice]:
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    issued = [invoices.issue(invoices.create_from_deal(deal.id).id, on=DAY) for _ in range(count)]
    return [Invoice.get_by_id(i.id) for i in issued]


def ru_statement() -> bytes:
    return one_c_bytes([
        Doc("311", "02.12.2026", "41990.00", "Оплата по счету № 1 от 01.12.2026 за ноутбук. "
            "В т.ч. НДС (22%) 7571.97"),
        Doc("312", "03.12.2026", "10000.00", "Частичная оплата по сч. 2, НДС не облагается"),
        Doc("313", "03.12.2026", "50000.00", "Оплата по счёту №3 от 01.12.2026"),
        Doc("77", "04.12.2026", "1500.00", "Возврат займа по договору 5", payer="ИП Сидоров",
            payer_inn="500100732259"),
        Doc("1024", "04.12.2026", "25000.00", "Оплата аренды за декабрь", payer='ООО "Склад"',
            payer_inn="7709876543", outgoing=True),
    ])


def test_a_1c_statement_registers_full_and_partial_payments_and_keeps_the_rest(any_db):
    first, second, third = ru_invoices()
    assert [first.number, second.number, third.number] == ["1", "2", "3"]
    review = imports.import_statement(ru_statement(), "kl_to_1c.txt")

    assert [(m.invoice_number, m.paid, m.number) for m in review.matched] == [
        ("1", D("41990.00"), "311"), ("2", D("10000.00"), "312")]
    assert {u.number: u.reason for u in review.unmatched} == {"313": "overpaid", "77": "no_reference"}
    assert review.unmatched[0].invoice_number in ("3", "")  # the overpaid one names its invoice
    assert review.known == [] and review.outgoing == 1
    assert Invoice.get_by_id(first.id).status == InvoiceStatus.PAID
    paid = Invoice.get_by_id(second.id)
    assert (paid.status, paid.paid_amount) == (InvoiceStatus.PARTIALLY_PAID, D("10000.00"))
    assert Invoice.get_by_id(third.id).status == InvoiceStatus.ISSUED  # overpaid: a person decides
    assert Payment.select().where(Payment.bank_key.is_null(False)).count() == 2
    overpaid = next(u for u in review.unmatched if u.number == "313")
    assert overpaid.invoice_number == "3" and "Overpayment" in overpaid.reason_text


def test_importing_the_same_statement_twice_registers_nothing_twice(any_db):
    ru_invoices()
    data = ru_statement()
    imports.import_statement(data, "a.txt")
    again = imports.import_statement(data, "a.txt")
    assert again.matched == []
    assert [(k.invoice_number, k.paid) for k in again.known] == [("1", D("41990.00")), ("2", D("10000.00"))]
    assert sorted(u.number for u in again.unmatched) == ["313", "77"]
    assert Payment.select().count() == 2
    # the lines waiting for review moved to the newer statement, never repeated
    assert BankLine.select().where(BankLine.status == "unmatched").count() == 2
    assert BankStatement.select().count() == 2


def test_review_list_match_by_hand_and_ignore_then_reimport_knows_them(any_db):
    _first, _second, third = ru_invoices()
    review = imports.import_statement(ru_statement())
    overpaid = next(u for u in review.unmatched if u.number == "313")
    loan = next(u for u in review.unmatched if u.number == "77")
    choices = imports.unpaid_invoices(overpaid.id)
    assert [c.number for c in choices] == ["3", "2"]  # its invoice first; the paid one is not offered
    assert [c.number for c in imports.unpaid_invoices(overpaid.id, "3")] == ["3"]
    matched = imports.match_line(overpaid.id, third.id)
    assert matched.status == "matched" and matched.paid == D("41990.00")  # at most what was due
    assert matched.overpaid == D("8010.00") and matched.reason == "overpaid"
    assert Invoice.get_by_id(third.id).status == InvoiceStatus.PAID
    ignored = imports.ignore_line(loan.id)
    assert ignored.status == "ignored"
    with pytest.raises(ValidationError):
        imports.match_line(overpaid.id, third.id)  # registered already
    again = imports.import_statement(ru_statement())
    assert len(again.known) == 3 and again.unmatched == [] and len(again.ignored) == 1
    assert Payment.select().count() == 3


def test_a_deleted_payment_brings_its_line_back_to_review(any_db):
    from desktop_crm.services.billing import payments

    ru_invoices()
    review = imports.import_statement(ru_statement())
    payment = Payment.get(Payment.bank_key.is_null(False))
    payments.delete_payment(payment.id)
    summary, = imports.list_statements()
    assert (summary.to_review, summary.matched) == (len(review.unmatched) + 1, len(review.matched) - 1)
    assert "undone" in {u.reason for u in imports.statement_review(review.id).unmatched}
    again = imports.import_statement(ru_statement())
    assert len(again.known) == len(review.matched) - 1
    assert "undone" in {u.reason for u in again.unmatched}


def test_a_camt053_statement_matches_italian_invoices(any_db):
    first, second = it_invoices()
    assert (first.number, second.number) == ("2026/0001", "2026/0002")
    total = first.total
    data = camt053([
        Entry(f"{total}", "Saldo fattura n. 1/2026"),
        Entry("1000.00", "Acconto FT 2 del 01/12/2026"),
        Entry("500.00", "Commissioni", credit=False),
        Entry("200.00", "Pagamento fattura 2026/0002", payer="Verdi Srl", payer_vat="IT09876540015"),
        Entry("75.00", "Bonifico generico", payer="Mario Neri", payer_vat=""),
    ])
    review = imports.import_statement(data, "estratto.xml")
    assert [(m.invoice_number, m.paid) for m in review.matched] == [("2026/0001", total),
                                                                      ("2026/0002", D("1000.00"))]
    assert {u.amount: u.reason for u in review.unmatched} == {D("200.00"): "other_payer",
                                                              D("75.00"): "no_reference"}
    assert review.outgoing == 1
    assert Invoice.get_by_id(second.id).status == InvoiceStatus.PARTIALLY_PAID
    assert len(imports.import_statement(data).known) == 2


def test_camt053_version_8_with_parties_under_pty(any_db):
    first, _second = it_invoices()
    data = camt053([Entry(f"{first.total}", "FT 1")], version="001.08")
    statement = parse_statement(data)
    assert statement.incoming[0].payer_tax_id == "12345670017"
    assert statement.incoming[0].payer_name == "Bianchi S.p.A."
    assert [m.invoice_number for m in imports.import_statement(data).matched] == ["2026/0001"]


def test_a_payment_without_number_matches_the_payers_only_invoice_of_that_amount(any_db):
    first, = ru_invoices(1)
    data = one_c_bytes([Doc("5", "02.12.2026", "41990.00", "Оплата за ноутбук и доставку")])
    assert [m.invoice_number for m in imports.import_statement(data).matched] == [first.number]


def test_parsing_1c_reads_windows_1251_and_utf8_and_directions():
    text = one_c([Doc("1", "02.12.2026", "100.50", "Оплата по счету 1"),
                  Doc("2", "03.12.2026", "7.00", "Аренда", outgoing=True)])
    for data in (text.encode("cp1251"), text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        statement = parse_statement(data)
        assert statement.format == "1c" and statement.accounts == ("40702810938000000001",)
        incoming, = statement.incoming
        assert (incoming.amount, incoming.date, incoming.payer_tax_id, incoming.payer_name) == (
            D("100.50"), dt.date(2026, 12, 2), "7702345678", 'ООО "Лютик"')
        assert len(statement.outgoing) == 1
    keys = {line.key for line in parse_statement(text.encode("cp1251")).lines}
    assert keys == {line.key for line in parse_statement(text.encode("utf-8")).lines}


BROKEN_1C = [
    (one_c([Doc("1", "02.12.2026", "10", "x")]).encode("koi8_r", errors="replace"), "encoding"),
    (one_c([Doc("1", "02.12.2026", "10", "x")], end=False).encode("cp1251"), "cut short"),
    (one_c([Doc("1", "02.12.2026", "10", "x")]).encode("cp1251")[:700], "cut short"),
    (one_c([Doc("1", "02.12.2026", "12,34,56", "x")]).encode("cp1251"), "not an amount"),
    (one_c([Doc("1", "02.12.2026", "-5.00", "x")]).encode("cp1251"), "not an amount"),
    (one_c([Doc("1", "32.13.2026", "10", "x")]).encode("cp1251"), "not a date"),
    ("Дата;Сумма;Назначение\n02.12.2026;100;Оплата\n".encode("cp1251"), "not a bank statement"),
    (b"", "empty"),
]


@pytest.mark.parametrize(("data", "words"), BROKEN_1C)
def test_broken_1c_files_get_clear_messages(data, words):
    with pytest.raises(ValidationError) as refused:
        parse_statement(data)
    assert words in refused.value.message


BROKEN_CAMT = [
    (camt053([Entry("12.3.4", "x")]), "not an amount"),
    (camt053([Entry("12.345", "x")]), "not an amount"),
    (camt053([Entry("0.00", "x")]), "more than zero"),
    (camt053([Entry("10.00", "x", booked="2026-13-45")]), "not a date"),
    (camt053([Entry("10.00", "x")])[:900], "not well-formed"),
    (camt053([Entry("10.00", "x")]).replace(b"camt.053.001.02", b"camt.054.001.02"), "not a camt.053"),
    (b"<?xml version='1.0'?><p:FatturaElettronica xmlns:p='http://ivaservizi.agenziaentrate.gov.it/"
     b"docs/xsd/fatture/v1.2'/>", "not a camt.053"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&e;</Document>', "Stmt"),
]


@pytest.mark.parametrize(("data", "words"), BROKEN_CAMT)
def test_broken_camt_files_get_clear_messages(data, words):
    with pytest.raises(ValidationError) as refused:
        parse_statement(data)
    assert words in refused.value.message


def test_a_broken_or_foreign_statement_writes_nothing(any_db):
    ru_invoices(1)
    for data in (one_c_bytes([Doc("1", "02.12.2026", "41990.00", "Оплата по счету 1")],
                             account="40702810000000009999"),
                 one_c_bytes([Doc("1", "02.12.2026", "bad", "Оплата по счету 1")])):
        with pytest.raises(CrmError):
            imports.import_statement(data)
    assert BankStatement.select().count() == 0 and BankLine.select().count() == 0
    assert Payment.select().count() == 0


def test_registering_payments_is_a_right(any_db):
    from desktop_crm.models import AccessRole
    from desktop_crm.services.system import rights
    from tests.factories import make_user

    ru_invoices(1)
    role = AccessRole.create(name="Без платежей", actions="create,edit,view", scope="all")
    user = make_user("Продавец", access_role=role)
    with rights.acting(rights.load_actor(user.id)), pytest.raises(CrmError):
        imports.import_statement(ru_statement())
    assert Payment.select().count() == 0 and BankStatement.select().count() == 0


def test_among_invoices_of_the_same_number_the_payers_own_is_chosen(any_db):
    from desktop_crm.models import Company

    first, = ru_invoices(1)  # «1» to ООО "Лютик"
    other = Invoice.get_by_id(first.id)
    stranger = Company.create(short_name="Без ИНН", legal_name="Без ИНН")
    deal = deal_with_lines(stranger, RU_LINES)
    older = invoices.issue(invoices.create_from_deal(deal.id).id, on=DAY, series="A")
    assert (older.number, other.number) == ("1/A", "1")  # both the first of their series
    data = one_c_bytes([Doc("9", "02.12.2026", "1000.00", "Аванс по счету 1")])
    assert [(m.invoice_number, m.invoice_date) for m in imports.import_statement(data).matched] == [
        ("1", DAY)]


def test_an_import_stopped_half_way_leaves_nothing(any_db):
    from desktop_crm.workers import Cancelled

    ru_invoices()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 2:  # two payments registered already: the user cancels
            raise Cancelled

    with pytest.raises(Cancelled):
        imports.import_statement(ru_statement(), progress=progress)
    assert seen == [(0, 5), (1, 5), (2, 5)]
    assert Payment.select().count() == 0 and BankStatement.select().count() == 0
    assert {i.status for i in Invoice.select()} == {InvoiceStatus.ISSUED}


def test_a_huge_amount_is_kept_for_review_or_refused_whole(any_db):
    ru_invoices(1)
    data = one_c_bytes([Doc("1", "02.12.2026", "999999999999999.99", "Оплата по счету 1")])
    try:
        review = imports.import_statement(data)
    except CrmError as error:
        assert error.message and BankStatement.select().count() == 0
    else:
        assert [u.reason for u in review.unmatched] == ["overpaid"]
    assert Payment.select().count() == 0


def test_parsing_a_dos_encoded_1c_statement():
    text = one_c([Doc("1", "02.12.2026", "100.50", "Оплата по счету 1")]).replace(
        "Кодировка=Windows", "Кодировка=DOS")
    incoming, = parse_statement(text.encode("cp866", errors="replace")).incoming
    assert incoming.purpose == "Оплата по счету 1" and incoming.payer_name == 'ООО "Лютик"'


def test_parsing_camt053_batches_pending_entries_and_several_statements():
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>
 <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-07T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>S1</Id><Acct><Id><IBAN>IT60 X054 2811 1010 0000 0123 456</IBAN></Id></Acct>
  <Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
   <BookgDt><DtTm>2026-12-03T10:15:00</DtTm></BookgDt><AcctSvcrRef>BATCH-1</AcctSvcrRef>
   <NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
    <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
     <AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls>
     <RltdPties><Dbtr><Nm>Bianchi S.p.A.</Nm></Dbtr></RltdPties>
     <RmtInf><Ustrd>Saldo fattura</Ustrd><Ustrd>n. 1/2026</Ustrd></RmtInf></TxDtls>
    <TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs>
     <AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls>
     <RltdPties><Dbtr><Nm>Verdi Srl</Nm><Id><OrgId><Othr><Id>IT09876540015</Id></Othr></OrgId></Id></Dbtr>
     </RltdPties><RmtInf><Ustrd>FT 2</Ustrd></RmtInf></TxDtls>
   </NtryDtls></Ntry>
  <Ntry><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
   <BookgDt><Dt>2026-12-04</Dt></BookgDt></Ntry>
 </Stmt>
 <Stmt><Id>S2</Id><Acct><Id><IBAN>IT02L1234512345123456789012</IBAN></Id></Acct>
  <Ntry><Amt Ccy="EUR">9.99</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
   <BookgDt><Dt>2026-12-05</Dt></BookgDt></Ntry>
 </Stmt>
</BkToCstmrStmt></Document>"""
    statement = parse_statement(data)
    assert statement.accounts == ("IT60X0542811101000000123456", "IT02L1234512345123456789012")
    first, second = statement.incoming  # the pending entry is not money yet
    assert (first.amount, first.purpose, first.date, first.number) == (
        D("100.00"), "Saldo fattura n. 1/2026", dt.date(2026, 12, 3), "BATCH-1")
    assert (second.amount, second.payer_tax_id, second.number) == (D("200.00"), "09876540015", "E2E-2")
    assert first.key != second.key
    assert [line.amount for line in statement.outgoing] == [D("9.99")]


def test_two_people_importing_the_same_statement_at_once_on_postgres(pg_url):
    import threading
    import time

    from desktop_crm.models import database
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate

    db = open_database(pg_url)
    migrate(db)
    try:
        ru_invoices()
        data = ru_statement()
        holding, results, errors = threading.Event(), {}, []

        def slow(done: int, total: int) -> None:
            if done == 0:  # the company is locked: keep it while the other one tries
                holding.set()
                time.sleep(0.6)

        def run(name: str, progress) -> None:
            try:
                if name == "second":
                    holding.wait(5)
                results[name] = imports.import_statement(data, progress=progress)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                database.close()

        threads = [threading.Thread(target=run, args=("first", slow)),
                   threading.Thread(target=run, args=("second", None))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert errors == []
        assert len(results["first"].matched) == 2 and len(results["second"].known) == 2
        assert results["second"].matched == []
        assert Payment.select().count() == 2
    finally:
        db.close()
