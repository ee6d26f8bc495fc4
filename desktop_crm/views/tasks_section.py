"""Registers the Tasks section's "My tasks" view and the task card. Their module
(``views/tasks.py``, with the services it needs) loads when first used, not at start-up."""

from __future__ import annotations

from typing import Any

from desktop_crm.entities import Entity
from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def _screen(context: Any, window: Any) -> Any:
    view = window.show_section(Entity.TASKS, "my")
    for index in range(view.owner.count()):  # someone with tasks, when mine are none
        view.owner.setCurrentIndex(index)
        if view.task_count():
            break
    return window


def register(registry: Registry) -> None:
    registry.add_view(Entity.TASKS, SectionView("my", N_("My tasks"), "desktop_crm.views.tasks:MyTasksView",
                                           order=0))
    registry.add_card_opener(Entity.TASKS, "desktop_crm.views.tasks:open_task")
    registry.add_screen(Screen("tasks_my", _screen, order=60))
