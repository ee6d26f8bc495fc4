"""The database proxy and the base model every user-editable table derives from."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

import peewee

from desktop_crm import validation
from desktop_crm.ids import uuid7
from desktop_crm.models import hooks
from desktop_crm.models.fields import EnumField, UUIDKeyField

database = peewee.DatabaseProxy()


def utcnow() -> dt.datetime:
    """The current time in UTC, naive (all timestamps in the database are UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(peewee.Model):
    """Sync-ready row: client-made UUIDv7 key, UTC timestamps, soft delete and sync metadata.

    ``row_version`` (``_ver``) is the server version last seen and ``hlc`` (``_hlc``) the hybrid
    logical clock of the last local write; both are maintained by the sync layer.
    """

    _dirty: set[str]  # the names of the fields set since the row was read (peewee's own bookkeeping)

    id = UUIDKeyField(primary_key=True, default=uuid7)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    deleted_at = peewee.DateTimeField(null=True)
    row_version = peewee.BigIntegerField(default=0, column_name="_ver")
    hlc = peewee.BigIntegerField(default=0, column_name="_hlc")

    class Meta:
        database = database
        legacy_table_names = False
        only_save_dirty = True

    @property
    def is_new(self) -> bool:
        """True until the row is inserted: a fresh instance's key is still unsaved ("dirty")."""
        return "id" in self._dirty

    def save(self, force_insert: bool = False, only: Any = None) -> int:
        new = force_insert or self.is_new
        set_fields = frozenset(self._dirty)  # what the caller set, before derived fields
        if not new and self._dirty:
            self.updated_at = utcnow()
        self.check_values()
        self.before_save()
        self._fit_derived()
        after = [done for hook in hooks.ROW_SAVE_HOOKS
                 if (done := hook(self, new, set_fields)) is not None]
        saved = super().save(force_insert=new, only=only)
        for done in after:
            done()
        return saved

    def check_values(self) -> None:
        """Refuse, as a ``ValidationError`` naming the field, a value its column cannot keep: text
        with control characters or broken Unicode or longer than the column, a date outside the
        years the application handles; bidirectional controls are stripped from every text. The
        services validate their input first; this is the last check of every saved row, whatever
        path the value took."""
        fields = self._meta.fields
        for name in self._dirty:
            field = fields.get(name)
            if field is not None:
                self.__data__[name] = check_stored(field, self.__data__.get(name))

    def _fit_derived(self) -> None:
        """Cut what :meth:`before_save` derived (a folded name key, an e-mail key) to its column:
        folding may lengthen a text ("ß" → "ss") and a key joins several fields. Typed values were
        checked before, so only derived ones can be too long here."""
        fields = self._meta.fields
        for name in self._dirty:
            field = fields.get(name)
            value = self.__data__.get(name)
            if isinstance(field, peewee.CharField) and isinstance(value, str) \
                    and field.max_length and len(value) > field.max_length:
                self.__data__[name] = value[: field.max_length]

    def before_save(self) -> None:
        """Derive stored fields (normalised keys, search text) from the edited ones."""

    def soft_delete(self) -> None:
        self.deleted_at = utcnow()
        self.save()

    def delete_instance(self, *args: Any, **kwargs: Any) -> int:
        raise TypeError(
            "rows are deleted softly (soft_delete()); physical deletes belong to the sync purge"
        )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @classmethod
    def alive(cls, *fields: Any) -> peewee.ModelSelect[Self]:
        """Select the rows that are not soft-deleted."""
        return cls.select(*fields).where(cls.deleted_at.is_null())


def check_stored(field: peewee.Field, value: Any) -> Any:
    """``value`` as ``field``'s column keeps it (a text without bidi controls); a
    ``ValidationError`` when the column cannot keep it (see :meth:`BaseModel.check_values`)."""
    if value is None or isinstance(field, EnumField):
        return value
    if isinstance(value, str) and isinstance(field, (peewee.CharField, peewee.TextField)):
        value = validation.BIDI_CONTROLS.sub("", value)
        limit = field.max_length if isinstance(field, peewee.CharField) else validation.LONG_TEXT
        return validation.stored_text(value, field.name, max_length=limit)
    if isinstance(value, dt.date) and isinstance(field, (peewee.DateField, peewee.DateTimeField)):
        validation.date_in_range(value if not isinstance(value, dt.datetime) else value.date(),
                                 field.name)
    return value


def column_text(model: type[peewee.Model], name: str, value: Any, *, required: bool = False,
                label: str | None = None) -> str:
    """A user text for ``model``'s column ``name`` (:func:`validation.text_value` with the column's
    length; a ``TEXT`` column keeps its lines, any other text is one line)."""
    field = model._meta.fields[name]
    if isinstance(field, peewee.CharField):
        return validation.text_value(value, name, max_length=field.max_length, required=required,
                                     label=label)
    return validation.text_value(value, name, max_length=validation.LONG_TEXT, multiline=True,
                                 required=required, label=label)


def fk(model: Any, **kwargs: Any) -> peewee.ForeignKeyField:
    """A foreign key checked at commit, so sync may apply parents and children in any order."""
    kwargs.setdefault("on_delete", "RESTRICT")
    kwargs.setdefault("deferrable", "INITIALLY DEFERRED")
    return peewee.ForeignKeyField(model, **kwargs)
