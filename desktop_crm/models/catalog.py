"""Pipelines with their stages, and the product catalog."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.enums import StageKind
from desktop_crm.models.fields import EnumField, JSONField, MoneyField, PercentField
from desktop_crm.normalize import search_text


class Pipeline(BaseModel):
    name = peewee.CharField(max_length=200)
    sort_order = peewee.IntegerField(default=0)
    is_default = peewee.BooleanField(default=False)


class Stage(BaseModel):
    """A column of a pipeline.

    ``task_templates`` is a list of ``{"subject": str, "due_days": int}`` created as tasks when a deal
    enters the stage; ``required_fields`` names what a deal must have to enter it.
    """

    pipeline = fk(Pipeline, backref="stages")
    pipeline_id: uuid.UUID
    name = peewee.CharField(max_length=200)
    sort_order = peewee.IntegerField(default=0)
    kind = EnumField(StageKind, default=StageKind.OPEN)
    probability = PercentField()
    color = peewee.CharField(max_length=9, default="#4a90d9")
    task_templates = JSONField(default=list)
    required_fields = JSONField(default=list)
    requires_correct_deal = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("pipeline", "sort_order"), False),)

    @classmethod
    def first_open(cls, pipeline_id: uuid.UUID) -> Stage | None:
        """The pipeline's first open stage: where a new deal starts."""
        return (
            cls.alive()
            .where((cls.pipeline == pipeline_id) & (cls.kind == StageKind.OPEN))
            .order_by(cls.sort_order, cls.created_at)
            .get_or_none()
        )


class ProductGroup(BaseModel):
    name = peewee.CharField(max_length=200)
    sort_order = peewee.IntegerField(default=0)


class Product(BaseModel):
    name = peewee.CharField(max_length=300)
    sku = peewee.CharField(max_length=64, default="", index=True)
    unit = peewee.CharField(max_length=20, default="")
    unit_code = peewee.CharField(max_length=8, default="")  # OKEI code (796 = шт) or UN/ECE code
    price = MoneyField()
    currency = peewee.CharField(max_length=3, default="RUB")
    vat_rate = PercentField()
    group = fk(ProductGroup, null=True, backref="products")
    group_id: uuid.UUID | None
    active = peewee.BooleanField(default=True)
    search_text = peewee.TextField(default="")

    def before_save(self) -> None:
        self.search_text = search_text(self.name, self.sku)
