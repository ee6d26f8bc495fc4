"""Russia's rules for quotes and invoices (documents.md §1)."""

from desktop_crm.countries.ru.payment import gost_payload, rub_in_words
from desktop_crm.countries.ru.rules import RUSSIA, Russia

__all__ = ["RUSSIA", "Russia", "gost_payload", "rub_in_words"]
