"""Push and pull between real SQLite replicas and a real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop_crm.models import Company, Contact, Deal, Pipeline, Stage
from tests.sync.helpers import admin, new_replica, outbox_size, use

pytestmark = pytest.mark.postgres


PRESET_ROLES = 4  # a first download also brings the preset roles every database has


def test_two_replicas_exchange_rows_and_money_exactly(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    pipeline = Pipeline.create(name="Vendite")
    stage = Stage.create(pipeline=pipeline, name="Nuovo")
    company = Company.create(legal_name="ООО «Ромашка»")
    contact = Contact.create(last_name="Фёдоров", company=company)
    deal = Deal.create(title="Big", pipeline=pipeline, stage=stage, contact=contact,
                       amount=Decimal("12345.67"))
    result = a.sync()
    assert result.pushed == 5 and outbox_size(a) == 0
    result = b.sync()
    assert result.pulled == 5 + PRESET_ROLES and result.bootstrapped
    use(b)
    assert Deal.get_by_id(deal.id).amount == Decimal("12345.67")
    assert Contact.get_by_id(contact.id).company_id == company.id
    with admin(server_url) as conn:
        assert conn.execute("SELECT amount FROM deal").fetchone()[0] == 1234567
    # b edits, a pulls; b's own edit does not come back as a conflict
    deal_b = Deal.get_by_id(deal.id)
    deal_b.title = "Bigger"
    deal_b.save()
    assert b.sync().pushed == 1
    use(a)
    assert a.sync().pulled >= 1
    assert Deal.get_by_id(deal.id).title == "Bigger"
    assert outbox_size(a) == 0


def test_a_large_download_fills_the_search_index_and_keeps_its_trigger(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    with a.db.atomic():
        for n in range(300):
            Company.create(legal_name=f"Фёдоров и партнёры {n}")
    a.sync()
    b = new_replica(tmp_path / "b.db", server_url)
    trigger_before = b.db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE name = 'company_fts_ai'").fetchone()
    assert b.sync().pulled == 300 + PRESET_ROLES
    assert b.db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE name = 'company_fts_ai'").fetchone() == trigger_before
    (hits,) = b.db.execute_sql(
        "SELECT count(*) FROM company_fts WHERE company_fts MATCH '\"федоров\"*'").fetchone()
    assert hits == 300
    assert b.db.execute_sql(
        "INSERT INTO company_fts(company_fts, rank) VALUES ('integrity-check', 1)").rowcount in (-1, 0, 1)
    use(b)
    Company.create(legal_name="Новый клиент")  # the restored trigger indexes later inserts
    (hits,) = b.db.execute_sql(
        "SELECT count(*) FROM company_fts WHERE company_fts MATCH '\"новый\"*'").fetchone()
    assert hits == 1


def test_a_download_killed_midway_resumes_and_keeps_the_indexes(server_url, tmp_path):
    from desktop_crm.sync.replica import CrashPoint

    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    with a.db.atomic():
        company = Company.create(legal_name="Parent")
        for n in range(40):
            Contact.create(last_name=f"Contact {n}", company=company)
    a.sync()
    pages = []

    def crash_on_third_page(point):
        if point == "between_pull_pages":
            pages.append(point)
            if len(pages) == 3:
                raise CrashPoint(point)

    b = new_replica(tmp_path / "b.db", server_url, crash_hook=crash_on_third_page, pull_page=10)
    indexes = sorted(b.db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contact'").fetchall())
    with pytest.raises(CrashPoint):
        b.sync()
    assert b.db.execute_sql("SELECT count(*) FROM contact").fetchone() == (0,)  # rolled back
    assert sorted(b.db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contact'").fetchall()) == indexes
    b.crash_hook = None
    b.sync()
    assert b.db.execute_sql("SELECT count(*) FROM contact").fetchone() == (40,)
    assert b.db.execute_sql("SELECT count(*) FROM company").fetchone() == (1,)
    assert b.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    (hits,) = b.db.execute_sql(
        "SELECT count(*) FROM contact_fts WHERE contact_fts MATCH '\"contact\"*'").fetchone()
    assert hits == 40


def test_a_local_password_hash_never_leaves_its_file(server_url, tmp_path):
    from desktop_crm.models import User

    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    user = User.create(name="Anna", login="anna", password_hash="$argon2id$secret")
    a.sync()
    with admin(server_url) as conn:
        assert conn.execute('SELECT login, password_hash FROM "user"').fetchall() == [("anna", "")]
    use(b)
    b.sync()
    assert User.get_by_id(user.id).login == "anna"
    assert User.get_by_id(user.id).password_hash == ""
    use(a)
    assert User.get_by_id(user.id).password_hash == "$argon2id$secret"


def test_a_contacts_photo_travels_to_the_other_replica_and_is_removed_there_too(server_url, tmp_path):
    import io

    from PIL import Image

    from desktop_crm.services.sales import photos

    out = io.BytesIO()
    Image.new("RGB", (600, 400), (10, 120, 200)).save(out, "JPEG")
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    contact = Contact.create(last_name="Bianchi")
    photos.set_contact_photo(contact.id, out.getvalue())
    stored = photos.contact_photo(contact.id)
    assert stored and a.sync().pushed >= 1
    with admin(server_url) as conn:
        assert bytes(conn.execute("SELECT photo FROM contact").fetchone()[0]) == stored
    b.sync()
    use(b)
    assert photos.contact_photo(contact.id) == stored
    photos.set_contact_photo(contact.id, None)
    assert b.sync().pushed == 1
    use(a)
    a.sync()
    assert photos.contact_photo(contact.id) is None
