"""Italy's rules for quotes and invoices, FatturaPA included (documents.md §2)."""

from desktop_crm.countries.it.rules import ITALY, Italy

__all__ = ["ITALY", "Italy"]
