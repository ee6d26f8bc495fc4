"""The ``bitrix24`` import format: Bitrix24's CSV and "Excel" (HTML) exports, read by
:mod:`desktop_crm.services.data.crm_exports.bitrix24`, plugged into :mod:`.formats`."""

from __future__ import annotations

from pathlib import Path

from desktop_crm.i18n import N_
from desktop_crm.services.data.crm_exports import bitrix24 as reader
from desktop_crm.services.data.imports.formats import Table, register_format, unique_headers


def sniff(path: Path, head: bytes) -> bool:
    return reader.sniff(path)


def read(path: Path) -> Table:
    table = reader.read(path)
    return Table(unique_headers(table.headers), table.rows, reader.NAME, table.encoding,
                 table.delimiter)


register_format(reader.NAME, sniff, read, reader.HINTS,
                label=N_("Bitrix24 export (CSV or Excel)"), priority=10)
