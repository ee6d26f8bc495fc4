"""``desktop-crm render``: a deal's quote, invoice or other paper to PDF, DOCX or FatturaPA XML.

    desktop-crm render --db URL --deal ID --kind KIND --lang ru|it --format pdf|docx|xml
                       -o FILE [--issue] [--source deal|quote|invoice]
                       [--seller NAME|ИНН|P.IVA]

KIND is any document kind (``templates/documents/kinds.json`` and the user's ``kinds.json``):
``quote``, ``invoice``, ``act``, ``upd``, ``contract``, ``ddt``, or a user-defined kind by name.
Kinds other than quotes and invoices are made from the deal's invoice, quote or lines (the kind's
sources, or ``--source``) and rendered as drafts; with ``--issue`` they are numbered from their
kind's series, frozen and stored (``services.billing.paper_issue``).

Uses the deal's current document (the newest quote revision that is not superseded, or the newest
invoice that is not cancelled) and creates a draft from the deal's lines when there is none.
``--seller`` names the own company selling (by name, ИНН or Partita IVA): a new draft takes it and a
draft changes to it; without it the deal's seller applies (the deal's own company, else the one
using the deal's currency). ``--issue`` sends the quote / issues the invoice first: the number is
assigned and the document is frozen, so the file written is the stored, issued one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_crm.commands import _refuse, database_arg, output_file, shown, signed_in, uuid_text


def kind_code(value: str) -> str:
    """A document kind's code (lowercase letters and underscores); whether it exists is checked
    against the kinds when the command runs."""
    import re

    from desktop_crm.i18n import _

    if not re.fullmatch(r"[a-z][a-z_]{1,30}", value):
        raise _refuse(_("“{value}” is not a document kind (such as quote, invoice, act, upd, contract "
                        "or ddt).").format(value=shown(value)))
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("render", help="render a deal's quote or invoice to a file")
    parser.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    parser.add_argument("--deal", required=True, type=uuid_text, help="the deal's id")
    parser.add_argument("--kind", required=True, type=kind_code,
                        help="quote, invoice, credit_note, act, upd, contract, ddt or a user-defined "
                        "kind (see kinds.json in the template folders)")
    parser.add_argument("--source", choices=("deal", "quote", "invoice"),
                        help="what a paper other than a quote or invoice is made from")
    parser.add_argument("--lang", choices=("ru", "it", "en"), dest="doc_lang",
                        help="document language for a draft (default: the seller's country)")
    parser.add_argument("--format", required=True, choices=("pdf", "docx", "xml"), dest="fmt")
    parser.add_argument("-o", "--output", required=True, type=output_file, help="file to write")
    parser.add_argument("--issue", action="store_true",
                        help="send the quote / issue the invoice or paper first")
    parser.add_argument("--user", default="",
                        help="login of the user who renders (default: the first administrator); "
                             "the user's rights apply")
    parser.add_argument("--seller", help="own company (name, ИНН or Partita IVA) selling; "
                        "default: the deal's seller")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _
    try:
        _known_kind(args.kind)
        with signed_in(args):
            number, stored = _render(args)
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    state = _("issued") if stored else _("draft")
    print(_("{kind} {number} ({state}) written to {path}").format(
        kind=args.kind, number=number or "—", state=state, path=args.output))
    return 0


def _known_kind(code: str) -> None:
    from desktop_crm.documents.kinds import kind

    if code != "credit_note":  # a nota di credito is an invoice crediting another (TD04)
        kind(code)  # a TemplateError naming the known kinds


def _render_paper(args: argparse.Namespace) -> tuple[str, bool]:
    from desktop_crm.errors import ValidationError
    from desktop_crm.i18n import _
    from desktop_crm.services.billing import papers

    if args.issue:
        from desktop_crm.models import FileFormat
        from desktop_crm.services.billing import paper_issue

        if FileFormat(args.fmt) == FileFormat.XML:
            raise ValidationError(_("A {kind} has no XML format; choose PDF or DOCX.").format(kind=args.kind))
        issued = paper_issue.issue_paper(args.deal, args.kind, args.source, args.doc_lang)
        stored = paper_issue.render_issued(issued.id, args.fmt)
        Path(args.output).write_bytes(stored.content)
        return issued.number, True
    rendered = papers.render_paper(args.deal, args.kind, args.fmt, args.source, args.doc_lang)
    Path(args.output).write_bytes(rendered.content)
    return "", False


def _render_credit_note(args: argparse.Namespace) -> tuple[str, bool]:
    """The deal's credit note (nota di credito); with ``--issue``, issued first for the deal's
    newest issued invoice when it has none."""
    from desktop_crm.errors import ValidationError
    from desktop_crm.i18n import _
    from desktop_crm.models import Invoice, InvoiceStatus
    from desktop_crm.services.billing import credit_notes, documents, rendering

    deal_id = documents.existing_deal(args.deal)
    note = (Invoice.alive().where(Invoice.deal == deal_id, Invoice.credit_for.is_null(False))
            .order_by(Invoice.created_at.desc()).first())
    if note is None:
        invoice = (Invoice.alive()
                   .where(Invoice.deal == deal_id, Invoice.credit_for.is_null(),
                          Invoice.status.not_in([InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED]))
                   .order_by(Invoice.created_at.desc()).first())
        if invoice is None:
            raise ValidationError(_("The deal has no issued invoice to credit."))
        if not args.issue:
            raise ValidationError(_("The deal has no credit note yet: add --issue to issue one for "
                                    "its invoice {number}.").format(number=invoice.number))
        note = credit_notes.issue_credit_note(invoice.id)
    rendered = rendering.render(note.id, "invoice", args.fmt)
    Path(args.output).write_bytes(rendered.content)
    return str(note.number), rendered.stored


def _render(args: argparse.Namespace) -> tuple[str, bool]:
    from desktop_crm.errors import ValidationError
    from desktop_crm.i18n import _
    from desktop_crm.models import Invoice, InvoiceStatus
    from desktop_crm.services.billing import documents, invoices, quotes, rendering

    if args.kind == "credit_note":
        return _render_credit_note(args)
    if args.kind not in ("quote", "invoice"):
        return _render_paper(args)
    deal_id = documents.existing_deal(args.deal)
    seller = documents.find_own_company(args.seller) if getattr(args, "seller", None) else None
    if args.kind == "quote":
        document = quotes.current_quote(deal_id)
        if document is None:
            document = quotes.create_from_deal(deal_id, own_company_id=seller)
    else:
        document = (
            Invoice.alive()
            .where(Invoice.deal == deal_id, Invoice.status != InvoiceStatus.CANCELLED)
            .order_by(Invoice.created_at.desc())
            .first()
        ) or invoices.create_from_deal(deal_id, own_company_id=seller)
    if seller is not None and str(seller) != str(document.own_company_id):
        if str(document.status) != "draft":
            raise ValidationError(_("The document was issued by another of your companies; "
                                    "cancel it to issue it from {seller}.").format(seller=args.seller))
        service = quotes if args.kind == "quote" else invoices
        document = service.save_draft(document.id, {"own_company": seller})
    if args.doc_lang and args.doc_lang != document.language:
        if str(document.status) != "draft":
            raise ValidationError(
                _("The document was issued in {issued}; it cannot be rendered in {asked}.").format(
                    issued=document.language, asked=args.doc_lang
                )
            )
        service = quotes if args.kind == "quote" else invoices
        document = service.save_draft(document.id, {"language": args.doc_lang})
    if args.issue and str(document.status) == "draft":
        document = quotes.send(document.id) if args.kind == "quote" else invoices.issue(document.id)
    rendered = rendering.render(document.id, args.kind, args.fmt)
    Path(args.output).write_bytes(rendered.content)
    return document.number, rendered.stored
