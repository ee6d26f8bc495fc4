"""``desktop-crm mail fetch``: read new mail over IMAP and link it to the CRM.

    desktop-crm mail fetch --db DB [--imap URL] [--user LOGIN]

``--imap imap://user:password@host:port`` (``imaps://`` for TLS from the start; a plain ``imap://``
uses STARTTLS unless ``?tls=none``) overrides the signed-in user's mail account. Prints what was
read, what was linked (and to which contact, company and deal), what was ignored and the SDI
receipts applied. Exit 0 when the mailbox was read, 1 with one line when it could not be.
"""

from __future__ import annotations

import argparse
import sys

from desktop_crm.commands import signed_in


def register(mail_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``fetch`` sub-command of the ``mail`` group."""
    from desktop_crm.commands.mail import common_arguments

    parser = mail_commands.add_parser("fetch", help="read new mail (IMAP) and link it to contacts and deals")
    common_arguments(parser)
    parser.add_argument("--imap", default="", help="imap[s]://user:password@host:port (default: the "
                        "signed-in user's mail account)")
    parser.set_defaults(func=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _, ngettext
    from desktop_crm.services.mail import fetch
    from desktop_crm.services.mail.transport import endpoint_from_url

    try:
        with signed_in(args) as user:
            endpoint = endpoint_from_url(args.imap, "imap") if args.imap else None
            result = fetch.fetch(user.id, endpoint)
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(ngettext("{count} new message read ({folders}).", "{count} new messages read ({folders}).",
                   result.read).format(count=result.read, folders=", ".join(result.folders) or "—"))
    for item in result.stored:
        arrow = "←" if item.incoming else "→"
        where = item.counterpart or item.sender
        if item.deal_id:
            print(_("{arrow} {sender}: “{subject}” — {party}, deal “{deal}”").format(
                arrow=arrow, sender=item.sender, subject=item.subject, party=where, deal=item.deal_title))
        else:
            print(_("{arrow} {sender}: “{subject}” — {party}").format(
                arrow=arrow, sender=item.sender, subject=item.subject, party=where))
    for line in result.receipts:
        print(_("SDI receipt: {line}").format(line=line))
    print(_("Linked: {linked}; already stored: {duplicates}; not from or to a known client: {ignored}."
            ).format(linked=len(result.stored), duplicates=result.duplicates, ignored=result.ignored))
    return 0
