"""1CClientBankExchange: the text statement Russian banks and 1C export (format 1.02/1.03).

``key=value`` lines in Windows-1251 (``Кодировка=Windows``), sometimes DOS (cp866) or UTF-8: a
header (``1CClientBankExchange``, ``ВерсияФормата``, ``РасчСчет`` …), ``СекцияРасчСчет`` …
``КонецРасчСчет`` with the balances of each account, one ``СекцияДокумент=<вид>`` …
``КонецДокумента`` per payment and ``КонецФайла``. A document is money in when its recipient's
account (``ПолучательСчет``) is one of the statement's accounts, money out when its payer's is.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.services.billing.statements.lines import (
    Direction,
    Statement,
    StatementLine,
    account_key,
)

MAGIC = "1CClientBankExchange"
_MARKERS = ("ВерсияФормата", "КонецФайла", "СекцияДокумент", "СекцияРасчСчет", "РасчСчет")
_AMOUNT = re.compile(r"\d{1,15}(?:[.,]\d{1,2})?")
_INN_PREFIX = re.compile(r"^\s*ИНН\s*\d{10,12}\s*", re.IGNORECASE)


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), Windows-1251 or DOS (cp866), whichever makes
    the format's Russian keys readable; a translated refusal when none does."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        head = data[:400].decode("latin-1")
        dos_first = re.search(r"\n\s*\S+=DOS\s*$", head, re.MULTILINE | re.IGNORECASE) is not None
        candidates = ["utf-8", "cp866", "cp1251"] if dos_first else ["utf-8", "cp1251", "cp866"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if sum(marker in text for marker in _MARKERS) >= 2:
            return text
    raise ValidationError(_(
        "The statement's text cannot be read: it is in neither Windows-1251, DOS nor UTF-8 "
        "encoding. Export it again from the bank or 1C."))


def _date(value: str, what: str, where: int) -> dt.date:
    try:
        return dt.datetime.strptime(value.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise ValidationError(_("Line {line}: {field} “{value}” is not a date (dd.mm.yyyy).").format(
            line=where, field=what, value=value.strip()[:40])) from None


def _amount(value: str, where: int) -> Decimal:
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if not _AMOUNT.fullmatch(text):
        raise ValidationError(_("Line {line}: the amount “{value}” is not an amount.").format(
            line=where, value=value.strip()[:40]))
    try:
        amount = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValidationError(_("Line {line}: the amount “{value}” is not an amount.").format(
            line=where, value=value.strip()[:40])) from None
    if amount <= 0:
        raise ValidationError(_("Line {line}: the amount must be more than zero.").format(line=where))
    return amount.quantize(Decimal("0.01"))


def _sections(text: str) -> tuple[dict[str, list[str]], list[tuple[int, dict[str, str]]]]:
    """The header's values (a key may repeat: ``РасчСчет``) and each document's fields with the
    line it starts on; refuses a file cut short."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != MAGIC:
        raise ValidationError(_("This is not a 1CClientBankExchange statement: its first line "
                                "is not “1CClientBankExchange”."))
    header: dict[str, list[str]] = {}
    documents: list[tuple[int, dict[str, str]]] = []
    current: dict[str, str] | None = None
    in_account = False
    ended = False
    start = 0
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        key, _sep, value = line.partition("=")
        key = key.strip()
        if key == "КонецФайла":
            ended = True
            break
        if key == "СекцияДокумент":
            if current is not None:
                break  # a document not closed: refused below as cut short
            current, start = {"_kind": value.strip()}, number
        elif key == "КонецДокумента":
            if current is None:
                raise ValidationError(_("Line {line}: “КонецДокумента” without a document.").format(
                    line=number))
            documents.append((start, current))
            current = None
        elif key == "СекцияРасчСчет":
            in_account = True
        elif key == "КонецРасчСчет":
            in_account = False
        elif current is not None:
            current[key] = value.strip()
        elif key == "РасчСчет" or not in_account:
            header.setdefault(key, []).append(value.strip())
    if current is not None or not ended:
        raise ValidationError(_("The statement is cut short: it does not end with “КонецФайла” "
                                "(the file was not copied or exported completely)."))
    return header, documents


def _line(start: int, fields: dict[str, str], accounts: set[str]) -> StatementLine:
    payee = account_key(fields.get("ПолучательСчет") or fields.get("ПолучательРасчСчет") or "")
    payer_account = account_key(fields.get("ПлательщикСчет") or fields.get("ПлательщикРасчСчет") or "")
    if payee and payee in accounts:
        direction = Direction.IN
    elif payer_account and payer_account in accounts:
        direction = Direction.OUT
    else:
        direction = Direction.IN if fields.get("ДатаПоступило") else Direction.OUT
    date_text = fields.get("ДатаПоступило" if direction == Direction.IN else "ДатаСписано") \
        or fields.get("Дата", "")
    if not date_text:
        raise ValidationError(_("Line {line}: the document has no date.").format(line=start))
    if "Сумма" not in fields:
        raise ValidationError(_("Line {line}: the document has no amount.").format(line=start))
    name = fields.get("Плательщик1") or _INN_PREFIX.sub("", fields.get("Плательщик", ""))
    purpose = fields.get("НазначениеПлатежа", "")
    extra = [fields[f"НазначениеПлатежа{n}"] for n in range(1, 7) if fields.get(f"НазначениеПлатежа{n}")]
    if extra and not purpose:
        purpose = " ".join(extra)
    account = payee if direction == Direction.IN else payer_account
    return StatementLine(
        direction=direction, account=account, number=fields.get("Номер", "").strip(),
        date=_date(date_text, "Дата", start), amount=_amount(fields["Сумма"], start),
        currency="RUB", payer_name=name.strip(), payer_tax_id=fields.get("ПлательщикИНН", "").strip(),
        payer_account=payer_account, purpose=" ".join(purpose.split()),
    )


def parse(data: bytes) -> Statement:
    text = decode(data)
    header, documents = _sections(text)
    accounts = {account_key(a) for a in header.get("РасчСчет", []) if a.strip()}
    start = header.get("ДатаНачала", [""])[0]
    end = header.get("ДатаКонца", [""])[0]
    lines = [_line(where, fields, accounts) for where, fields in documents]
    if not accounts:
        accounts = {line.account for line in lines if line.direction == Direction.IN and line.account}
    return Statement("1c", tuple(sorted(accounts)), _date(start, "ДатаНачала", 1) if start else None,
                     _date(end, "ДатаКонца", 1) if end else None, lines)
