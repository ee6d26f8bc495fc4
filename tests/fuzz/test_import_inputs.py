"""Property-based tests of imports: hostile cells through every entity's import, hostile bytes
through the file readers (see ``test_service_inputs`` for the values and the two databases).

* a file either reads as a table or is refused with an ``ImportFileError`` (never another error);
* an import never raises anything but a ``CrmError``; every row it refuses is reported with a
  translated reason and leaves nothing behind: an import whose rows were all refused or skipped
  leaves every table as it was (its batch row aside), and what it accepts is stored clean.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_crm.errors import CrmError
from desktop_crm.services.data.imports import engine, formats, mapping
from desktop_crm.services.data.imports.engine import ImportRequest, OnDuplicate
from desktop_crm.services.data.imports.formats import ImportFileError, Table
from tests.fuzz.test_service_inputs import (
    HOSTILE_DATE,
    HOSTILE_NUMBER,
    HOSTILE_TEXT,
    dump,
    fuzz,
    hostile_values,
)
from tests.rules.conftest import build_world

CELL = st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER.map(str), HOSTILE_DATE.map(str), st.text(max_size=30))
_BOOKKEEPING = ("import_batch", "import_batch_item")


@pytest.fixture
def fuzz_world(fuzz_db):
    return build_world()


def _without_batches(tables):
    return {name: rows for name, rows in tables.items() if name not in _BOOKKEEPING}


@pytest.mark.parametrize("entity", mapping.IMPORT_ENTITIES)
@fuzz
@given(data=st.data())
def test_hostile_cells_are_refused_cleanly(fuzz_world, entity, data):
    fields = [f.name for f in mapping.import_fields(entity)]
    headers = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=6, unique=True))
    rows = data.draw(st.lists(st.lists(CELL, min_size=0, max_size=len(headers) + 1),
                              min_size=1, max_size=4))
    choice = data.draw(st.sampled_from(list(OnDuplicate)))
    request = ImportRequest(entity, Table(headers, rows, "csv"), {h: h for h in headers},
                            on_duplicate=choice, create_missing=data.draw(st.booleans()))
    before = dump()
    try:
        report = engine.run_import(request)
    except CrmError as refusal:  # the mapping itself refused: nothing written at all
        assert refusal.message
        assert dump() == before
        return
    for rejected in report.rejected:
        assert rejected.reasons and all(isinstance(r, str) and r for r in rejected.reasons)
    assert report.created + report.merged + report.skipped + len(report.rejected) >= 1
    if report.created == report.merged == 0:
        assert _without_batches(dump()) == _without_batches(before)
    assert hostile_values(dump()) == []


@fuzz
@given(head=st.sampled_from([b"", b"PK\x03\x04", b"BEGIN:VCARD\r\n", b"\xef\xbb\xbf", b"\xff\xfe",
                             b"Name;Phone\n", b"<html>"]),
       body=st.binary(max_size=300),
       asked=st.sampled_from(["auto", "csv", "xlsx", "vcard"]))
def test_any_bytes_read_as_a_table_or_are_refused(tmp_path_factory, head, body, asked):
    path = tmp_path_factory.mktemp("files") / "file"
    path.write_bytes(head + body)
    try:
        table = formats.read_table(path, asked)
    except ImportFileError as refusal:
        assert refusal.message
    else:
        assert table.headers and all(isinstance(h, str) for h in table.headers)
