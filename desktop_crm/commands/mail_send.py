"""``desktop-crm mail send-document`` and ``desktop-crm mail flush`` (see ``commands/mail.py``)."""

from __future__ import annotations

import argparse

from desktop_crm.commands import signed_in, uuid_text
from desktop_crm.commands.mail import common_arguments
from desktop_crm.commands.render import kind_code


def register(group: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = group.add_parser("send-document", help="e-mail a deal's quote, invoice or other paper")
    common_arguments(send)
    send.add_argument("--deal", required=True, type=uuid_text, help="the deal's id")
    send.add_argument("--kind", required=True, type=kind_code,
                      help="quote, invoice, act, upd, contract, ddt or a user-defined kind")
    send.add_argument("--to", required=True, help="the recipient's address (several: a,b)")
    send.add_argument("--cc", default="", help="addresses in copy")
    send.add_argument("--lang", choices=("ru", "it", "en"), dest="mail_lang",
                      help="language of the message (default: the document's)")
    send.add_argument("--format", choices=("pdf", "docx", "xml"), action="append", dest="formats",
                      help="file(s) to attach (default: pdf)")
    send.add_argument("--smtp", help="smtp://user:password@host:port (smtps:// for TLS): "
                                     "overrides the user's mail account")
    send.set_defaults(func=run_send)
    flush = group.add_parser("flush", help="send the queued e-mail")
    common_arguments(flush)
    flush.add_argument("--smtp", help="smtp://user:password@host:port (smtps:// for TLS): "
                                      "overrides the user's mail account")
    flush.set_defaults(func=run_flush)


def _override(args: argparse.Namespace) -> object:
    from desktop_crm.services.mail.transport import endpoint_from_url

    return endpoint_from_url(args.smtp, "smtp") if args.smtp else None


def run_send(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.models.enums import MailStatus
    from desktop_crm.services.mail import document_mail, sender
    from desktop_crm.services.mail.messages import message
    from desktop_crm.services.mail.transport import Endpoint

    override = _override(args)
    smtp = override if isinstance(override, Endpoint) else None
    with signed_in(args):
        queued = document_mail.queue_document(
            args.deal, args.kind, args.to, args.cc, language=args.mail_lang,
            formats=tuple(args.formats or ("pdf",)), override=smtp)
        report = sender.send_due(smtp=smtp)
        final = message(queued.id)
    if final.status == MailStatus.SENT:
        print(_("Sent to {to}: {subject}").format(to=", ".join(final.to), subject=final.subject))
    elif final.status == MailStatus.FAILED:
        print(_("Not sent: {reason}").format(reason=final.last_error))
    else:
        reason = final.last_error or "; ".join(report.errors)
        print(_("Left in the outbox (queued): {reason}").format(reason=reason or "—"))
    return 0


def run_flush(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import ngettext
    from desktop_crm.services.mail import sender
    from desktop_crm.services.mail.transport import Endpoint

    override = _override(args)
    smtp = override if isinstance(override, Endpoint) else None
    with signed_in(args):
        report = sender.send_due(smtp=smtp)
    print(ngettext("{count} message sent.", "{count} messages sent.", report.sent).format(
        count=report.sent))
    for error in dict.fromkeys(report.errors):
        print(error)
    return 0
