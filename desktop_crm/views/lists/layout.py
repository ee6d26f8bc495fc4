"""A list's column layout, remembered per user by column key: order, widths and which columns
show. Keyed, so that columns added later (a new custom field) or gone (an archived one) leave the
rest of the layout as the user made it; the header's old binary state is still read once."""

from __future__ import annotations

import base64
from typing import Any

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QHeaderView

from desktop_crm.services.listing.lists import ListSpec

Layout = list[list[Any]]  # [[key, width, hidden], …] in the order shown


def layout_of(header: QHeaderView, spec: ListSpec) -> Layout:
    ordered = sorted(range(header.count()), key=header.visualIndex)
    return [[spec.columns[i].key, header.sectionSize(i), header.isSectionHidden(i)]
            for i in ordered if i < len(spec.columns)]


def restore_layout(header: QHeaderView, spec: ListSpec, state: dict[str, Any]) -> bool:
    """Apply the saved layout (keyed, else the old binary header state when its columns still
    match); whether anything was restored."""
    saved = state.get("columns")
    if isinstance(saved, list) and saved:
        return _restore_keyed(header, spec, saved)
    encoded = state.get("header")
    if not encoded:
        return False
    try:
        data = QByteArray(base64.b64decode(encoded))
    except ValueError:
        return False
    return header.restoreState(data) and header.count() == len(spec.columns)


def _restore_keyed(header: QHeaderView, spec: ListSpec, saved: list[Any]) -> bool:
    index = {c.key: n for n, c in enumerate(spec.columns)}
    position = 0
    for entry in saved:
        if not (isinstance(entry, list) and len(entry) == 3 and entry[0] in index):
            continue
        key, width, hidden = entry
        logical = index[key]
        if isinstance(width, int) and width > 0:
            header.resizeSection(logical, width)
        header.setSectionHidden(logical, bool(hidden))
        header.moveSection(header.visualIndex(logical), position)
        position += 1
    if header.count() == header.hiddenSectionCount() and header.count():
        header.setSectionHidden(0, False)  # never a list without columns
    return position > 0
