"""Import tests: a small sales world on a fresh database (SQLite file, PostgreSQL database) with
real commits, so that undo and the chunks' transactions are what they are in the product."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_crm.models import ALL_MODELS, LOCAL_MODELS
from desktop_crm.services.sales import rules
from tests.rules.conftest import World, build_world


@pytest.fixture
def world(any_db: Any) -> Iterator[World]:
    rules.CONTACT_PRESET.set("light")
    yield build_world()


@pytest.fixture
def sqlite_world(db: Any) -> Iterator[World]:
    rules.CONTACT_PRESET.set("light")
    yield build_world()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (import bookkeeping aside), for comparing a database before and after."""
    tables = {}
    for model in ALL_MODELS:
        tables[model._meta.table_name] = [
            tuple(str(v) for v in row) for row in model.select().order_by(model.id).tuples()]
    return tables


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


__all__ = ["LOCAL_MODELS", "snapshot", "write"]
