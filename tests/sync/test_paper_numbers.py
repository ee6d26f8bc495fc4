"""Issued papers (акт, УПД, DDT…) numbered offline on two replicas never collide: each device
numbers its own series, like invoices (sync.md §2.11); the server checks every paper series is
gapless and never renumbered, and refuses a repeat from two devices numbering the same series.
Real replicas (SQLite files) against a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm.models import IssuedPaper
from desktop_crm.services.billing import numbering, paper_issue
from desktop_crm.services.system import sync as sync_service
from desktop_crm.sync import capture
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller
from tests.factories import make_user
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres

DAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def replica(path, url):
    r = new_replica(path, url)
    with r.db.atomic():
        capture.meta_set(r.db, "server_url", url)  # set up for sync like the wizard does
    return r


def two_replicas(tmp_path, server_url):
    a = replica(tmp_path / "a.db", server_url)
    b = replica(tmp_path / "b.db", server_url)
    use(a)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    anna, boris = make_user("Анна"), make_user("Борис")
    a.sync(), b.sync()
    return a, b, deal, anna, boris


def test_two_devices_issue_acts_offline_in_their_own_series(server_url, tmp_path):
    a, b, deal, anna, boris = two_replicas(tmp_path, server_url)
    use(a)
    numbering.DEVICE_SERIES.set("A", anna.id)
    a.sync(), b.sync()
    use(b)
    numbering.DEVICE_SERIES.set("B", boris.id)
    numbers = {}
    for replica, user in ((a, anna), (b, boris)):  # both offline: neither has seen the other's act
        use(replica)
        numbers[user.name] = [
            paper_issue.issue_paper(deal.id, "act", source="deal", on=DAY, user=user.id).number
            for _n in range(2)]
    assert numbers == {"Анна": ["А-2026-0001/A", "А-2026-0002/A"],
                       "Борис": ["А-2026-0001/B", "А-2026-0002/B"]}
    assert a.sync().parked == 0 and b.sync().parked == 0 and a.sync().parked == 0
    use(a)
    assert sorted(p.number for p in paper_issue.issued_papers(deal.id)) == sorted(
        numbers["Анна"] + numbers["Борис"])
    with admin(server_url) as conn:
        assert conn.execute(
            "SELECT series, next_no FROM sync.number_series WHERE doc_type = 'paper' "
            "ORDER BY series").fetchall() == [("act/A", 3), ("act/B", 3)]
        assert conn.execute(
            "SELECT series, next_value FROM number_sequence WHERE document_type = 'paper' "
            "ORDER BY series").fetchall() == [("act/A", 3), ("act/B", 3)]


def test_the_same_series_on_two_devices_is_refused_by_the_server_and_parked(server_url, tmp_path):
    a, b, deal, anna, boris = two_replicas(tmp_path, server_url)
    for replica, user in ((a, anna), (b, boris)):
        use(replica)
        paper_issue.issue_paper(deal.id, "act", source="deal", on=DAY, user=user.id)
    assert a.sync().parked == 0
    b.sync()  # b's «А-2026-0001» repeats a's: refused with its files, the rest still syncs
    refused = b.db.execute_sql("SELECT tbl, error FROM _outbox_parked").fetchall()
    assert any(t == "issued_paper" and "not the next one (expected 2)" in e for t, e in refused), refused
    use(b)
    reasons = {p.reason for p in sync_service.list_parked() if p.table == "issued_paper"}
    assert reasons == {"The paper's number does not follow on in its series on the server "
                       "(another device may number the same series)."}
    with admin(server_url) as conn:
        assert conn.execute("SELECT number FROM issued_paper").fetchall() == [("А-2026-0001",)]
        from desktop_crm._drivers import load_psycopg

        with pytest.raises(load_psycopg().errors.CheckViolation, match="cannot change its number"):
            conn.execute("UPDATE issued_paper SET number = 'А-2026-0009', sequence_number = 9")


def test_a_provisional_replica_numbers_papers_in_its_own_code(server_url, tmp_path):
    """Invoices numbered provisionally are renumbered by the server; papers are not: a replica in
    that mode without a device series numbers its papers in its own code, so two never collide."""
    a, b, deal, anna, boris = two_replicas(tmp_path, server_url)
    use(a)
    numbering.OFFLINE_NUMBERING.set("provisional")
    a.sync(), b.sync()
    numbers = []
    for replica, user in ((a, anna), (b, boris)):
        use(replica)
        code = numbering.device_code()
        paper = paper_issue.issue_paper(deal.id, "act", source="deal", on=DAY, user=user.id)
        assert paper.number == f"А-2026-0001/{code}"
        numbers.append(paper.number)
    assert a.sync().parked == 0 and b.sync().parked == 0
    with admin(server_url) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT number FROM issued_paper")) == sorted(numbers)


def test_a_cancelled_paper_reaches_the_server_and_cannot_be_cancelled_again(server_url, tmp_path):
    a, b, deal, anna, _boris = two_replicas(tmp_path, server_url)
    use(a)
    act = paper_issue.issue_paper(deal.id, "act", source="deal", on=DAY, user=anna.id)
    pdf = paper_issue.render_issued(act.id, "pdf").content
    paper_issue.cancel_paper(act.id, "Ошибка в сумме", anna.id)
    assert a.sync().parked == 0
    b.sync()
    use(b)
    (shown,) = paper_issue.issued_papers(deal.id)
    assert shown.cancelled and shown.cancel_reason == "Ошибка в сумме"
    assert paper_issue.render_issued(act.id, "pdf").content == pdf  # the file stays as issued
    assert IssuedPaper.get_by_id(act.id).cancelled_by_id == anna.id
    second = paper_issue.issue_paper(deal.id, "act", source="deal", on=DAY)
    assert second.number == "А-2026-0002"  # the cancelled number is never taken again
    assert b.sync().parked == 0
