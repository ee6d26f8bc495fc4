"""The mail examples of the screenshots: one of each state, written once, only where e-mail was
never used."""

from __future__ import annotations

from desktop_crm.models import MailAccount, MailMessage, User
from desktop_crm.models.enums import MailStatus, Role
from desktop_crm.services.data.demo_mail import add_mail_examples
from tests.factories import make_company, make_contact, make_deal


def test_examples_are_written_once_and_only_where_mail_was_never_used(db):
    anna = User.create(name="Anna", role=Role.ADMIN, email="anna@example.test")
    boris = User.create(name="Boris", role=Role.SALES)
    company = make_company("Bianchi SpA", email="info@bianchi.example")
    deal = make_deal("Fornitura", company=company, contact=make_contact("Bianchi", company=company))
    assert add_mail_examples(anna.id, deal.id) == deal.id
    assert sorted(m.status for m in MailMessage.select()) == sorted(
        [MailStatus.SENT, MailStatus.QUEUED, MailStatus.FAILED, MailStatus.UNKNOWN])
    assert add_mail_examples(anna.id, deal.id) == deal.id  # once
    assert add_mail_examples(boris.id, deal.id) is None  # the database uses e-mail now
    assert MailMessage.select().count() == 4 and MailAccount.select().count() == 1
