"""Provisional invoice numbers until sync (sync.md §2.11 option A, the configurable alternative to a
series per device): replicas issue offline under «PRV-<device>-<n>»; the server gives the final,
gapless number of the company series when each invoice arrives; the issuing device then re-freezes
the files with the final number. Real replicas, real PostgreSQL, real PDFs read back."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from desktop_crm.cli import main
from desktop_crm.models import DocumentFile, DocumentType, FileFormat, Invoice, database
from desktop_crm.models.db import open_database
from desktop_crm.services.billing import invoices, numbering
from desktop_crm.services.system import sync as sync_service
from desktop_crm.sync import capture
from tests.documents_fixtures import (
    IT_LINES,
    RU_LINES,
    deal_with_lines,
    italian_buyer,
    italian_seller,
    russian_buyer,
    russian_seller,
)
from tests.sync.helpers import admin, new_replica, use
from tests.test_document_render import pdf_text

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


def pdf_of(invoice_id):
    row = (DocumentFile.alive()
           .where(DocumentFile.document_type == DocumentType.INVOICE,
                  DocumentFile.document_id == str(invoice_id),
                  DocumentFile.file_format == FileFormat.PDF)
           .order_by(DocumentFile.created_at.desc()).first())
    return bytes(row.content)


FINAL = {"RU": lambda n: str(n), "IT": lambda n: f"2026/{n:04d}"}  # the default patterns


@pytest.mark.parametrize("country", ["RU", "IT"])
def test_offline_invoices_get_provisional_numbers_then_gapless_final_ones_from_the_server(
    server_url, tmp_path, country
):
    final = FINAL[country]
    a = replica(tmp_path / "a.db", server_url)
    b = replica(tmp_path / "b.db", server_url)
    use(a)
    if country == "RU":
        russian_seller()
        deal = deal_with_lines(russian_buyer(), RU_LINES)
    else:
        italian_seller()
        deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    numbering.set_offline_numbering("provisional")  # a business-wide setting: it syncs
    a.sync(), b.sync()

    issued = {}
    for name, r in (("a", a), ("b", b)):  # both offline: each issues two invoices
        use(r)
        assert numbering.provisional_numbering()
        issued[name] = [invoices.issue(invoices.create_from_deal(deal.id).id, on=DAY) for _ in range(2)]
        code = numbering.device_code()
        assert [i.number for i in issued[name]] == [f"PRV-{code}-1", f"PRV-{code}-2"]
        assert all(i.sequence_number is None and i.series == "" for i in issued[name])
        assert f"PRV-{code}-1" in pdf_text(pdf_of(issued[name][0].id), tmp_path)

    # b reaches the server first, through the command line (which re-freezes and sends too)
    assert main(["sync", "--db", str(b.db.database), "--server", server_url]) == 0
    use(a)
    sync_service.sync_now()
    use(b)
    sync_service.sync_now()

    with admin(server_url) as conn:
        rows = conn.execute(
            "SELECT sequence_number, number FROM invoice WHERE status <> 'draft' "
            "ORDER BY sequence_number").fetchall()
        assert rows == [(n, final(n)) for n in (1, 2, 3, 4)]  # gapless, unique, one series
        assert conn.execute("SELECT next_no FROM sync.number_series WHERE series = ''").fetchone() == (5,)
        assert conn.execute(
            "SELECT next_value FROM number_sequence WHERE series = '' AND year = 2026").fetchone() == (5,)
    finals = {}
    for name, r in (("a", a), ("b", b)):
        use(r)
        finals[name] = sorted(Invoice.get_by_id(i.id).number for i in issued[name])
        for number in finals[name]:
            invoice = Invoice.get(Invoice.number == number)
            text = pdf_text(pdf_of(invoice.id), tmp_path)
            shown = rf"№\s*{number}\b" if country == "RU" else re.escape(number)
            assert re.search(shown, text) and "PRV-" not in text  # re-frozen with the final number
            assert invoice.frozen and "PRV-" not in str(invoice.frozen)
    assert finals == {"b": [final(1), final(2)], "a": [final(3), final(4)]}
    # the provisional files stay, deleted, as the record of what was handed over before sync
    use(a)
    assert DocumentFile.select().where(DocumentFile.deleted_at.is_null(False)).count() >= 4

    # an office user on the server itself numbers on in the same series, no gap, no repeat
    direct = open_database(server_url)
    try:
        office_invoice = invoices.issue(invoices.create_from_deal(deal.id).id, on=DAY)
        assert office_invoice.number == final(5)
    finally:
        direct.close()
    database.initialize(a.db)


def test_the_setting_is_business_wide_and_device_series_stay_the_default(tmp_path, db):
    assert numbering.OFFLINE_NUMBERING.get() == "device_series"
    assert not numbering.provisional_numbering()  # a local database numbers at once anyway
    numbering.set_offline_numbering("provisional")
    assert not numbering.provisional_numbering()  # still not a replica of a server
    with pytest.raises(Exception, match="offline"):
        numbering.set_offline_numbering("blocks")


@pytest.mark.parametrize("pattern", ["{seq}", "{year}/{seq:04d}", "КП-{year}-{seq:04d}",
                                     "{yy}-{seq:3d}", "{seq:02d}/{series}", "F{seq}"])
def test_the_server_formats_numbers_like_the_application(server_url, pattern):
    with admin(server_url) as conn:
        for seq in (7, 12345):
            for series in ("", "A"):
                (server,) = conn.execute("SELECT sync.format_number(%s, %s, 2026, %s)",
                                         (pattern, seq, series)).fetchone()
                assert server == numbering.format_number(pattern, seq, 2026, series)
    assert re.match(r"^[\w{}:/ -]+$", pattern)


def test_the_settings_screen_offers_the_choice(db, tmp_path, qtbot):
    from PySide6.QtCore import QSettings

    from desktop_crm import workers
    from desktop_crm.models import Role, User
    from desktop_crm.services.system.session import current_user
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.registry import build_registry
    from desktop_crm.views.settings import SettingsView

    admin_user = User.create(name="Анна Морозова", role=Role.ADMIN, email="anna@firma.ru")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with workers.synchronous():
        context = AppContext(current_user(str(admin_user.id)), "crm.db", build_registry(), settings)
        view = SettingsView(context)
        qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
        page = view.select("rules")
        combo = page.findChild(type(page.editors["offline_numbering"]), "field_offline_numbering")
        assert combo.currentData() == "device_series"
        assert "provisional number until sync" in combo.itemText(combo.findData("provisional"))
        combo.setCurrentIndex(combo.findData("provisional"))
        assert page.dirty
        assert page.save()
        assert numbering.OFFLINE_NUMBERING.get() == "provisional"
        again = SettingsView(context)
        qtbot.addWidget(again)
        assert again.page("rules").editors["offline_numbering"].currentData() == "provisional"
