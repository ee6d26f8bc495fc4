"""A team to test rights with: an administrator, a head of sales with one manager in the team, a
manager outside it, an accountant; a deal (with a contact and a lead) for each manager, in two
pipelines; everything made as the tests' administrator, then the test signs in whom it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from desktop_crm.models import Contact, Lead, Preset, User
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.services.system import session
from tests.factories import make_deal, make_pipeline, make_stages


@dataclass
class Team:
    admin: User
    head: User
    mine: User  # a manager in the head's team
    other: User  # a manager outside it
    accountant: User
    pipeline: Any
    second: Any  # another pipeline
    stages: list[Any]
    deals: dict[str, Any]  # by responsible's key, and "unassigned"


def _user(name: str, preset: Preset, login: str, **fields: Any) -> User:
    return User.create(name=name, login=login, access_role=PRESET_IDS[preset], **fields)


def build_team() -> Team:
    admin = _user("Ольга Админ", Preset.ADMIN, "olga")
    head = _user("Андрей Руководитель", Preset.HEAD, "andrey")
    mine = _user("Дмитрий Менеджер", Preset.MANAGER, "dmitry", head=head)
    other = _user("Марко Менеджер", Preset.MANAGER, "marco")
    accountant = _user("Ирина Бухгалтер", Preset.ACCOUNTANT, "irina")
    pipeline = make_pipeline("Продажи")
    stages = make_stages(pipeline, ["Новая", "КП"], won="Успех", lost="Отказ")
    second = make_pipeline("Опт", is_default=False)
    second_stages = make_stages(second, ["Новая"], won="Успех", lost="Отказ")
    deals = {}
    for key, user in (("head", head), ("mine", mine), ("other", other)):
        contact = Contact.create(last_name=f"Клиент {key}", responsible=user)
        Lead.create(title=f"Лид {key}", last_name=f"Лид {key}", responsible=user)
        deals[key] = make_deal(title=f"Сделка {key}", pipeline=pipeline, stage=stages[0],
                               responsible=user, contact=contact)
    deals["unassigned"] = make_deal(title="Сделка без ответственного", pipeline=pipeline,
                                    stage=stages[0], responsible=None)
    deals["other_second"] = make_deal(title="Опт other", pipeline=second, stage=second_stages[0],
                                      responsible=other)
    return Team(admin, head, mine, other, accountant, pipeline, second, stages, deals)


@pytest.fixture
def team(any_db: object) -> Team:
    return build_team()


def sign_in(user: User) -> Any:
    return session.sign_in(user.id)
