"""The demo's custom fields (seed 003): BANT, the decision maker and the competitors on the
corporate pipeline's deals. Entering "Презентация" requires the budget and the decision maker, so
every deal past qualification has them (and half of those still in it); the other BANT answers
are filled on most deals."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from desktop_crm.entities import Entity
from desktop_crm.models import CustomField, CustomValue, Deal, Pipeline, Stage, StageKind, database
from desktop_crm.models.custom import value_id
from desktop_crm.services.data import demo_data
from desktop_crm.services.listing import refresh
from desktop_crm.services.system import custom_fields

COMPETITORS = ["1С:CRM", "Битрикс24", "amoCRM", "Мегаплан", "Salesforce"]
NEEDS = [
    "Единая база клиентов и воронка продаж для отдела из {n} человек",
    "Автоматизация КП и счетов, интеграция с 1С",
    "Контроль работы менеджеров и отчёты для руководителя",
    "Обучение {n} менеджеров переговорам и работе с возражениями",
]
AUTHORITIES = ["Генеральный директор", "Коммерческий директор", "Совет директоров",
               "Финансовый директор по согласованию с ИТ"]
_CHUNK = 500


def add_custom_field_examples(now: dt.datetime, seed: int = 17) -> int:
    """The preset on the corporate pipeline and values on its deals, stamped ``now`` (the same
    seed gives the same rows); how many values were added (none without that pipeline: an
    Italian-only demo)."""
    pipeline = Pipeline.alive().where(Pipeline.name == demo_data.RU_CORPORATE.name).first()
    if pipeline is None:
        return 0
    rng = random.Random(seed)
    with database.atomic():
        fields = {f.key: f for f in custom_fields.create_sales_preset(pipeline.id, COMPETITORS)}
        CustomField.update(created_at=now, updated_at=now).where(
            CustomField.id.in_([f.id for f in fields.values()])).execute()
        stages = list(Stage.alive().where(Stage.pipeline == pipeline.id).order_by(Stage.sort_order))
        first_open = stages[0]
        for stage in stages[1:]:
            if stage.kind != StageKind.LOST:
                Stage.update(required_fields=[*stage.required_fields, "cf_budget",
                                              "cf_decision_maker"]).where(
                    Stage.id == stage.id).execute()
        rows = []
        deals = Deal.select(Deal.id, Deal.stage, Deal.amount, Deal.expected_close_date,
                            Deal.contact, Deal.created_at).where(
            (Deal.pipeline == pipeline.id) & Deal.deleted_at.is_null()).order_by(Deal.id).tuples()
        for deal_id, stage_id, amount, close_date, contact_id, created in deals.iterator():
            if stage_id == first_open.id and rng.random() < 0.5:
                continue
            budget = (amount * Decimal("1.15")).quantize(Decimal(1000)) if amount else \
                Decimal(rng.randrange(300, 3000) * 1000)
            people = rng.randrange(5, 60)
            values: dict[str, dict[str, object]] = {
                "budget": {"number_value": budget},
                "decision_maker": {"link_id": contact_id},
                "authority": {"text_value": rng.choice(AUTHORITIES)},
                "need": {"text_value": rng.choice(NEEDS).format(n=people)},
                "timeframe": {"date_value": close_date or (created.date() + dt.timedelta(days=90))},
                "competitors": {"text_value": json.dumps(
                    [c for c in COMPETITORS if rng.random() < 0.3] or [COMPETITORS[0]],
                    ensure_ascii=False)},
            }
            if contact_id is None:
                del values["decision_maker"]
            for key, columns in values.items():
                if key not in ("budget", "decision_maker") and rng.random() < 0.15:
                    continue
                rows.append({"id": value_id(fields[key].id, deal_id), "field": fields[key].id,
                             "entity": Entity.DEALS, "row_id": deal_id, "text_value": None,
                             "number_value": None, "date_value": None, "link_id": None,
                             "created_at": created, "updated_at": created, **columns})
        for start in range(0, len(rows), _CHUNK):
            CustomValue.insert_many(rows[start:start + _CHUNK]).execute()
        # the stages' new requirements: a deal without a contact lacks its decision maker
        refresh.refresh_rules(Deal.select(Deal.id).where(Deal.pipeline == pipeline.id).scalars())
    return len(rows)
