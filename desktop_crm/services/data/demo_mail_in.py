"""Received mail and SDI receipts for the screenshots (issue 22): made through the same code as a
real fetch (``mail.parse`` → ``mail.store`` and ``billing.sdi.apply_receipts``), once per database.

* ``add_received_examples(user, deal)``: the client's answer to the deal (with an attachment,
  replying to our last message when there is one) and an HTML-only message from the company, in
  the UI language;
* ``add_sdi_examples(user)``: on the newest issued Italian invoices, "sent to SDI" and then SDI's
  receipts — one rejected with its errors, one delivered.
"""

from __future__ import annotations

import email.utils
import uuid
from email.message import EmailMessage
from typing import Any
from xml.sax.saxutils import escape

from desktop_crm.i18n import current_language
from desktop_crm.ids import DealId, IdLike, as_uuid
from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    Invoice,
    InvoiceStatus,
    MailDirection,
    MailMessage,
    MailStatus,
    OwnCompany,
    database,
)
from desktop_crm.services.mail import store
from desktop_crm.services.mail.parse import ParsedAttachment, ParsedMessage, parse

_TEXTS = {
    "ru": ("Re: {deal}", "Добрый день!\n\nСпасибо за предложение. Мы обсудили его с директором: "
           "берём, оплату проведём до конца месяца. Реквизиты для договора — во вложении.\n\n"
           "С уважением,\n{name}", "Реквизиты.pdf", "Вопрос по доставке",
           "<p>Здравствуйте!</p><p>Подскажите, пожалуйста, <b>сроки поставки</b> по сделке «{deal}».</p>"),
    "it": ("Re: {deal}", "Buongiorno,\n\ngrazie per l'offerta. Ne abbiamo parlato con il direttore: "
           "confermiamo, il pagamento entro fine mese. In allegato i dati per il contratto.\n\n"
           "Cordiali saluti,\n{name}", "Dati aziendali.pdf", "Domanda sulla consegna",
           "<p>Buongiorno,</p><p>potete indicarci i <b>tempi di consegna</b> per «{deal}»?</p>"),
}


def _raw(sender: str, to: str, subject: str, *, text: str = "", html: str = "",
         reply_to: str = "", files: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(email.utils.localtime())
    message["Message-ID"] = email.utils.make_msgid(domain="client.example")
    if reply_to:
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    if html:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
    for name, content in files:
        message.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return bytes(message)


def add_received_examples(user: IdLike, deal_id: IdLike | None) -> DealId | None:
    """The client's messages on ``deal_id`` (once); returns the deal."""
    if deal_id is None:
        return None
    with database.atomic():
        deal = Deal.get_or_none(Deal.id == as_uuid(deal_id))
        if deal is None:
            return None
        if MailMessage.alive().where((MailMessage.deal == deal.id)
                                     & (MailMessage.direction == MailDirection.IN)).exists():
            return DealId(deal.id)
        contact = Contact.get_or_none(Contact.id == deal.contact_id) if deal.contact_id else None
        company = Company.get_or_none(Company.id == deal.company_id) if deal.company_id else None
        address = (contact.work_email or contact.private_email) if contact else ""
        if contact is None or not address:
            return None
        ours = (MailMessage.alive().where((MailMessage.deal == deal.id)
                                          & (MailMessage.direction == MailDirection.OUT)
                                          & (MailMessage.status == MailStatus.SENT))
                .order_by(MailMessage.created_at.desc()).first())
        subject, body, file_name, question, html = _TEXTS.get(current_language(), _TEXTS["it"])
        me = "manager@example.com"
        own = store.known_own_addresses({me})
        reply = _raw(f"{contact.full_name} <{address}>", me, subject.format(deal=deal.title),
                     text=body.format(name=contact.full_name),
                     reply_to=ours.message_id if ours else "",
                     files=((file_name, b"%PDF-1.4\n% demo\n"),))
        messages = [reply]
        if company is not None and company.email:
            messages.insert(0, _raw(company.email, me, question, html=html.format(deal=deal.title)))
        for raw in messages:
            store.store_message(parse(raw), raw, is_sent=False, own_addresses=own,
                                user=as_uuid(user), account=None)
        return DealId(deal.id)


def _receipt(kind: str, file_name: str, sdi_id: str, errors: tuple[tuple[str, str], ...]) -> bytes:
    root = {"RC": "RicevutaConsegna", "NS": "NotificaScarto"}[kind]
    listed = "".join(f"<Errore><Codice>{c}</Codice><Descrizione>{escape(d)}</Descrizione></Errore>"
                     for c, d in errors)
    extra = f"<ListaErrori>{listed}</ListaErrori>" if errors else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><types:{root} versione="1.0" xmlns:types='
            f'"http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/v1.0"><IdentificativoSdI>'
            f"{sdi_id}</IdentificativoSdI><NomeFile>{file_name}</NomeFile><DataOraRicezione>"
            f"2026-12-07T10:00:00.000+01:00</DataOraRicezione>{extra}</types:{root}>").encode()


def add_sdi_examples(user: IdLike) -> DealId | None:
    """SDI's story on the two newest issued Italian invoices (once); returns the first one's deal."""
    from desktop_crm.services.billing import rendering, sdi

    with database.atomic():
        italian = [c.id for c in OwnCompany.alive(OwnCompany.id).where(OwnCompany.country == "IT")]
        found: list[Any] = list(Invoice.alive().where(
            Invoice.own_company.in_(italian or [uuid.uuid4()]) & Invoice.deal.is_null(False)
            & Invoice.status.in_([InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID])
        ).order_by(Invoice.issued_at.desc()).limit(2))
    if not found:
        return None
    if sdi.sdi_status(found[0].id) is not None:
        return DealId(found[0].deal_id)
    stories = [("NS", (("00305", "1.4.1.1.2 <IdCodice> non valido"),
                       ("00311", "1.1.4 <CodiceDestinatario> non valido"))), ("RC", ())]
    for invoice, (kind, errors) in zip(found, stories, strict=False):
        xml = rendering.render(invoice.id, "invoice", "xml")
        with database.atomic():
            row = Invoice.get_by_id(invoice.id)
            sdi.record_sent(row, as_uuid(user), xml.filename)
            content = _receipt(kind, xml.filename, f"{1000 + len(kind)}{invoice.number}", errors)
            stem = xml.filename.removesuffix(".xml")
            sdi.apply_receipts(ParsedMessage(
                "", "", (), "sdi01@pec.fatturapa.it", "", (), (), "", None, "",
                (ParsedAttachment(f"{stem}_{kind}_001.xml", "application/xml", content),)), None)
    return DealId(found[0].deal_id)
