"""Import batches (schema step 11): what one import created and merged, so it can be undone.

They are this database's own bookkeeping, like ``schema_version``: not :class:`BaseModel` rows, no
``_ver``/``_hlc`` columns, so they never sync (``sync.capture.synced_tables`` skips them). The
records an import creates do sync like any other; undoing it on a replica removes them with soft
deletes, which sync carries to the server (``services.data.imports.batches``).
"""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.ids import uuid7
from desktop_crm.models.base import database, fk, utcnow
from desktop_crm.models.fields import JSONField, UUIDKeyField
from desktop_crm.models.people import User


class ImportBatch(peewee.Model):
    """One import. ``status``: ``running`` while its chunks are written, ``done``, ``undone``."""

    id = UUIDKeyField(primary_key=True, default=uuid7)
    entity = peewee.CharField(max_length=20)
    file_name = peewee.CharField(max_length=300, default="")
    user = fk(User, null=True, backref="+", index=False)
    user_id: uuid.UUID | None
    status = peewee.CharField(max_length=10, default="running")
    started_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)
    heartbeat_at = peewee.DateTimeField(default=utcnow)
    created_count = peewee.IntegerField(default=0)
    merged_count = peewee.IntegerField(default=0)
    skipped_count = peewee.IntegerField(default=0)
    rejected_count = peewee.IntegerField(default=0)

    class Meta:
        database = database
        table_name = "import_batch"
        legacy_table_names = False
        indexes = ((("status", "started_at"), False),)


class ImportBatchItem(peewee.Model):
    """A record a batch created (``action`` ``created``) or merged into (``merged``: ``before`` holds
    its fields as they were, ``after_updated_at`` its change time right after the merge)."""

    id = peewee.AutoField()
    batch = peewee.ForeignKeyField(ImportBatch, backref="items", on_delete="CASCADE", index=False)
    batch_id: uuid.UUID
    table_name = peewee.CharField(max_length=40)
    row_id = UUIDKeyField()
    action = peewee.CharField(max_length=10)
    before = JSONField(null=True)
    after_updated_at = peewee.DateTimeField(null=True)

    class Meta:
        database = database
        table_name = "import_batch_item"
        legacy_table_names = False
        indexes = ((("batch", "table_name"), False),)


LOCAL_MODELS: list[type[peewee.Model]] = [ImportBatch, ImportBatchItem]
