"""Notifications, settings and the schema version."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, database, fk, utcnow
from desktop_crm.models.fields import JSONField
from desktop_crm.models.people import User


class Notification(BaseModel):
    user = fk(User, backref="notifications", index=False)
    user_id: uuid.UUID
    title = peewee.CharField(max_length=300)
    body = peewee.TextField(default="")
    link_kind = peewee.CharField(max_length=20, default="")
    link_id = peewee.CharField(max_length=36, default="")
    read_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "read_at"), False),)


class Setting(BaseModel):
    """A setting's value; ``user`` is empty for settings of the whole business.

    Defaults are declared in ``services.settings`` and never stored until changed.
    """

    key = peewee.CharField(max_length=100)
    user = fk(User, null=True, backref="settings", index=False)
    user_id: uuid.UUID | None
    value = JSONField(null=True)

    class Meta:
        indexes = ((("key", "user"), False),)


class SchemaVersion(peewee.Model):
    """The one row that says which migration step the database has reached (never synced)."""

    id = peewee.IntegerField(primary_key=True)
    version = peewee.IntegerField()
    app_version = peewee.CharField(max_length=40)
    migrated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        database = database
        table_name = "schema_version"
