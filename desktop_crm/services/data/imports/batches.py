"""Import batches: what one import created and merged, and taking it back (see ``engine``)."""

from __future__ import annotations

from desktop_crm.ids import IdLike
from desktop_crm.services.data.imports.engine import BatchInfo, UndoReport


def undo_import(batch_id: IdLike) -> UndoReport:
    raise NotImplementedError


def recover_unfinished() -> int:
    return 0


def list_batches(limit: int) -> list[BatchInfo]:
    return []
