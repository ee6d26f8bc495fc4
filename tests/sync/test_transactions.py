"""A local transaction travels and applies as one (sync.md §2.4 ``tx``, §2.7 atomic push, §2.8 atomic
pull): its changes are never split between two server transactions, and another replica never shows
part of a server transaction, even when the round dies between pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop_crm.models import Deal, DealLine, DocumentFile, Pipeline, Stage, database
from desktop_crm.sync.replica import CrashPoint
from tests.sync.helpers import admin, new_replica, outbox_size, use

pytestmark = pytest.mark.postgres


def crash_once_at(point):
    state = {"done": False}

    def hook(name):
        if name == point and not state["done"]:
            state["done"] = True
            raise CrashPoint(name)

    return hook


def deal_with_lines(pipeline, stage, title, lines=4):
    """One user action: a deal and its lines in one transaction."""
    with database.atomic():
        deal = Deal.create(title=title, pipeline=pipeline, stage=stage, amount=Decimal("40.00"))
        for n in range(lines):
            DealLine.create(deal=deal, name=f"{title} line {n}", quantity=Decimal("1"),
                            price=Decimal("10.00"), line_order=n)
    return deal


def server_deals(url):
    with admin(url) as conn:
        return conn.execute(
            "SELECT d.title, count(l.id) FROM deal d LEFT JOIN deal_line l ON l.deal_id = d.id "
            "GROUP BY d.title ORDER BY d.title").fetchall()


def test_the_outbox_records_the_local_transaction_of_each_change(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    pipeline = Pipeline.create(name="P")
    stage = Stage.create(pipeline=pipeline, name="S")
    first = deal_with_lines(pipeline, stage, "First")
    deal_with_lines(pipeline, stage, "Second")
    DealLine.update(unit="pc").where(DealLine.deal == first.id).execute()  # one statement, no atomic
    groups = [tx for (tx,) in a.db.execute_sql(
        "SELECT tx FROM _outbox WHERE tbl IN ('deal', 'deal_line') ORDER BY seq")]
    assert len(groups) == 14
    assert len(set(groups[:5])) == 1 and len(set(groups[5:10])) == 1 and len(set(groups[10:])) == 1
    assert len({groups[0], groups[5], groups[10]}) == 3
    assert None not in groups
    for n in range(20):  # statements outside a transaction, quicker than the clock ticks: each alone
        Pipeline.create(name=f"Quick {n}")
    quick = [tx for (tx,) in a.db.execute_sql("SELECT tx FROM _outbox WHERE tbl = 'pipeline'")]
    assert len(set(quick)) == len(quick) == 21


def test_a_push_batch_never_splits_a_local_transaction(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url, push_batch=3)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    pipeline = Pipeline.create(name="P")
    stage = Stage.create(pipeline=pipeline, name="S")
    a.sync()
    deal_with_lines(pipeline, stage, "First")
    deal_with_lines(pipeline, stage, "Second")
    a.crash_hook = crash_once_at("after_server_commit")  # dies after the first server commit
    with pytest.raises(CrashPoint):
        a.sync()
    # a batch of 3 would have committed the deal and two of its lines; the whole action went
    assert server_deals(server_url) == [("First", 4)]
    use(b)
    b.sync()
    assert [(d.title, d.lines.count()) for d in Deal.select()] == [("First", 4)]
    use(a)
    a.sync()
    assert server_deals(server_url) == [("First", 4), ("Second", 4)]
    assert outbox_size(a) == 0
    with admin(server_url) as conn:  # each server transaction ended on a transaction boundary
        batches = conn.execute("SELECT n FROM sync.push_log ORDER BY seq_from").fetchall()
    assert [n for (n,) in batches][-2:] == [5, 5]


def test_a_bulk_statement_outside_a_transaction_travels_whole_too(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url, push_batch=2)
    use(a)
    pipeline = Pipeline.create(name="P")
    stage = Stage.create(pipeline=pipeline, name="S")
    deal = deal_with_lines(pipeline, stage, "Deal", lines=5)
    a.sync()
    DealLine.update(unit="pc").where(DealLine.deal == deal.id).execute()
    a.crash_hook = crash_once_at("after_server_commit")
    with pytest.raises(CrashPoint):
        a.sync()
    with admin(server_url) as conn:
        assert conn.execute("SELECT unit, count(*) FROM deal_line GROUP BY unit").fetchall() == [("pc", 5)]


def test_a_pull_that_dies_between_pages_shows_nothing_of_a_server_transaction(server_url, tmp_path):
    office = new_replica(tmp_path / "office.db", server_url)
    laptop = new_replica(tmp_path / "laptop.db", server_url, pull_page=2)
    use(office)
    pipeline = Pipeline.create(name="P")
    stage = Stage.create(pipeline=pipeline, name="S")
    office.sync()
    laptop.sync()
    use(office)
    deal_with_lines(pipeline, stage, "Offer")
    office.sync()
    laptop.crash_hook = crash_once_at("between_pull_pages")
    use(laptop)
    with pytest.raises(CrashPoint):
        laptop.sync()
    assert Deal.select().count() == 0 and DealLine.select().count() == 0  # none of it, not a part
    laptop.sync()
    assert [(d.title, d.lines.count()) for d in Deal.select()] == [("Offer", 4)]


def issue_in_main_series(replicas, tmp_path, monkeypatch):
    """a and b both issue invoice «1» of the main series offline; a reaches the server first."""
    import datetime as dt

    from desktop_crm.services.billing import invoices
    from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    a, b = replicas
    use(a)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    a.sync(), b.sync()
    issued = {}
    for name, replica in (("a", a), ("b", b)):
        use(replica)
        draft = invoices.create_from_deal(deal.id)
        replica.sync()  # the draft is on the server
        issued[name] = invoices.issue(draft.id, on=dt.date(2026, 11, 25))
    use(a)
    a.sync()
    return issued


def server_count(url, sql):
    with admin(url) as conn:
        return conn.execute(sql).fetchone()[0]


def test_a_refused_change_holds_back_its_whole_action(server_url, tmp_path, monkeypatch):
    from desktop_crm.models import Invoice, InvoiceStatus
    from desktop_crm.services.system import sync as sync_service

    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    issued = issue_in_main_series((a, b), tmp_path, monkeypatch)
    files_of_a = server_count(server_url, "SELECT count(*) FROM document_file")
    use(b)
    result = b.sync()  # b's «1» repeats a's: the issue is refused, with everything it wrote
    refused = b.db.execute_sql("SELECT tbl, error, tx FROM _outbox_parked ORDER BY seq").fetchall()
    assert {t for t, _e, _tx in refused} >= {"invoice", "document_file"}
    assert len({tx for _t, _e, tx in refused}) == 1  # one action
    assert all("not the next one" in e for _t, e, _tx in refused)
    assert result.parked == len(refused)
    assert server_count(server_url, "SELECT count(*) FROM document_file") == files_of_a
    with admin(server_url) as conn:  # b's invoice is still the draft it pushed before
        assert conn.execute("SELECT status, number FROM invoice WHERE id = %s",
                            (issued["b"].id,)).fetchone() == ("draft", "")
    (first, *_rest) = sync_service.list_parked()
    assert all("does not follow on" in c.reason for c in sync_service.list_parked())
    assert sync_service.parked_action([first.seq]) == [c.seq for c in sync_service.list_parked()]
    sync_service.discard_parked([first.seq])  # discarding one change discards the action
    assert sync_service.list_parked() == []
    b.sync()
    invoice = Invoice.get_by_id(issued["b"].id)
    assert (invoice.status, invoice.number) == (InvoiceStatus.DRAFT, "")  # the server's values
    assert DocumentFile.select().where(DocumentFile.document_id == str(invoice.id)).count() == 0


def test_refusals_are_not_lost_when_the_reply_to_the_push_is(server_url, tmp_path, monkeypatch):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    issue_in_main_series((a, b), tmp_path, monkeypatch)
    use(b)
    pending = outbox_size(b)
    b.crash_hook = crash_once_at("after_server_commit")  # the server committed, the reply is lost
    with pytest.raises(CrashPoint):
        b.sync()
    assert outbox_size(b) == pending
    b.crash_hook = None
    result = b.sync()  # the server remembers what it refused in that batch
    assert result.parked == pending and result.pushed == 0 and outbox_size(b) == 0
    assert b.db.execute_sql("SELECT count(*) FROM _outbox_parked").fetchone() == (pending,)
