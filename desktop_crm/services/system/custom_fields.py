"""Custom fields: the fields a business adds to deals, contacts, companies, leads and products.

* Defining, renaming, reordering, grouping in blocks and archiving them needs ``change_settings``.
* ``key`` is a stable slug made from the first label (``cf_<key>`` in lists and imports,
  ``custom.<key>`` in templates); renaming a field keeps it.
* A field that has values is archived (hidden, its values kept, restorable); one without values is
  removed.
* The preset (:func:`add_sales_preset`): BANT (budget, authority, need, timeframe), the decision
  maker and the competitors, for the deals of one pipeline. Preset fields and blocks are named by
  English msgids shown in the reader's language, and their ids are derived from the key, so two
  computers adding the preset make the same fields.

Values live in :mod:`desktop_crm.services.system.custom_values`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import N_, _, pgettext
from desktop_crm.ids import IdLike, PipelineId, as_uuid, optional_uuid
from desktop_crm.models import Action, CustomField, CustomFieldKind, CustomValue, Pipeline, database
from desktop_crm.models.base import column_text
from desktop_crm.models.custom import preset_field_id
from desktop_crm.services.system import rights
from desktop_crm.validation import enum_value, refuse, text_value

#: The entities that have custom fields, in the order Settings shows them.
CUSTOM_ENTITIES: tuple[Entity, ...] = (
    Entity.DEALS, Entity.CONTACTS, Entity.COMPANIES, Entity.LEADS, Entity.PRODUCTS,
)
ENTITY_LABELS = {
    Entity.DEALS: N_("Deals"),
    Entity.CONTACTS: N_("Contacts"),
    Entity.COMPANIES: N_("Companies"),
    Entity.LEADS: N_("Leads"),
    Entity.PRODUCTS: N_("Products"),
}


def kind_label(kind: CustomFieldKind) -> str:
    """The name of a kind of field, as Settings shows it."""
    return {
        CustomFieldKind.TEXT: pgettext("field kind", "Text"),
        CustomFieldKind.NUMBER: pgettext("field kind", "Number"),
        CustomFieldKind.MONEY: pgettext("field kind", "Money"),
        CustomFieldKind.DATE: pgettext("field kind", "Date"),
        CustomFieldKind.LIST: pgettext("field kind", "List"),
        CustomFieldKind.MULTI_LIST: pgettext("field kind", "Multiple choice"),
        CustomFieldKind.YES_NO: pgettext("field kind", "Yes/no"),
        CustomFieldKind.CONTACT_LINK: pgettext("field kind", "Contact"),
        CustomFieldKind.COMPANY_LINK: pgettext("field kind", "Company"),
    }[kind]


LIST_KINDS = frozenset({CustomFieldKind.LIST, CustomFieldKind.MULTI_LIST})
MAX_OPTIONS = 200
OPTION_LENGTH = 100

# The preset: (key, msgid of the label, kind, msgid of the block)
BANT_BLOCK = N_("BANT")
COMPETITORS_BLOCK = N_("Competitors")
PRESET_BLOCKS = frozenset({BANT_BLOCK, COMPETITORS_BLOCK})
SALES_PRESET: tuple[tuple[str, str, CustomFieldKind, str], ...] = (
    ("budget", N_("Budget"), CustomFieldKind.MONEY, BANT_BLOCK),
    ("authority", N_("Authority"), CustomFieldKind.TEXT, BANT_BLOCK),
    ("need", N_("Need"), CustomFieldKind.TEXT, BANT_BLOCK),
    ("timeframe", N_("Timeframe"), CustomFieldKind.DATE, BANT_BLOCK),
    ("decision_maker", N_("Decision maker"), CustomFieldKind.CONTACT_LINK, BANT_BLOCK),
    ("competitors", N_("Competitors"), CustomFieldKind.MULTI_LIST, COMPETITORS_BLOCK),
)


@dataclass(frozen=True, slots=True)
class CustomFieldDTO:
    id: uuid.UUID
    entity: Entity
    key: str
    label: str  # as shown: a preset's label translated, else what the user typed
    preset: str | None  # the msgid of a preset field's label
    kind: CustomFieldKind
    options: tuple[str, ...]
    block: str  # the block as stored ("" for none; a preset block is its msgid)
    position: int
    archived: bool
    pipeline_id: PipelineId | None

    @property
    def block_label(self) -> str:
        return block_label(self.block)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def column(self) -> str:
        """The name of the field in lists, imports and exports."""
        return f"cf_{self.key}"


def block_label(block: str) -> str:
    """A block's name as shown: a preset block in the reader's language."""
    return _(block) if block in PRESET_BLOCKS else block


def to_dto(row: CustomField) -> CustomFieldDTO:
    return CustomFieldDTO(
        id=row.id, entity=Entity(row.entity), key=row.key,
        label=_(row.preset) if row.preset else row.label, preset=row.preset,
        kind=CustomFieldKind(row.kind), options=tuple(row.options or ()), block=row.block,
        position=row.position, archived=bool(row.archived),
        pipeline_id=PipelineId(row.pipeline_id) if row.pipeline_id else None,
    )


# --- reading -------------------------------------------------------------------------------------


def fields(entity: Entity | str, *, archived: bool = False,
           pipeline_id: IdLike | None = None) -> list[CustomFieldDTO]:
    """The live fields of ``entity`` in their order (with the archived ones when ``archived``); for
    deals with ``pipeline_id``, the fields every pipeline shows and those of that pipeline."""
    kind = custom_entity(entity)
    query = CustomField.alive().where(CustomField.entity == kind)
    if not archived:
        query = query.where(~CustomField.archived)
    if pipeline_id is not None:
        query = query.where(CustomField.pipeline.is_null()
                            | (CustomField.pipeline == as_uuid(pipeline_id)))
    return [to_dto(r) for r in query.order_by(CustomField.position, CustomField.created_at)]


def field(field_id: IdLike) -> CustomFieldDTO:
    return to_dto(_row(field_id))


def blocks(entity: Entity | str) -> list[str]:
    """The blocks of ``entity``'s live fields in the order they first appear ("" first if any)."""
    seen: dict[str, None] = {}
    for item in fields(entity):
        seen.setdefault(item.block, None)
    return sorted(seen, key=lambda b: b != "")


def has_values(field_id: IdLike) -> bool:
    return _has_values(as_uuid(field_id))


# --- defining ------------------------------------------------------------------------------------


def define_field(entity: Entity | str, label: Any, kind: CustomFieldKind | str, *,
                 options: Iterable[Any] = (), block: Any = "",
                 pipeline_id: IdLike | None = None) -> CustomFieldDTO:
    """A new field at the end of ``entity``'s fields; its key is made from ``label``."""
    rights.require(Action.CHANGE_SETTINGS)
    target = custom_entity(entity)
    text = column_text(CustomField, "label", label, required=True, label=N_("name"))
    field_kind = enum_value(kind, CustomFieldKind, "kind", label=N_("kind"))
    choices = _options(options, field_kind)
    block_name = column_text(CustomField, "block", block, label=N_("block"))
    pipeline = _pipeline(pipeline_id, target)
    with database.atomic():
        row = CustomField.create(
            entity=target, key=_free_key(target, _slug(text)), label=text, kind=field_kind,
            options=choices, block=block_name, position=_next_position(target), pipeline=pipeline,
        )
    return to_dto(row)


_KEEP: Any = object()  # an argument left out: the field keeps what it has


def update_field(field_id: IdLike, *, label: Any = None, options: Iterable[Any] | None = None,
                 block: Any = None, pipeline_id: Any = _KEEP) -> CustomFieldDTO:
    """Rename a field, change its choices, block or pipeline (``None`` arguments stay as they
    are; ``pipeline_id=None`` shows a deal field in every pipeline). A preset field renamed by the
    user keeps the new name in every language. A choice still used by a value cannot be removed."""
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        row = _row(field_id)
        if label is not None:
            text = column_text(CustomField, "label", label, required=True, label=N_("name"))
            if not row.preset or text != _(row.preset):
                row.label, row.preset = text, None
        if options is not None:
            choices = _options(options, CustomFieldKind(row.kind))
            _refuse_used_choices(row, set(row.options or ()) - set(choices))
            row.options = choices
        if block is not None:
            row.block = column_text(CustomField, "block", block, label=N_("block"))
        if pipeline_id is not _KEEP:
            row.pipeline = _pipeline(pipeline_id, Entity(row.entity))
        row.save()
    return to_dto(row)


def rename_block(entity: Entity | str, old: str, new: Any) -> None:
    """Rename a block: every field of it moves to the new name."""
    rights.require(Action.CHANGE_SETTINGS)
    name = column_text(CustomField, "block", new, label=N_("block"))
    with database.atomic():
        for row in CustomField.alive().where((CustomField.entity == custom_entity(entity))
                                             & (CustomField.block == old)):
            row.block = name
            row.save()


def reorder(entity: Entity | str, field_ids: Sequence[IdLike]) -> None:
    """Put ``entity``'s fields in the order of ``field_ids`` (fields not named keep theirs, after)."""
    rights.require(Action.CHANGE_SETTINGS)
    target = custom_entity(entity)
    wanted = [as_uuid(i) for i in field_ids]
    with database.atomic():
        rows = {r.id: r for r in CustomField.alive().where(CustomField.entity == target)}
        unknown = [i for i in wanted if i not in rows]
        if unknown or len(set(wanted)) != len(wanted):
            raise ValidationError(_("The field no longer exists."), field="field")
        rest = sorted((r for i, r in rows.items() if i not in set(wanted)),
                      key=lambda r: (r.position, r.created_at))
        for position, row in enumerate([rows[i] for i in wanted] + rest):
            if row.position != position:
                row.position = position
                row.save()


def move_field(field_id: IdLike, offset: int) -> None:
    """Move a field ``offset`` places up (negative) or down among its entity's live fields."""
    item = field(field_id)
    order = [f.id for f in fields(item.entity, archived=True)]
    index = order.index(item.id)
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    reorder(item.entity, order)


def remove_field(field_id: IdLike) -> bool:
    """Remove a field; one that has values is archived instead (``True``), never deleted."""
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        row = _row(field_id)
        if _has_values(row.id):
            row.archived = True
            row.save()
            return True
        _drop_from_stage_rules(row)
        row.soft_delete()
        return False


def restore_field(field_id: IdLike) -> CustomFieldDTO:
    """Show an archived field again."""
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        row = _row(field_id)
        row.archived = False
        row.save()
    return to_dto(row)


def add_sales_preset(pipeline_id: IdLike) -> list[CustomFieldDTO]:
    """BANT, the decision maker and the competitors for the deals of ``pipeline_id`` (fields the
    business already has are kept as they are, a removed one comes back)."""
    rights.require(Action.CHANGE_SETTINGS)
    return create_sales_preset(pipeline_id)


def create_sales_preset(pipeline_id: IdLike, competitors: Sequence[str] = ()
                        ) -> list[CustomFieldDTO]:
    """:func:`add_sales_preset` without asking for the right, the competitors field (when it is
    new) with the ``competitors`` to choose from: for the demo, which builds a business before
    anyone signs in."""
    pipeline = _pipeline(pipeline_id, Entity.DEALS)
    made = []
    with database.atomic():
        position = _next_position(Entity.DEALS)
        for key, msgid, kind, block in SALES_PRESET:
            row = CustomField.get_or_none(CustomField.id == preset_field_id(Entity.DEALS, key))
            if row is None:
                taken = CustomField.alive().where((CustomField.entity == Entity.DEALS)
                                                  & (CustomField.key == key)).exists()
                row = CustomField(id=preset_field_id(Entity.DEALS, key), entity=Entity.DEALS,
                                  key=key if not taken else _free_key(Entity.DEALS, key),
                                  label=msgid, preset=msgid, kind=kind, block=block,
                                  position=position, pipeline=pipeline,
                                  options=list(competitors) if key == "competitors" else [])
                row.save(force_insert=True)
                position += 1
            elif row.deleted_at is not None or row.archived:
                row.deleted_at, row.archived, row.position = None, False, position
                row.save()
                position += 1
            made.append(to_dto(row))
    return made


# --- helpers -------------------------------------------------------------------------------------


def custom_entity(entity: Entity | str) -> Entity:
    value = enum_value(entity, Entity, "entity")
    if value not in CUSTOM_ENTITIES:
        raise refuse("entity", _("{field}: “{value}” is not one of the allowed values."),
                     value=str(entity))
    return value


def _row(field_id: IdLike) -> CustomField:
    row: CustomField | None = CustomField.alive().where(
        CustomField.id == as_uuid(field_id)).first()
    if row is None:
        raise CrmError(_("The field no longer exists."))
    return row


def _has_values(field_id: uuid.UUID) -> bool:
    return CustomValue.alive().where(
        (CustomValue.field == field_id)
        & (CustomValue.text_value.is_null(False) | CustomValue.number_value.is_null(False)
           | CustomValue.date_value.is_null(False) | CustomValue.link_id.is_null(False))
    ).exists()


def _pipeline(pipeline_id: Any, entity: Entity) -> uuid.UUID | None:
    chosen = optional_uuid(pipeline_id)
    if chosen is None:
        return None
    if entity != Entity.DEALS:
        raise refuse("pipeline", _("{field}: only deal fields belong to a pipeline."),
                     N_("pipeline"))
    if not Pipeline.alive().where(Pipeline.id == chosen).exists():
        raise refuse("pipeline", _("{field}: the pipeline no longer exists."), N_("pipeline"))
    return chosen


def _options(options: Iterable[Any], kind: CustomFieldKind) -> list[str]:
    if kind not in LIST_KINDS:
        return []
    if isinstance(options, str):
        raise refuse("options", _("{field}: enter one choice a line."), N_("choices"))
    choices: list[str] = []
    for option in options:
        text = text_value(option, "options", max_length=OPTION_LENGTH, label=N_("choices"))
        if text and text not in choices:
            choices.append(text)
        if len(choices) > MAX_OPTIONS:
            raise refuse("options", _("{field}: at most {count} choices."), N_("choices"),
                          count=MAX_OPTIONS)
    if not choices:
        raise refuse("options", _("{field}: enter at least one choice."), N_("choices"))
    return choices


def _refuse_used_choices(row: CustomField, removed: set[str]) -> None:
    """A removed choice must not be the value of any record (it would vanish silently)."""
    if not removed:
        return
    values = CustomValue.alive().select(CustomValue.text_value).where(
        (CustomValue.field == row.id) & CustomValue.text_value.is_null(False))
    kind = CustomFieldKind(row.kind)
    for (text,) in values.tuples().iterator():
        used = set(decode_choices(text)) if kind == CustomFieldKind.MULTI_LIST else {text}
        if used & removed:
            raise refuse("options", _("{field}: “{value}” is still chosen on some records."),
                          N_("choices"), value=sorted(used & removed)[0])


def decode_choices(text: str) -> list[str]:
    import json

    value = json.loads(text)
    return [str(v) for v in value] if isinstance(value, list) else []


def _drop_from_stage_rules(row: CustomField) -> None:
    if Entity(row.entity) != Entity.DEALS:
        return
    from desktop_crm.models import Stage

    name = f"cf_{row.key}"
    for stage in Stage.alive().where(Stage.required_fields.contains(name)):
        if name in (stage.required_fields or []):
            stage.required_fields = [n for n in stage.required_fields if n != name]
            stage.save()


def _next_position(entity: Entity) -> int:
    last = CustomField.alive().where(CustomField.entity == entity).order_by(
        CustomField.position.desc()).first()
    return 0 if last is None else last.position + 1


_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
})


def _slug(label: str) -> str:
    """A key from a label: Latin letters, digits and underscores (Cyrillic transliterated)."""
    text = unicodedata.normalize("NFKD", label.lower().translate(_TRANSLIT))
    text = "".join(c for c in text if c.isascii())
    slug = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:32].strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"field_{slug}".strip("_")
    return slug


def _free_key(entity: Entity, base: str) -> str:
    """``base``, or ``base_2``, ``base_3``… when a field of ``entity`` (even removed) has it."""
    taken = set(CustomField.select(CustomField.key).where(CustomField.entity == entity)
                .scalars())
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key
