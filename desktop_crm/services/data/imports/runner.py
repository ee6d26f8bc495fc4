"""The import run itself (see ``engine``)."""

from __future__ import annotations

from desktop_crm.services.data.imports.engine import (
    Cancel,
    ImportReport,
    ImportRequest,
    PreviewRow,
    Progress,
)


def preview(request: ImportRequest, limit: int) -> list[PreviewRow]:
    raise NotImplementedError


def run_import(request: ImportRequest, progress: Progress | None, cancel: Cancel | None) -> ImportReport:
    raise NotImplementedError
