"""Invoice numbers per series are gapless and immutable, enforced by the server (sync.md §2.11)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from desktop_crm.models import Invoice, InvoiceStatus, OwnCompany
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def issued(company, series, n, total="100.00"):
    return Invoice.create(
        own_company=company, status=InvoiceStatus.ISSUED, series=series, year=2026,
        sequence_number=n, number=f"{n}/{series}", issue_date=dt.date(2026, 3, 1),
        total=Decimal(total),
    )


def test_device_series_are_accepted_in_order_and_gaps_or_repeats_are_parked(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    company = OwnCompany.create(legal_name="ООО «Ромашка»")
    a.sync(), b.sync()
    issued(company.id, "A", 1)
    issued(company.id, "A", 2)
    assert a.sync().parked == 0
    use(b)
    issued(company.id, "B", 1)  # another device's own series: fine offline
    issued(company.id, "A", 1)  # the same series on two devices: the server refuses the repeat
    result = b.sync()
    assert (result.pushed, result.parked) == (1, 1)
    (error,) = b.db.execute_sql("SELECT error FROM _outbox_parked").fetchone()
    assert "not the next one (expected 3)" in error
    with admin(server_url) as conn:
        numbers = conn.execute(
            "SELECT series, sequence_number FROM invoice ORDER BY series, sequence_number").fetchall()
        assert numbers == [("A", 1), ("A", 2), ("B", 1)]
        series = conn.execute(
            "SELECT series, next_no FROM sync.number_series ORDER BY series").fetchall()
        assert series == [("A", 3), ("B", 2)]


def test_a_gap_and_a_renumbering_are_refused_for_every_writer(server_url, tmp_path):
    from desktop_crm._drivers import load_psycopg

    errors = load_psycopg().errors
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    company = OwnCompany.create(legal_name="Srl")
    first = issued(company.id, "", 1)
    a.sync()
    with admin(server_url) as conn:
        with pytest.raises(errors.CheckViolation, match="not the next one"):
            conn.execute(
                "INSERT INTO invoice SELECT (jsonb_populate_record(NULL::invoice, "
                "to_json(i)::jsonb || jsonb_build_object('id', %s::uuid, 'sequence_number', 3, "
                "'number', '3'))).* FROM invoice i", (str(uuid.uuid4()),))
        with pytest.raises(errors.CheckViolation, match="cannot change"):
            conn.execute("UPDATE invoice SET sequence_number = 7 WHERE id = %s", (first.id,))
        with pytest.raises(errors.CheckViolation, match="cannot change"):
            conn.execute("UPDATE invoice SET total = 1 WHERE id = %s", (first.id,))
        conn.execute("UPDATE invoice SET status = 'paid', paid_amount = total WHERE id = %s",
                     (first.id,))
    Invoice.update(total=Decimal("1.00")).where(Invoice.id == first.id).execute()
    result = a.sync()
    assert result.parked == 1
    use(a)
    assert Invoice.get_by_id(first.id).status == InvoiceStatus.PAID  # the rest still syncs in
    assert Invoice.get_by_id(first.id).total == Decimal("1.00")  # the refused edit is still shown
    from desktop_crm.services.system import sync as sync_service

    (parked,) = sync_service.list_parked()
    assert parked.table == "invoice" and "cannot change" in parked.error
    sync_service.discard_parked(parked.seq)
    a.sync()
    assert Invoice.get_by_id(first.id).total == Decimal("100.00")
    assert sync_service.list_parked() == []


def test_two_devices_numbering_the_same_series_offline_never_break_sync(server_url, tmp_path, monkeypatch):
    """Both create the counter row of one series offline: it is the same row (its id comes from its
    key), so pulling the other device's counter merges instead of failing on the unique key; the
    server takes the first number 1 and refuses the repeat, which is parked with its reason."""
    from desktop_crm.services.billing import invoices, numbering
    from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    seller = russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    a.sync(), b.sync()
    for replica in (a, b):
        use(replica)
        invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 11, 25))
    assert a.sync().parked == 0
    result = b.sync()  # b's «1» repeats a's: the issue is refused (with its lines and files)
    refused = b.db.execute_sql("SELECT tbl, error FROM _outbox_parked").fetchall()
    assert any(t == "invoice" and "not the next one" in e for t, e in refused), refused
    assert b.sync().parked_total == result.parked_total  # and the next rounds run normally
    with admin(server_url) as conn:
        assert conn.execute(
            "SELECT count(*), min(id::text) FROM number_sequence WHERE series = ''").fetchone() == (
            1, str(numbering.counter_id(seller.id, "invoice", 2026, "")))
        assert conn.execute(
            "SELECT sequence_number FROM invoice WHERE sequence_number IS NOT NULL").fetchall() == [(1,)]
