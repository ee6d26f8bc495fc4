"""Custom fields (schema step 17): fields a business adds to deals, contacts, companies, leads
and products, and their values. Synced.

A value is one ``custom_value`` row per (field, record) — never a JSON blob on the record — so a
change of one field merges field by field and the field history sees it. Its id is derived from the
field's and the record's ids (:func:`value_id`): two computers setting the same field of the same
record make one row, which sync merges column by column.
"""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.entities import Entity
from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.catalog import Pipeline
from desktop_crm.models.enums import CustomFieldKind
from desktop_crm.models.fields import EnumField, JSONField, ScaledDecimalField, UUIDKeyField

#: The longest text value: indexed, and a PostgreSQL index entry holds at most 2,704 bytes
#: (600 characters of up to 4 bytes each).
TEXT_LENGTH = 600
#: Places a number (and a money amount) of a custom field keeps.
NUMBER_PLACES = 4


class CustomField(BaseModel):
    """One field of an entity. ``key`` is a stable slug, unique per entity among live fields
    (``cf_<key>`` in lists and imports, ``custom.<key>`` in templates). ``label`` is what the user
    typed; a preset field's ``preset`` names it instead (an English msgid shown translated).
    ``options`` lists the choices of a list or multi-list; ``block`` groups fields on a card;
    ``pipeline`` shows a deal field for that pipeline's deals only. A field that has values is
    ``archived``, never deleted."""

    entity = EnumField(Entity, max_length=16)
    key = peewee.CharField(max_length=64)
    label = peewee.CharField(max_length=200)
    preset = peewee.CharField(max_length=64, null=True)
    kind = EnumField(CustomFieldKind, max_length=16)
    options = JSONField(default=list)
    block = peewee.CharField(max_length=100, default="")
    position = peewee.IntegerField(default=0)
    archived = peewee.BooleanField(default=False)
    pipeline = fk(Pipeline, null=True, backref="custom_fields")
    pipeline_id: uuid.UUID | None

    class Meta:
        table_name = "custom_field"
        indexes = ((("entity", "position"), False),)


class CustomValue(BaseModel):
    """The value of one custom field on one record (``row_id``: a deal, contact, company, lead or
    product of the field's entity; ``entity`` repeats it so the server's row rules read it)."""

    field = fk(CustomField, backref="values", index=False)  # (field, value) indexes lead with it
    field_id: uuid.UUID
    entity = EnumField(Entity, max_length=16)
    row_id = UUIDKeyField()
    text_value = peewee.CharField(max_length=TEXT_LENGTH, null=True)
    number_value = ScaledDecimalField(NUMBER_PLACES, null=True)
    date_value = peewee.DateField(null=True)
    link_id = UUIDKeyField(null=True)

    class Meta:
        table_name = "custom_value"
        indexes = (
            (("row_id", "field"), False),
            (("field", "text_value"), False),
            (("field", "number_value"), False),
            (("field", "date_value"), False),
            (("field", "link_id"), False),
        )


VALUE_NAMESPACE = uuid.UUID("0d9b6a8e-7c1f-5b1e-9a52-6c0f3e2d8b17")


def value_id(field_id: uuid.UUID, row_id: uuid.UUID) -> uuid.UUID:
    """The id of the value of field ``field_id`` on record ``row_id``: the same on every computer."""
    return uuid.uuid5(VALUE_NAMESPACE, f"{field_id}/{row_id}")


def preset_field_id(entity: Entity, key: str) -> uuid.UUID:
    """The id of a preset field: the same on every computer, so two adding BANT make one field."""
    return uuid.uuid5(VALUE_NAMESPACE, f"preset/{entity.value}/{key}")
