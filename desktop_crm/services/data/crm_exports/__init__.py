"""Readers of other CRMs' export files: Bitrix24 (CSV and its HTML "Excel") and amoCRM (CSV, XLSX).

``detect(path)`` names the CRM whose export a file is (or ``""``); ``read(path, name)`` gives its
:class:`~desktop_crm.services.data.crm_exports.common.ForeignTable`; ``references(table, mapping)``
lists the pipelines, stages and users it names, for the import to map them to ours.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from desktop_crm.services.data.crm_exports import amocrm, bitrix24
from desktop_crm.services.data.crm_exports.common import ForeignReferences, ForeignTable, references

READERS: dict[str, ModuleType] = {bitrix24.NAME: bitrix24, amocrm.NAME: amocrm}

__all__ = ["READERS", "ForeignReferences", "ForeignTable", "detect", "read", "references"]


def detect(path: Path | str) -> str:
    """``"bitrix24"`` or ``"amocrm"`` when the file is one of their exports, else ``""``."""
    for name, reader in READERS.items():
        if reader.sniff(Path(path)):
            return name
    return ""


def read(path: Path | str, name: str) -> ForeignTable:
    table: ForeignTable = READERS[name].read(Path(path))
    return table
