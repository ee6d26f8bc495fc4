"""A small sales world for the robots: a pipeline, a manager with a head, a client with an e-mail
address and an open deal in the first stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from desktop_crm.models import Deal, Pipeline, Stage, User
from desktop_crm.services.sales.automation import rules
from tests.factories import make_contact, make_deal, make_pipeline, make_stages, make_user


@dataclass
class Sales:
    pipeline: Pipeline
    new: Stage
    proposal: Stage
    negotiation: Stage
    won: Stage
    lost: Stage
    head: User
    manager: User
    deal: Deal

    def rule(self, event: str, action: str, params: dict[str, Any], **values: Any) -> rules.RuleInfo:
        return rules.save_rule(None, {"pipeline_id": self.pipeline.id, "event": event,
                                      "action": action, "params": params, **values})

    def fresh(self) -> Deal:
        return Deal.get_by_id(self.deal.id)


def build_sales() -> Sales:
    pipeline = make_pipeline("Продажи")
    new, proposal, negotiation, won, lost = make_stages(
        pipeline, ["Новая", "Предложение", "Переговоры"], won="Успешно", lost="Провалена")
    head = make_user("Анна Морозова", locale="ru")
    manager = make_user("Пётр Иванов", head=head, locale="ru")
    contact = make_contact("Смирнов", "Олег", work_email="oleg@client.ru", country="RU")
    deal = make_deal("Поставка станков", stage=new, responsible=manager, contact=contact)
    return Sales(pipeline, new, proposal, negotiation, won, lost, head, manager, deal)


@pytest.fixture
def sales(any_db: object) -> Sales:
    return build_sales()
