"""What a bank statement holds once read, whatever its format: the statement's own accounts and
its lines, each money in (credit) or out (debit) of one of them."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal


class Direction(enum.StrEnum):
    IN = "in"  # money received: a client paying
    OUT = "out"  # money sent: ignored by the import


@dataclass(frozen=True)
class StatementLine:
    direction: Direction
    account: str  # the statement's account the money came into (or left): РасчСчет / IBAN
    number: str  # the bank document's number (платёжное поручение №), "" when the format has none
    date: dt.date  # booked (ДатаПоступило / BookgDt), else the document's date
    amount: Decimal  # always positive
    currency: str
    payer_name: str = ""
    payer_tax_id: str = ""  # ИНН / Partita IVA (or codice fiscale) of the payer
    payer_account: str = ""
    purpose: str = ""  # НазначениеПлатежа / RmtInf Ustrd
    bank_ref: str = ""  # the bank's own reference (AcctSvcrRef, EndToEndId): stable across exports

    @property
    def key(self) -> str:
        """A stable key of this bank line: the same payment exported twice (the same file, or a
        later statement overlapping it) has the same key, so it is never registered twice."""
        who = self.payer_tax_id or self.payer_account or " ".join(self.payer_name.lower().split())
        if self.bank_ref:
            parts = [self.account, "ref", self.bank_ref, self.date.isoformat(), f"{self.amount:.2f}"]
        else:
            parts = [self.account, "doc", self.number, self.date.isoformat(), f"{self.amount:.2f}",
                     who]
        return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Statement:
    format: str  # "1c" (1CClientBankExchange) or "camt053"
    accounts: tuple[str, ...]  # the statement's own accounts (normalised)
    period_from: dt.date | None
    period_to: dt.date | None
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def incoming(self) -> list[StatementLine]:
        return [line for line in self.lines if line.direction == Direction.IN]

    @property
    def outgoing(self) -> list[StatementLine]:
        return [line for line in self.lines if line.direction == Direction.OUT]


def account_key(value: str) -> str:
    """An account number or IBAN as compared: no spaces, upper case."""
    return "".join(value.split()).upper()
