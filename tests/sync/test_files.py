"""Issued document files travel by content hash, not inside row changes."""

from __future__ import annotations

import hashlib
import json

import pytest

from desktop_crm.models import DocumentFile
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def add_file(body: bytes, name: str, digest: str | None = None) -> DocumentFile:
    return DocumentFile.create(
        document_type="invoice", document_id="0" * 32, file_format="pdf", filename=name,
        content=body, sha256=digest or hashlib.sha256(body).hexdigest(), size=len(body),
    )


def test_file_bodies_move_once_per_hash_and_arrive_intact(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    pdf = b"%PDF-1.7 " + bytes(range(256)) * 400
    first = add_file(pdf, "invoice-1.pdf")
    add_file(pdf, "invoice-1-copy.pdf")  # the same body again
    add_file(b"<xml>fattura</xml>", "IT01234567890_00001.xml")
    fields = [json.loads(f) for (f,) in a.db.execute_sql(
        "SELECT fields FROM _outbox WHERE tbl = 'document_file'").fetchall()]
    assert all("content" not in f and "sha256" in f for f in fields)  # no body in the outbox
    a.sync()
    with admin(server_url) as conn:
        assert conn.execute("SELECT count(*) FROM sync.blob").fetchone() == (2,)
        assert conn.execute(
            "SELECT count(*) FROM document_file WHERE encode(sha256(content), 'hex') = sha256"
        ).fetchone() == (3,)
    b = new_replica(tmp_path / "b.db", server_url)
    b.sync()
    use(b)
    assert bytes(DocumentFile.get_by_id(first.id).content) == pdf
    assert sorted(len(bytes(f.content)) for f in DocumentFile.select()) == sorted(
        [len(pdf), len(pdf), len(b"<xml>fattura</xml>")])


def test_a_body_that_does_not_match_its_hash_is_refused(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    add_file(b"real body", "a.pdf", digest=hashlib.sha256(b"another body").hexdigest())
    add_file(b"fine", "b.pdf")
    result = a.sync()
    assert (result.pushed, result.parked) == (1, 1)
    with admin(server_url) as conn:
        assert conn.execute("SELECT filename FROM document_file").fetchall() == [("b.pdf",)]


def test_a_file_written_directly_on_the_server_reaches_replicas(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    a.sync()
    body = b"%PDF direct"
    with admin(server_url) as conn:
        conn.execute(
            "INSERT INTO document_file (id, created_at, updated_at, _ver, _hlc, document_type, "
            "document_id, file_format, language, filename, content, sha256, size) VALUES "
            "(gen_random_uuid(), now(), now(), 0, 0, 'quote', 'x', 'pdf', 'it', 'q.pdf', %s, %s, %s)",
            (body, hashlib.sha256(body).hexdigest(), len(body)),
        )
    a.sync()
    use(a)
    assert [bytes(f.content) for f in DocumentFile.select()] == [body]


def test_an_issued_paper_and_its_files_reach_another_replica(server_url, tmp_path):
    """An акт issued on one replica arrives on another with its number and the exact stored bytes."""
    from desktop_crm.services.billing import paper_issue
    from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller

    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    act = paper_issue.issue_paper(deal.id, "act", source="deal", language="ru")
    pdf = paper_issue.render_issued(act.id, "pdf").content
    a.sync()
    b = new_replica(tmp_path / "b.db", server_url)
    b.sync()
    use(b)
    assert [p.number for p in paper_issue.issued_papers(deal.id)] == [act.number]
    assert paper_issue.render_issued(act.id, "pdf").content == pdf
