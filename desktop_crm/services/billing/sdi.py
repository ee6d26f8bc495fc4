"""Italian invoices through SDI by PEC: sending the FatturaPA and reading SDI's receipts.

* ``send_to_sdi(invoice, user)`` queues the issued invoice's (or credit note's) frozen FatturaPA
  file — named as SDI wants it, ``IT{IdCodice}_{progressivo}.xml`` — as the attachment of a message
  from the user's PEC account to SDI's address (setting ``mail.sdi_address``, by default
  ``sdi01@pec.fatturapa.it``) through the outbox, and writes "sent to SDI" on the deal's timeline.
* ``apply_receipts(parsed, user)``: SDI's receipts found in a fetched message (RC, NS, MC, NE, DT,
  AT; see ``countries.it.sdi``) are matched to the invoice by the file name they name and written
  on its deal's timeline (once each: a receipt fetched again changes nothing).
* ``sdi_status(invoice)``: the latest of those entries — what the invoice view shows.

Every SDI event is a timeline entry (``activity`` of kind ``system``) whose payload says
``{"event": "sdi", "invoice": id, "number": …, "file": …, "status": …, "kind": …, "sdi_id": …,
"errors": [[code, description], …]}``: the status needs no table of its own and syncs with the deal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from desktop_crm.countries.it import sdi as rules_sdi
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import (
    Action,
    Activity,
    ActivityKind,
    ActivityStatus,
    DocumentFile,
    DocumentType,
    FileFormat,
    Invoice,
    InvoiceStatus,
    database,
    utcnow,
)
from desktop_crm.services.mail.parse import ParsedMessage
from desktop_crm.services.system import rights
from desktop_crm.services.system.settings import declare

SDI_ADDRESS = declare("mail.sdi_address", rules_sdi.DEFAULT_SDI_ADDRESS)


@dataclass(frozen=True, slots=True)
class SdiState:
    invoice_id: uuid.UUID
    status: str  # countries.it.sdi.SdiStatus value
    file: str
    sdi_id: str
    at: dt.datetime
    errors: tuple[tuple[str, str], ...]
    outbox_status: str = ""  # while no receipt came: the PEC message's outbox status (queued, sent…)
    outbox_error: str = ""


# statuses after which the same file may not go again (SDI refuses a duplicate file, error 00002)
_FINAL_FOR_FILE = {"sent", "delivered", "not_delivered", "accepted", "refused", "deadline_passed",
                   "attested"}


def _xml_file(invoice: Any) -> Any:
    return (DocumentFile.alive()
            .where((DocumentFile.document_type == DocumentType.INVOICE)
                   & (DocumentFile.document_id == str(invoice.id))
                   & (DocumentFile.file_format == FileFormat.XML))
            .order_by(DocumentFile.created_at.desc()).first())


def send_to_sdi(invoice_id: IdLike) -> SdiState:
    """Queue the issued invoice's FatturaPA to SDI from the signed-in user's PEC mailbox (one
    transaction: the outbox message and the "sent to SDI" entry); the outbox sends it."""
    from desktop_crm.services.mail import accounts, outbox

    invoice_uuid = as_uuid(invoice_id)
    rights.require_on(Invoice, invoice_uuid, Action.VIEW)
    with database.atomic():
        invoice = Invoice.alive().where(Invoice.id == invoice_uuid).first()
        if invoice is None:
            raise ValidationError(_("This invoice no longer exists."))
        if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
            raise ValidationError(_("Only an issued invoice can be sent to SDI."))
        stored = _xml_file(invoice)
        if stored is None:
            raise ValidationError(_("This invoice has no FatturaPA file: only invoices of an Italian "
                                    "company go to SDI."))
        account = accounts.account_of()
        if account is None or not account.pec:
            raise ValidationError(_("Invoices go to SDI from a PEC mailbox: set up your mail account "
                                    "and mark it as PEC in Settings › Mail account."))
        events = _events(invoice)
        if events and (events[-1].payload or {}).get("status") in _FINAL_FOR_FILE:
            raise ValidationError(_("The file {file} has already been sent to SDI.").format(
                file=stored.filename))
        content = bytes(stored.content)
        message = outbox.queue(outbox.OutgoingMessage(
            to=SDI_ADDRESS.get(), subject=stored.filename,
            body=_("FatturaPA file {file} for SDI.").format(file=stored.filename),
            # not on the deal's timeline as an e-mail: the "sent to SDI" entry below is its entry
            document_type=str(DocumentType.INVOICE),
            document_id=str(invoice.id), document_format=str(FileFormat.XML),
            attachments=(outbox.Attachment(stored.filename, content, "application/xml", stored.id),),
        ))
        actor = rights.current()
        record_sent(invoice, actor.user_id if actor else None, stored.filename, message.message_id)
    state = sdi_status(invoice_uuid)
    assert state is not None
    return state


def record_sent(invoice: Any, user: object, file_name: str, message_id: str = "") -> None:
    """"Sent to SDI" on the invoice's timeline (the caller's transaction)."""
    _record_event(invoice, user, status=str(rules_sdi.SdiStatus.SENT), kind="", file=file_name,
                  message=message_id, sdi_id="", errors=[], note="")


def _invoice_of_file(file_name: str) -> Any:
    row = (DocumentFile.alive(DocumentFile.document_id)
           .where((DocumentFile.document_type == DocumentType.INVOICE)
                  & (DocumentFile.file_format == FileFormat.XML)
                  & (DocumentFile.filename == file_name))
           .first())
    if row is None:
        return None
    return Invoice.alive().where(Invoice.id == as_uuid(row.document_id)).first()


def _events(invoice: Any) -> list[Activity]:
    condition = (Activity.kind == ActivityKind.SYSTEM)
    if invoice.deal_id is not None:
        condition &= Activity.deal == invoice.deal_id
    rows = Activity.alive().where(condition).order_by(Activity.created_at, Activity.id)
    return [a for a in rows if (a.payload or {}).get("event") == "sdi"
            and (a.payload or {}).get("invoice") == str(invoice.id)]


def _record_event(invoice: Any, user: object, **payload: Any) -> Activity:
    """An SDI event on the invoice's deal timeline (inside the caller's transaction); a rejection's
    errors and SDI's note are its text."""
    invoice_id = str(invoice.id)
    lines = [f"{code}: {text}" for code, text in payload.get("errors") or []]
    if payload.get("note"):
        lines.append(str(payload["note"]))
    return Activity.create(
        kind=ActivityKind.SYSTEM, status=ActivityStatus.DONE, done_at=utcnow(), author=user,
        body="\n".join(lines),
        deal=invoice.deal_id, contact=_deal_party(invoice, "contact_id"),
        company=_deal_party(invoice, "company_id"),
        payload={"event": "sdi", "invoice": invoice_id, "number": invoice.number, **payload},
    )


def _deal_party(invoice: Any, column: str) -> uuid.UUID | None:
    from desktop_crm.models import Deal

    if invoice.deal_id is None:
        return None
    deal = Deal.get_or_none(Deal.id == invoice.deal_id)
    return getattr(deal, column) if deal is not None else None


def apply_receipts(parsed: ParsedMessage, user: object) -> list[str] | None:
    """The receipts in a fetched message applied to their invoices; None when it carries none."""
    found = [a for a in parsed.attachments if rules_sdi.is_receipt_name(a.filename)]
    if not found:
        return None
    lines: list[str] = []
    for attachment in found:
        receipt = rules_sdi.parse_receipt(attachment.content)
        if receipt is None:  # named like a receipt but unreadable: said, never applied
            lines.append(f"{attachment.filename}: ?")
            continue
        invoice = _invoice_of_file(receipt.file_name)
        if invoice is None:
            lines.append(f"{receipt.kind} {receipt.file_name}: ?")
            continue
        already = any(
            (a.payload or {}).get("kind") == receipt.kind
            and (a.payload or {}).get("receipt") == attachment.filename
            for a in _events(invoice)
        )
        if not already:
            _record_event(
                invoice, None, status=str(receipt.status), kind=str(receipt.kind),
                file=receipt.file_name, receipt=attachment.filename, sdi_id=receipt.sdi_id,
                errors=[[e.code, e.description] for e in receipt.errors], note=receipt.note,
            )
        lines.append(f"{receipt.kind} {receipt.file_name}: {receipt.status}")
    return lines


_LABELS = {
    "sent": N_("sent to SDI"),
    "delivered": N_("delivered (SDI)"),
    "rejected": N_("rejected by SDI"),
    "not_delivered": N_("not delivered (SDI)"),
    "accepted": N_("accepted (SDI)"),
    "refused": N_("refused (SDI)"),
    "deadline_passed": N_("terms expired (SDI)"),
    "attested": N_("attested (SDI)"),
}


def status_label(state: SdiState) -> str:
    """A short text of the SDI status for the invoice list ("delivered (SDI)")."""
    if state.status == rules_sdi.SdiStatus.SENT and state.outbox_status in ("queued", "sending"):
        return _("waiting in the outbox for SDI")
    if state.status == rules_sdi.SdiStatus.SENT and state.outbox_status in ("failed", "unknown"):
        return _("not sent to SDI: see the Outbox")
    label = _LABELS.get(state.status)
    return _(label) if label else state.status


def status_detail(state: SdiState) -> str:
    """The rejection's errors and the file, for a tooltip."""
    lines = [_("File {file}").format(file=state.file)]
    if state.sdi_id:
        lines.append(_("SDI identifier {id}").format(id=state.sdi_id))
    lines += [f"{code}: {text}" for code, text in state.errors]
    if state.outbox_error:
        lines.append(state.outbox_error)
    return "\n".join(lines)


def sdi_status(invoice_id: IdLike) -> SdiState | None:
    """The invoice's latest SDI status (None: never sent to SDI)."""
    with database.atomic():
        invoice = Invoice.alive().where(Invoice.id == as_uuid(invoice_id)).first()
        if invoice is None:
            return None
        events = _events(invoice)
        if not events:
            return None
        last = events[-1]
        payload = last.payload or {}
        outbox_status = outbox_error = ""
        if payload.get("status") == rules_sdi.SdiStatus.SENT and payload.get("message"):
            from desktop_crm.models import MailMessage

            message = MailMessage.alive().where(MailMessage.message_id == payload["message"]).first()
            if message is not None:
                outbox_status, outbox_error = str(message.status), str(message.last_error or "")
        return SdiState(
            invoice.id, str(payload.get("status", "")), str(payload.get("file", "")),
            str(payload.get("sdi_id", "")), last.done_at or last.created_at,
            tuple((str(c), str(d)) for c, d in payload.get("errors") or []),
            outbox_status, outbox_error,
        )
