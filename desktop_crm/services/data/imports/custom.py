"""Custom fields in imports: a column mapped to ``cf_<key>`` is read by the field's kind (each
refusal names the field, and the row is rejected before anything of it is written), and stored on
the record the row created or merged into, recorded in the batch so that Undo takes it back."""

from __future__ import annotations

from typing import Any

from desktop_crm.errors import ValidationError
from desktop_crm.models import CustomValue
from desktop_crm.models.custom import value_id
from desktop_crm.services.data.imports.engine import RowAction
from desktop_crm.services.data.imports.mapping import CUSTOM_PREFIX, custom_field_of
from desktop_crm.services.data.imports.rows import Context, MappedRow, Outcome
from desktop_crm.services.system import custom_values
from desktop_crm.services.system.custom_fields import CustomFieldDTO


class CustomColumns:
    """The custom fields of one import's mapping, read once."""

    def __init__(self, entity: str, names: list[str]) -> None:
        self.entity = entity
        self.fields: dict[str, CustomFieldDTO] = {}
        for name in names:
            item = custom_field_of(entity, name) if name.startswith(CUSTOM_PREFIX) else None
            if item is not None:
                self.fields[name] = item

    def take(self, row: MappedRow) -> None:
        """Move the row's custom cells out of its values, parsed (or its problems noted)."""
        for name, item in self.fields.items():
            text = row.values.pop(name, None)
            if text is None:
                continue
            row.custom_text[name] = text
            try:
                row.custom[name] = custom_values.parse_value(item, text)
            except ValidationError as error:
                row.problems.append(error.message)

    def store(self, outcomes: list[Outcome], ctx: Context) -> None:
        """Write the parsed values of the rows written (inside the chunk's transaction). Merging
        into a record keeps the values it has unless the file wins."""
        for outcome in outcomes:
            record = outcome.record_id
            if record is None or not outcome.row.custom or outcome.action not in (
                    RowAction.CREATE, RowAction.MERGE):
                continue
            for name, columns in outcome.row.custom.items():
                self._store_one(self.fields[name], record, columns, ctx)

    def _store_one(self, item: CustomFieldDTO, record: Any, columns: dict[str, Any],
                   ctx: Context) -> None:
        row_id = value_id(item.id, record)
        existing = CustomValue.get_or_none(CustomValue.id == row_id)
        has_value = existing is not None and existing.deleted_at is None and any(
            getattr(existing, column) is not None for column in columns)
        if has_value and not ctx.file_wins:
            return
        merging = ctx.writer.merging("custom_value", row_id) if existing is not None else None
        custom_values.import_values(self.entity, record, [(item, columns)])
        if existing is None:
            ctx.writer.created("custom_value", row_id)
        else:
            ctx.writer.merged_if_changed(merging)
