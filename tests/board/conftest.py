"""Fixtures for the board and deal card GUI tests: the rules' small world on a real SQLite file,
an application context with the deals area registered, background work made synchronous."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_crm import workers
from desktop_crm.services.sales import contacts, deals
from tests.factories import make_deal
from tests.rules.conftest import CONTACT, DETAILED, build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def context(tmp_path, world) -> Iterator[object]:
    from PySide6.QtCore import QSettings

    from desktop_crm.services.system.session import current_user
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.registry import build_registry

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    user = current_user(str(world.manager.id))
    with workers.synchronous():
        context = AppContext(user=user, database_name="test", registry=build_registry(
            ("desktop_crm.views.deals.section",)), settings=settings)
        yield context
        context.close()


def correct_deal(world, title="Обучение отдела продаж", contact=None):
    contact = contact or contacts.create_contact(CONTACT, world.manager)
    return deals.create_deal({
        "title": title, "contact": contact.id, "product_group": world.courses.id,
        "comment": DETAILED, "lines": [{"product": world.product.id, "quantity": "2"}],
    }, world.manager)


def plain_deals(world, count, stage=None, currency="RUB", amount="100.00"):
    return [
        make_deal(f"Сделка {n:03d}", pipeline=world.pipeline, stage=stage or world.qualification,
                  currency=currency, amount=amount, board_rank=(n + 1) * 1024,
                  responsible=world.manager)
        for n in range(count)
    ]
