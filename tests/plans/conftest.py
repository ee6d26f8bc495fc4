"""A head with one manager in the team, a manager outside it, an administrator; two pipelines
with won stages (everything made as the tests' administrator)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from desktop_crm.models import Preset, StageKind, User
from desktop_crm.models.people import PRESET_IDS
from tests.factories import make_deal, make_pipeline, make_stages


@dataclass
class World:
    admin: User
    head: User
    mine: User
    other: User
    sales: Any
    wholesale: Any
    stages: dict[str, list[Any]]

    def won(self, pipeline: str, user: User, amount: str, closed: dt.datetime,
            currency: str = "RUB", title: str = "Сделка") -> Any:
        stage = next(s for s in self.stages[pipeline] if s.kind == StageKind.WON)
        return make_deal(title=title, stage=stage, responsible=user, amount=Decimal(amount),
                         currency=currency, closed_at=closed)

    def open_deal(self, user: User, title: str = "Открытая") -> Any:
        return make_deal(title=title, stage=self.stages["sales"][0], responsible=user)


def _user(name: str, preset: Preset, login: str, **fields: Any) -> User:
    return User.create(name=name, login=login, access_role=PRESET_IDS[preset], **fields)


def build_world() -> World:
    admin = _user("Ольга Админ", Preset.ADMIN, "olga")
    head = _user("Андрей Руководитель", Preset.HEAD, "andrey")
    mine = _user("Дмитрий Менеджер", Preset.MANAGER, "dmitry", head=head)
    other = _user("Марко Менеджер", Preset.MANAGER, "marco")
    sales = make_pipeline("Продажи")
    wholesale = make_pipeline("Опт", is_default=False)
    stages = {"sales": make_stages(sales, ["Новая", "КП"], won="Успех", lost="Отказ"),
              "wholesale": make_stages(wholesale, ["Новая"], won="Успех", lost="Отказ")}
    return World(admin, head, mine, other, sales, wholesale, stages)


@pytest.fixture
def world(any_db: object) -> World:
    return build_world()
