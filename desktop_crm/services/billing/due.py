"""An invoice's due date from its payment terms: «30 days», «оплата в течение 5 банковских дней»,
«pagamento a 60 giorni» give the days after the issue date; terms that name no days give the
business's usual term for the seller's country (``documents.invoice_due_days``).

A draft's due date stays empty until the user sets one: issuing then dates it from the issue date,
so a draft issued a week later is not due a week early.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from desktop_crm.services.billing import documents

# a number of days in English, Russian or Italian: «30 days», «5 банковских дней», «60 gg»
_DAYS = re.compile(
    r"(?<!\d)(\d{1,3})\s*(?:(?:calendar|working|business|bank|календарн\w*|рабоч\w*|банковск\w*"
    r"|lavorativ\w*)\s+)?(?:days?|дн(?:ей|я|ь)?\b|день|giorni|gg\b\.?)",
    re.IGNORECASE,
)


def days_in_terms(text: str) -> int | None:
    """The number of days the payment terms name, or None."""
    match = _DAYS.search(text or "")
    return int(match.group(1)) if match else None


def payment_text(terms: Iterable[Mapping[str, Any]] | None) -> str:
    """The payment terms among a document's terms (``[{"key", "text"}]``)."""
    return next((str(t.get("text") or "") for t in terms or () if t.get("key") == "payment"), "")


def payment_days(terms_text: str, country: str | None) -> int:
    days = days_in_terms(terms_text)
    return days if days is not None else documents.invoice_due_days(country)


def due_date(issue_date: dt.date, terms_text: str, country: str | None) -> dt.date:
    return issue_date + dt.timedelta(days=payment_days(terms_text, country))


__all__ = ["days_in_terms", "due_date", "payment_days", "payment_text"]
