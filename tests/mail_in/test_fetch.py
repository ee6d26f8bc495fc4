"""IMAP fetch against a real Dovecot (issue 22, point 3): inbox and sent folder, only known
clients, incremental by UID, deduplicated by Message-ID, linked to the contact's open deal, on the
timeline with attachments; a client's reply counts for the rules, a manager's unanswered message
does not."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from desktop_crm.models import Activity, ActivityKind, Deal, MailAttachment, MailDirection, MailMessage
from desktop_crm.services.mail.fetch import FETCH_STATE, fetch
from desktop_crm.services.mail.transport import endpoint_from_url
from desktop_crm.services.sales import rules, timeline
from tests import factories
from tests.imap_server import DovecotServer, MailUser
from tests.mail_in import samples

DETAILED = ("Добрый день! Спасибо за предложение. Мы обсудили его с директором: берём курс на "
            "двенадцать человек, оплату проведём до конца месяца, договор пришлите, пожалуйста.")
MANAGER = "manager@crm.example"


@pytest.fixture
def world(any_db: object, dovecot: DovecotServer, mailbox: MailUser, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))  # STARTTLS verifies the test server
    user = factories.make_user("Анна Менеджер", email=MANAGER)
    company = factories.make_company("ООО «Ромашка»", email="office@romashka.example")
    contact = factories.make_contact("Иванов", "Иван", work_email="Ivan@Romashka.example", company=company)
    deal = factories.make_deal("Курс для отдела", contact=contact, company=company, responsible=user)

    class World:
        pass

    w = World()
    w.user, w.company, w.contact, w.deal = user, company, contact, deal  # type: ignore[attr-defined]
    w.endpoint = endpoint_from_url(dovecot.url(mailbox.name), "imap")  # type: ignore[attr-defined]
    return w


def _deal(world) -> Deal:
    return Deal.get_by_id(world.deal.id)


def test_fetches_client_mail_links_it_and_counts_the_reply(world, dovecot: DovecotServer,
                                                          mailbox: MailUser) -> None:
    ours = samples.message(MANAGER, "ivan@romashka.example", "Предложение", "Высылаю предложение.",
                           message_id="<offer-1@crm.example>")
    dovecot.append(mailbox.name, ours, folder="Sent")
    reply = samples.message("Иван Иванов <ivan@romashka.example>", MANAGER, "Re: Предложение", DETAILED,
                            in_reply_to="<offer-1@crm.example>",
                            attachments=(("реквизиты.pdf", "application/pdf", b"%PDF-1.4 data"),))
    dovecot.append(mailbox.name, reply)
    dovecot.append(mailbox.name, samples.message("spam@elsewhere.example", MANAGER, "Buy now", "spam"))

    result = fetch(world.user.id, world.endpoint)

    assert result.read == 3 and result.ignored == 1 and len(result.stored) == 2
    assert set(result.folders) == {"INBOX", "Sent"}
    incoming = MailMessage.get(MailMessage.direction == MailDirection.IN)
    assert incoming.deal_id == world.deal.id and incoming.contact_id == world.contact.id
    assert incoming.company_id == world.company.id and incoming.client_answered
    files = MailAttachment.select().where(MailAttachment.mail_message == incoming.id)
    assert [a.filename for a in files] == ["реквизиты.pdf"]
    outgoing = MailMessage.get(MailMessage.direction == MailDirection.OUT)
    assert outgoing.message_id == "<offer-1@crm.example>"
    # the client's reply counts as an interaction (seed 002 rule 1) and keeps the deal active
    entries = timeline.timeline(deal=world.deal.id)
    mails = [e for e in entries if e.kind == ActivityKind.EMAIL]
    assert len(mails) == 2
    reply_entry = next(e for e in mails if e.payload.get("direction") == "in")
    assert reply_entry.counts_as_interaction and reply_entry.client_answered
    assert rules.last_interaction(_deal(world)) is not None
    # our message was answered: its entry is marked answered too
    assert Activity.get_by_id(outgoing.activity_id).client_answered

    # nothing new: a second fetch reads nothing; a new message is read alone
    assert fetch(world.user.id, world.endpoint).read == 0
    dovecot.append(mailbox.name, samples.message("office@romashka.example", MANAGER, "Счёт", "Пришлите счёт"))
    again = fetch(world.user.id, world.endpoint)
    assert again.read == 1 and len(again.stored) == 1
    assert again.stored[0].company_id == world.company.id and again.stored[0].deal_id == world.deal.id


def test_a_managers_unanswered_message_does_not_count(world, dovecot: DovecotServer,
                                                      mailbox: MailUser) -> None:
    dovecot.append(mailbox.name, samples.message(MANAGER, "ivan@romashka.example", "Предложение", DETAILED),
                   folder="Sent")
    result = fetch(world.user.id, world.endpoint)
    assert len(result.stored) == 1 and not result.stored[0].incoming
    entry = next(e for e in timeline.timeline(deal=world.deal.id) if e.kind == ActivityKind.EMAIL)
    assert not entry.client_answered and not entry.counts_as_interaction
    assert rules.last_interaction(_deal(world)) is None


def test_duplicates_by_message_id_and_a_rebuilt_folder(world, dovecot: DovecotServer,
                                                       mailbox: MailUser) -> None:
    raw = samples.message("ivan@romashka.example", MANAGER, "Вопрос", DETAILED, message_id="<q-1@romashka>")
    dovecot.append(mailbox.name, raw)
    assert len(fetch(world.user.id, world.endpoint).stored) == 1
    # the folder's UIDVALIDITY changes (a server rebuilt it): read again, nothing stored twice
    state = FETCH_STATE.get(world.user.id)
    for folders in state.values():
        folders["INBOX"][0] += 1
    FETCH_STATE.set(state, world.user.id)
    result = fetch(world.user.id, world.endpoint)
    assert result.read == 1 and result.duplicates == 1 and not result.stored
    assert MailMessage.select().count() == 1


def test_koi8r_html_only_message_from_a_client(world, dovecot: DovecotServer, mailbox: MailUser) -> None:
    raw = samples.message("ivan@romashka.example", MANAGER, "Привет", "",
                          html="<p>Здравствуйте,</p><p>счёт <b>получили</b>.</p>", charset="koi8-r")
    dovecot.append(mailbox.name, raw)
    fetch(world.user.id, world.endpoint)
    message = MailMessage.get()
    assert message.subject == "Привет" and message.body == "Здравствуйте,\n\nсчёт получили."


def test_imaps_and_a_wrong_password(world, dovecot: DovecotServer, mailbox: MailUser) -> None:
    from desktop_crm.services.mail.transport import MailError

    dovecot.append(mailbox.name, samples.message("ivan@romashka.example", MANAGER, "Hi", DETAILED))
    assert fetch(world.user.id, endpoint_from_url(dovecot.url(mailbox.name, tls=True), "imap")).read == 1
    bad = endpoint_from_url(f"imap://{mailbox.name}:wrong@127.0.0.1:{dovecot.port}", "imap")
    with pytest.raises(MailError):
        fetch(world.user.id, bad)



def test_a_reply_goes_to_the_deal_of_the_message_it_answers(world, dovecot: DovecotServer,
                                                           mailbox: MailUser) -> None:
    newer = factories.make_deal("Ещё одна сделка", contact=world.contact, company=world.company)
    later = Deal.get_by_id(world.deal.id).updated_at + dt.timedelta(days=1)
    Deal.update(updated_at=later).where(Deal.id == newer.id).execute()
    # our offer was sent from the older deal's card (the outbox links it there)
    dovecot.append(mailbox.name, samples.message(MANAGER, "ivan@romashka.example", "Оферта", "Текст",
                                                 message_id="<offer-9@crm.example>"), folder="Sent")
    fetch(world.user.id, world.endpoint)
    MailMessage.update(deal=world.deal.id).where(MailMessage.message_id == "<offer-9@crm.example>").execute()
    dovecot.append(mailbox.name, samples.message("ivan@romashka.example", MANAGER, "Вопрос", "Без темы"))
    dovecot.append(mailbox.name, samples.message("ivan@romashka.example", MANAGER, "Re: Оферта", DETAILED,
                                                 in_reply_to="<offer-9@crm.example>"))
    stored = {s.subject: s.deal_id for s in fetch(world.user.id, world.endpoint).stored}
    assert stored["Вопрос"] == newer.id  # no thread: the contact's most recently changed open deal
    assert stored["Re: Оферта"] == world.deal.id  # the answer to our offer: the offer's deal


def test_a_leads_answer_allows_its_conversion(world, dovecot: DovecotServer, mailbox: MailUser) -> None:
    from desktop_crm.models import Lead, LeadStatus
    from desktop_crm.services.sales import leads

    lead = Lead.create(title="Курс для отдела продаж", last_name="Сидоров", first_name="Олег",
                       private_email="oleg@sidorov.example", responsible=world.user.id)
    assert not leads.conversion_check(lead.id)[0]
    dovecot.append(mailbox.name, samples.message(MANAGER, "oleg@sidorov.example", "Предложение", "Текст"),
                   folder="Sent")
    fetch(world.user.id, world.endpoint)
    entries = timeline.timeline(lead=lead.id)
    assert len(entries) == 1 and not entries[0].counts_as_interaction  # our message alone: no
    assert not leads.conversion_check(lead.id)[0]
    answer = samples.message("oleg@sidorov.example", MANAGER, "Re: Предложение", DETAILED)
    dovecot.append(mailbox.name, answer)
    fetch(world.user.id, world.endpoint)
    entries = timeline.timeline(lead=lead.id)
    assert entries[0].counts_as_interaction and entries[0].client_answered
    assert Lead.get_by_id(lead.id).status == LeadStatus.IN_PROGRESS
    assert leads.conversion_check(lead.id)[0]  # rule 1: the client answered, in detail


def test_a_message_the_outbox_sent_is_not_stored_twice(world, dovecot: DovecotServer, mailbox: MailUser,
                                                       smtp_server) -> None:
    from desktop_crm.models.enums import MailSecurity
    from desktop_crm.services.mail import accounts, outbox, sender
    from desktop_crm.services.system import rights
    from tests.mail_servers import PASSWORD, USER

    with rights.acting(rights.load_actor(world.user.id)):
        accounts.save_account(accounts.MailAccountInput(
            address=USER, username=USER, smtp_host="127.0.0.1", smtp_port=smtp_server.port,
            smtp_security=MailSecurity.NONE, password=PASSWORD))
        queued = outbox.queue(outbox.OutgoingMessage(
            to="ivan@romashka.example", subject="Счёт", body="Высылаем счёт.", deal_id=world.deal.id))
        assert sender.send_due().sent == 1
    [received] = smtp_server.messages
    dovecot.append(mailbox.name, received.content, folder="Sent")  # the provider's copy of it
    reply = samples.message("ivan@romashka.example", USER, "Re: Счёт", DETAILED,
                            in_reply_to=queued.message_id)
    dovecot.append(mailbox.name, reply)
    result = fetch(world.user.id, world.endpoint)
    assert result.duplicates == 1 and len(result.stored) == 1 and result.stored[0].answered_ours
    assert MailMessage.select().where(MailMessage.direction == MailDirection.OUT).count() == 1
    sent_entry = Activity.get_by_id(MailMessage.get_by_id(queued.id).activity_id)
    assert sent_entry.client_answered  # our message, answered by the client


def test_a_managers_mailbox_links_only_within_his_rights(world, dovecot: DovecotServer,
                                                         mailbox: MailUser) -> None:
    from desktop_crm.models import Company, Contact, Role
    from desktop_crm.services.system import rights

    Contact.update(responsible=world.user.id).where(Contact.id == world.contact.id).execute()
    Company.update(responsible=world.user.id).where(Company.id == world.company.id).execute()
    other = factories.make_user("Пётр Другой", email="petr@crm.example", role=Role.SALES)
    question = samples.message("ivan@romashka.example", "petr@crm.example", "Вопрос", DETAILED)
    dovecot.append(mailbox.name, question)
    with rights.acting(rights.load_actor(other.id)):
        result = fetch(other.id, world.endpoint)
    assert result.read == 1 and result.ignored == 1 and not result.stored


def test_hostile_headers_and_bodies_are_stored_safely(world, dovecot: DovecotServer,
                                                      mailbox: MailUser) -> None:
    raw = (b"From: =?utf-8?b?" + base64.b64encode("Иван\u202e\x07".encode()) +
           b"?= <ivan@romashka.example>\r\nTo: manager@crm.example\r\nSubject: =?utf-8?b?" +
           base64.b64encode("Счёт\u202egpj.exe\x1b[31m".encode()) +
           b"?=\r\nMessage-ID: <" + b"x" * 400 + b"@evil>\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "Текст\x00 с \x1b мусором\u202e".encode() + b"\r\n")
    dovecot.append(mailbox.name, raw)
    result = fetch(world.user.id, world.endpoint)
    assert len(result.stored) == 1
    message = MailMessage.get()
    assert message.subject == "Счёт gpj.exe [31m" and "\u202e" not in message.body
    # Dovecot hands a NUL byte back as 0x80 (IMAP cannot carry NUL): one replacement character
    assert message.body in ("Текст с  мусором", "Текст\ufffd с  мусором")
    assert len(message.message_id) == 255


def test_a_first_fetch_skips_old_mail(world, dovecot: DovecotServer, mailbox: MailUser) -> None:
    import time

    old = samples.message("ivan@romashka.example", MANAGER, "Старое", DETAILED)
    dovecot.append(mailbox.name, old, received=time.time() - 400 * 86400)
    dovecot.append(mailbox.name, samples.message("ivan@romashka.example", MANAGER, "Новое", DETAILED))
    result = fetch(world.user.id, world.endpoint)
    assert [s.subject for s in result.stored] == ["Новое"]
