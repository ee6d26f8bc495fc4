"""The demo's robots and triggers (seed 001 promises them): in each demo pipeline, a follow-up
e-mail three days after the proposal if the deal is still there, the deal moved on when the client
accepts the quote and won when the invoice is paid, a task when the client replies, the head told of
a big deal in negotiation, in the pipeline's language."""

from __future__ import annotations

import uuid
from typing import Any

from desktop_crm.models import AutomationRule, Pipeline, Stage, StageKind
from desktop_crm.services.data import demo_data
from desktop_crm.services.data.demo_base import DEMO_NOW

# per language: the reply task, the head's notification, the "big deal" amount
TEXTS = {
    "ru": ("Ответить клиенту на письмо", "Крупная сделка перешла к переговорам", "500000"),
    "it": ("Rispondere all'e-mail del cliente", "Una trattativa importante è in negoziazione",
           "20000"),
}


def _stage(pipeline: Any, name: str) -> Any:
    return Stage.get((Stage.pipeline == pipeline.id) & (Stage.name == name))


def _rules_of(pipeline: Any, spec: demo_data.PipelineSpec, language: str) -> int:
    by_role = {s.role: s.name for s in spec.stages if s.role}
    proposal, closing = _stage(pipeline, by_role["proposal"]), _stage(pipeline, by_role["closing"])
    won = Stage.get((Stage.pipeline == pipeline.id) & (Stage.kind == StageKind.WON))
    negotiation = closing if language == "it" else _stage(pipeline, "Переговоры")
    reply_task, big_deal, big_amount = TEXTS[language]
    rules = [
        {"event": "entering_stage", "stage": proposal.id, "action": "send_email", "delay_days": 3,
         "params": {"template": "robot_followup"}},
        {"event": "quote_accepted", "action": "move_to", "params": {"stage_id": str(closing.id)}},
        {"event": "invoice_paid", "action": "move_to", "params": {"stage_id": str(won.id)}},
        {"event": "client_replied", "action": "create_task",
         "params": {"text": reply_task, "due_days": 0, "who": "responsible"}},
        {"event": "entering_stage", "stage": negotiation.id, "action": "notify",
         "condition": {"field": "amount", "operator": "ge", "value": big_amount},
         "params": {"text": big_deal, "who": "head"}},
        {"event": "invoice_paid", "action": "send_email", "active": False,
         "params": {"template": "robot_thanks"}},
    ]
    for position, values in enumerate(rules):  # the same seed, the same database: fixed ids and times
        AutomationRule.create(id=uuid.uuid5(pipeline.id, f"demo robot {position}"),
                              created_at=DEMO_NOW, updated_at=DEMO_NOW, pipeline=pipeline.id,
                              position=position, **values)
    return len(rules)


def add_robot_examples() -> int:
    """The robots of the demo pipelines that have none yet; returns how many were made."""
    made = 0
    for spec, language in ((demo_data.RU_MAIN, "ru"), (demo_data.IT_MAIN, "it")):
        for pipeline in Pipeline.alive().where(Pipeline.name == spec.name):
            if not AutomationRule.select().where(AutomationRule.pipeline == pipeline.id).exists():
                made += _rules_of(pipeline, spec, language)
    return made
