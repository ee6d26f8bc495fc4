"""ISO 20022 camt.053 (BankToCustomerStatement), versions 001.02 and later: what Italian (and
most European) banks give as the account statement in XML.

``Document/BkToCstmrStmt/Stmt``: the account (``Acct/Id/IBAN``), then ``Ntry`` entries with
``Amt`` (and its ``Ccy``), ``CdtDbtInd`` (``CRDT`` money in, ``DBIT`` out), ``BookgDt``,
``AcctSvcrRef`` and ``NtryDtls/TxDtls``: references (``Refs/EndToEndId``, ``AcctSvcrRef``), the
parties (``RltdPties/Dbtr`` — its name ``Nm`` and ``Id/OrgId/Othr/Id``, under ``Pty`` from 001.08
on —, ``DbtrAcct``) and the remittance text (``RmtInf/Ustrd``). An entry with several transactions
(a batch) gives a line per transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.services.billing.statements.lines import (
    Direction,
    Statement,
    StatementLine,
    account_key,
)

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053."
_AMOUNT = re.compile(r"\d{1,15}(?:\.\d{1,5})?")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Any, *path: str) -> Any:
    """The first element down ``path`` (local names, any namespace), or ``None``."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _children(element: Any, name: str) -> list[Any]:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _text(element: Any, *path: str) -> str:
    found = _child(element, *path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _root(data: bytes) -> Any:
    from lxml import etree  # type: ignore[import-untyped]

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ValidationError(_("The statement is not well-formed XML (the file is damaged or cut "
                                "short): {reason}").format(reason=str(error)[:200])) from None


def _date(element: Any, where: str) -> dt.date | None:
    text = _text(element, "Dt") or _text(element, "DtTm")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationError(_("Entry {entry}: the date “{value}” is not a date.").format(
            entry=where, value=text[:40])) from None


def _amount(element: Any, where: str) -> tuple[Decimal, str]:
    text = (element.text or "").strip() if element is not None else ""
    if not _AMOUNT.fullmatch(text):
        raise ValidationError(_("Entry {entry}: the amount “{value}” is not an amount.").format(
            entry=where, value=text[:40]))
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValidationError(_("Entry {entry}: the amount “{value}” is not an amount.").format(
            entry=where, value=text[:40])) from None
    if value <= 0:
        raise ValidationError(_("Entry {entry}: the amount must be more than zero.").format(entry=where))
    if value != value.quantize(Decimal("0.01")):  # cents at most: no currency here has less
        raise ValidationError(_("Entry {entry}: the amount “{value}” is not an amount.").format(
            entry=where, value=text[:40]))
    return value.quantize(Decimal("0.01")), (element.get("Ccy") or "").upper()


def _party(parties: Any, role: str) -> tuple[str, str, str]:
    """Name, tax id and account of the debtor (``role`` = ``Dbtr``) of a transaction."""
    party = _child(parties, role)
    if party is not None and _child(party, "Pty") is not None:  # 001.08 and later
        party = _child(party, "Pty")
    name = _text(party, "Nm")
    tax_id = _text(party, "Id", "OrgId", "Othr", "Id") or _text(party, "Id", "PrvtId", "Othr", "Id")
    account = _text(parties, f"{role}Acct", "Id", "IBAN") or _text(parties, f"{role}Acct", "Id", "Othr", "Id")
    return name, re.sub(r"^IT", "", tax_id.replace(" ", ""), flags=re.IGNORECASE), account_key(account)


def _entry_lines(entry: Any, account: str, currency: str, where: str) -> list[StatementLine]:
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise ValidationError(_("Entry {entry}: “{value}” is neither a credit (CRDT) nor a debit "
                                "(DBIT).").format(entry=where, value=indicator[:20]))
    direction = Direction.IN if indicator == "CRDT" else Direction.OUT
    amount, entry_currency = _amount(_child(entry, "Amt"), where)
    booked = _date(_child(entry, "BookgDt"), where) or _date(_child(entry, "ValDt"), where)
    if booked is None:
        raise ValidationError(_("Entry {entry}: it has no booking date.").format(entry=where))
    entry_ref = _text(entry, "AcctSvcrRef")
    transactions = [t for d in _children(entry, "NtryDtls") for t in _children(d, "TxDtls")]
    if len(transactions) <= 1:
        parts = [(amount, entry_currency, transactions[0] if transactions else None)]
    else:
        parts = []
        for tx in transactions:
            tx_amount = _child(tx, "Amt") if _child(tx, "Amt") is not None else \
                _child(tx, "AmtDtls", "TxAmt", "Amt")
            value, tx_currency = _amount(tx_amount, where)
            parts.append((value, tx_currency or entry_currency, tx))
    lines = []
    for index, (value, ccy, tx) in enumerate(parts):
        name, tax_id, payer_account = _party(_child(tx, "RltdPties"), "Dbtr")
        purpose = " ".join(_text(u) for u in _children(_child(tx, "RmtInf"), "Ustrd")) \
            or _text(entry, "AddtlNtryInf")
        reference = (_text(tx, "Refs", "AcctSvcrRef") or _text(tx, "Refs", "EndToEndId")
                     if tx is not None else "")
        if reference in ("", "NOTPROVIDED"):
            reference = f"{entry_ref}#{index}" if entry_ref else ""
        end_to_end = _text(tx, "Refs", "EndToEndId") if tx is not None else ""
        number = end_to_end if end_to_end not in ("", "NOTPROVIDED") else entry_ref
        lines.append(StatementLine(
            direction=direction, account=account, number=number[:40],
            date=booked, amount=value, currency=ccy or currency, payer_name=name,
            payer_tax_id=tax_id, payer_account=payer_account, purpose=purpose, bank_ref=reference,
        ))
    return lines


def parse(data: bytes) -> Statement:
    root = _root(data)
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    if not namespace.startswith(NAMESPACE_PREFIX):
        kind = namespace.rsplit(":", 1)[-1] if namespace else _local(root.tag)
        raise ValidationError(_("This XML file is not a camt.053 bank statement (it is “{kind}”).").format(
            kind=kind[:60]))
    report = _child(root, "BkToCstmrStmt")
    statements = _children(report, "Stmt")
    if not statements:
        raise ValidationError(_("The camt.053 file holds no statement (no “Stmt”)."))
    accounts: list[str] = []
    lines: list[StatementLine] = []
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    for statement in statements:
        account = account_key(_text(statement, "Acct", "Id", "IBAN")
                              or _text(statement, "Acct", "Id", "Othr", "Id"))
        if not account:
            raise ValidationError(_("A statement in the file names no account (Acct/Id/IBAN)."))
        accounts.append(account)
        currency = _text(statement, "Acct", "Ccy").upper()
        period = _child(statement, "FrToDt")
        for tag, bucket in (("FrDtTm", starts), ("ToDtTm", ends)):
            text = _text(period, tag)
            if text:
                try:
                    bucket.append(dt.date.fromisoformat(text[:10]))
                except ValueError:
                    raise ValidationError(_("The statement's period “{value}” is not a date.").format(
                        value=text[:40])) from None
        for number, entry in enumerate(_children(statement, "Ntry"), start=1):
            status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
            if status and status not in ("BOOK",):
                continue  # pending or informational entries are not money yet
            lines.extend(_entry_lines(entry, account, currency, _text(entry, "NtryRef") or str(number)))
    return Statement("camt053", tuple(dict.fromkeys(accounts)), min(starts) if starts else None,
                     max(ends) if ends else None, lines)
