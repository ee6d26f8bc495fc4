"""The shop every field-history test acts in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from desktop_crm.models import Preset, User
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.services.system import rights
from tests.factories import make_pipeline, make_stages


def _user(name: str, preset: Preset, **fields: Any) -> User:
    return User.create(name=name, login=name.split()[0].lower(), access_role=PRESET_IDS[preset],
                       **fields)


@pytest.fixture
def shop(any_db: object) -> Iterator[dict[str, Any]]:
    """An administrator and two managers, a pipeline; the test acts as the administrator."""
    admin = _user("Ольга Админ", Preset.ADMIN)
    manager = _user("Дмитрий Менеджер", Preset.MANAGER)
    other = _user("Марко Менеджер", Preset.MANAGER)
    pipeline = make_pipeline("Продажи")
    stage_list = make_stages(pipeline, ["Новая", "КП"], won="Успех", lost="Отказ")
    with rights.acting(rights.load_actor(admin.id)):
        yield {"admin": admin, "manager": manager, "other": other, "pipeline": pipeline,
               "stages": stage_list}
