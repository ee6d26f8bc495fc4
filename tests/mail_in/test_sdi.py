"""Italy (issue 22, point 4): SDI's receipts fetched from the PEC inbox change an issued invoice's
SDI status and appear on its deal's timeline; a receipt fetched twice counts once."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm.models import DocumentFile, FileFormat, Role
from desktop_crm.services.billing import invoices, sdi
from desktop_crm.services.mail.fetch import fetch
from desktop_crm.services.mail.transport import endpoint_from_url
from desktop_crm.services.sales import timeline
from tests import factories
from tests.documents_fixtures import IT_LINES, deal_with_lines, italian_buyer, italian_seller
from tests.imap_server import DovecotServer, MailUser
from tests.mail_in import samples

PEC = "rossi@pec.example.it"


@pytest.fixture
def issued(db: object, monkeypatch: pytest.MonkeyPatch, dovecot: DovecotServer):
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    draft = invoices.create_from_deal(deal.id)
    invoice = invoices.issue(draft.id, on=dt.date(2026, 12, 7))
    xml = DocumentFile.get((DocumentFile.document_id == str(invoice.id))
                           & (DocumentFile.file_format == FileFormat.XML))
    user = factories.make_user("Mario Rossi", email=PEC, role=Role.ADMIN)
    return invoice, deal, xml.filename, user


def test_receipts_change_the_invoice_status(issued, dovecot: DovecotServer, mailbox: MailUser) -> None:
    invoice, deal, file_name, user = issued
    assert file_name.startswith("IT") and file_name.endswith(".xml")
    endpoint = endpoint_from_url(dovecot.url(mailbox.name), "imap")
    assert sdi.sdi_status(invoice.id) is None

    dovecot.append(mailbox.name, samples.pec_receipt(PEC, "NS", file_name, sdi_id="4711",
                                                     errors=(("00305", "IdCodice non valido"),)))
    result = fetch(user.id, endpoint)
    assert result.receipts == (f"NS {file_name}: rejected",)
    state = sdi.sdi_status(invoice.id)
    assert state is not None and state.status == "rejected" and state.sdi_id == "4711"
    assert state.errors == (("00305", "IdCodice non valido"),)
    entry = timeline.timeline(deal=deal.id)[0]
    assert "rejected" in entry.title and "00305: IdCodice non valido" in entry.body

    dovecot.append(mailbox.name, samples.pec_receipt(PEC, "RC", file_name, sdi_id="4712"))
    fetch(user.id, endpoint)
    state = sdi.sdi_status(invoice.id)
    assert state is not None and state.status == "delivered" and state.errors == ()
    assert "delivered to the client" in timeline.timeline(deal=deal.id)[0].title

    # the same receipts read again (a rebuilt folder) change nothing
    from desktop_crm.services.mail.fetch import FETCH_STATE

    FETCH_STATE.reset(user.id)
    before = len(timeline.timeline(deal=deal.id))
    assert len(fetch(user.id, endpoint).receipts) == 2
    assert len(timeline.timeline(deal=deal.id)) == before


def test_a_receipt_for_an_unknown_file_changes_nothing(issued, dovecot: DovecotServer,
                                                       mailbox: MailUser) -> None:
    invoice, _deal, _file, user = issued
    dovecot.append(mailbox.name, samples.pec_receipt(PEC, "RC", "IT99999999999_ZZZZZ.xml"))
    result = fetch(user.id, endpoint_from_url(dovecot.url(mailbox.name), "imap"))
    assert result.receipts == ("RC IT99999999999_ZZZZZ.xml: ?",)
    assert sdi.sdi_status(invoice.id) is None


def test_send_to_sdi_from_the_pec_mailbox_then_receipts(issued, dovecot: DovecotServer, mailbox: MailUser,
                                                        smtp_server) -> None:
    from desktop_crm.errors import ValidationError
    from desktop_crm.models.enums import MailSecurity
    from desktop_crm.services.mail import accounts, sender
    from desktop_crm.services.system import rights
    from tests.mail_servers import PASSWORD, USER

    invoice, deal, file_name, user = issued
    with rights.acting(rights.load_actor(user.id)):
        data = accounts.MailAccountInput(
            address=USER, username=USER, smtp_host="127.0.0.1", smtp_port=smtp_server.port,
            smtp_security=MailSecurity.NONE, password=PASSWORD)
        accounts.save_account(data)
        with pytest.raises(ValidationError, match="PEC"):  # an ordinary mailbox: refused
            sdi.send_to_sdi(invoice.id)
        accounts.save_account(accounts.MailAccountInput(**{**data.__dict__, "pec": True}))
        state = sdi.send_to_sdi(invoice.id)
        assert state.status == "sent" and state.file == file_name and state.outbox_status == "queued"
        with pytest.raises(ValidationError, match="already been sent"):
            sdi.send_to_sdi(invoice.id)  # SDI refuses the same file twice
        assert sender.send_due().sent == 1
    [received] = smtp_server.messages
    assert list(received.rcpt_tos) == ["sdi01@pec.fatturapa.it"]
    [part] = list(received.message.iter_attachments())
    assert part.get_filename() == file_name and part.get_content().startswith(b"<?xml")
    state = sdi.sdi_status(invoice.id)
    assert state is not None and state.outbox_status == "sent"
    assert "sent to SDI" in timeline.timeline(deal=deal.id)[0].title

    dovecot.append(mailbox.name, samples.pec_receipt(PEC, "RC", file_name))
    fetch(user.id, endpoint_from_url(dovecot.url(mailbox.name), "imap"))
    state = sdi.sdi_status(invoice.id)
    assert state is not None and state.status == "delivered"


def test_a_credit_note_goes_to_sdi_too(issued, smtp_server) -> None:
    from desktop_crm.models.enums import MailSecurity
    from desktop_crm.services.billing import credit_notes
    from desktop_crm.services.mail import accounts, sender
    from desktop_crm.services.system import rights
    from tests.mail_servers import PASSWORD, USER

    invoice, _deal, file_name, user = issued
    note = credit_notes.issue_credit_note(invoice.id, user.id)
    with rights.acting(rights.load_actor(user.id)):
        accounts.save_account(accounts.MailAccountInput(
            address=USER, username=USER, smtp_host="127.0.0.1", smtp_port=smtp_server.port,
            smtp_security=MailSecurity.NONE, password=PASSWORD, pec=True))
        state = sdi.send_to_sdi(note.id)
        assert state.file != file_name and state.file.endswith(".xml")
        assert sender.send_due().sent == 1
    [received] = smtp_server.messages
    [part] = list(received.message.iter_attachments())
    assert b"<TipoDocumento>TD04</TipoDocumento>" in part.get_content()
