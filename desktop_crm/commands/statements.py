"""``desktop-crm import-statement FILE --db DB [--json]``: import a bank statement
(1CClientBankExchange or ISO 20022 camt.053). Incoming payments matched to issued invoices are
registered as payments; the command prints the matched invoices (number, date, amount), the
payments left for review and those an earlier import already registered (``known``).
``--json``: ``{"matched": [...], "unmatched": [...], "known": [...]}``, each item with ``number``,
``date`` (ISO) and ``amount`` (a decimal string) — for matched and known the invoice's number and
date and the amount registered, for unmatched the bank document's number, date and amount.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_crm.commands import database_arg, signed_in

if TYPE_CHECKING:
    from desktop_crm.services.billing.statements.imports import BankLineView, StatementReview


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import-statement",
        help="import a bank statement (1CClientBankExchange or camt.053): register the payments "
             "of issued invoices, list the rest")
    parser.add_argument("file", help="the statement file (.txt from 1C or the bank, .xml camt.053)")
    parser.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument("--user", default="",
                        help="login of the user who imports (default: the first administrator); "
                             "the user's rights apply")
    parser.set_defaults(func=run)


def _item(line: BankLineView, registered: bool) -> dict[str, Any]:
    if registered:
        item: dict[str, Any] = {
            "number": line.invoice_number,
            "date": line.invoice_date.isoformat() if line.invoice_date else None,
            "amount": str(line.paid if line.paid is not None else line.amount),
        }
    else:
        item = {"number": line.number, "date": line.booked_on.isoformat(), "amount": str(line.amount)}
    item.update({
        "paid_on": line.booked_on.isoformat(), "bank_number": line.number, "currency": line.currency,
        "payer": line.payer, "payer_tax_id": line.payer_tax_id, "purpose": line.purpose,
    })
    if not registered:
        item["reason"] = line.reason
        item["invoice"] = line.invoice_number or None
    return item


def _print_text(review: StatementReview) -> None:
    from desktop_crm.i18n import _

    groups = (
        (_("Matched invoices:"), review.matched, True),
        (_("Payments to review:"), review.unmatched, False),
        (_("Already registered by an earlier import:"), review.known, True),
    )
    for title, lines, registered in groups:
        print(f"{title} {len(lines)}")
        for line in lines:
            if registered:
                print("  " + _("invoice {number} of {date}: {amount} (paid {paid_on} by {payer})").format(
                    number=line.invoice_number, date=line.invoice_date or "—",
                    amount=line.paid if line.paid is not None else line.amount,
                    paid_on=line.booked_on.isoformat(), payer=line.payer or "—"))
            else:
                print("  " + _("payment {number} of {date}: {amount} {currency} from {payer} — "
                               "{reason}; “{purpose}”").format(
                    number=line.number or "—", date=line.booked_on.isoformat(), amount=line.amount,
                    currency=line.currency, payer=line.payer or "—", reason=line.reason_text,
                    purpose=line.purpose))
    if review.ignored:
        print(_("Ignored earlier: {count}").format(count=len(review.ignored)))
    if review.outgoing:
        print(_("Outgoing payments skipped: {count}").format(count=review.outgoing))
    if review.elsewhere:
        print(_("Payments into other accounts skipped: {count}").format(count=review.elsewhere))


def run(args: argparse.Namespace) -> int:
    from desktop_crm.services.billing.statements.imports import import_statement

    path = Path(args.file)
    data = path.read_bytes()  # a missing or unreadable file: one line from cli.run_command
    with signed_in(args) as user:
        review = import_statement(data, path.name, user.id)
    if args.json:
        payload = {
            "matched": [_item(line, True) for line in review.matched],
            "unmatched": [_item(line, False) for line in review.unmatched],
            "known": [_item(line, True) for line in review.known],
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    _print_text(review)
    return 0
