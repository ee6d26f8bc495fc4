"""The import wizard's entry points and screens: "Import…" in the lists' toolbars, and for
``desktop-crm screenshots`` each step over a Bitrix24 deal export (an HTML "Excel" file), the
result of a real import (undone afterwards) and the history."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_crm.i18n import N_
from desktop_crm.models.enums import Action
from desktop_crm.views.registry import ListAction, Registry, Screen

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_crm.views.context import AppContext
    from desktop_crm.views.imports.wizard import ImportWizard

_open: list[Any] = []
_undo: list[Any] = []


#: The lists whose toolbar offers "Import…" (the wizard opens on that list's kind of record).
IMPORT_LISTS = ("contacts", "companies", "leads", "deals", "products")


def register(registry: Registry) -> None:
    from desktop_crm.views.common.empty_state import set_import_action

    for entity in IMPORT_LISTS:
        registry.add_list_action(entity, ListAction(
            "import", N_("Import…"), "desktop_crm.views.imports.register:import_from_list",
            min_selected=0, requires=Action.IMPORT))
        set_import_action(entity, _from_empty_list)  # an empty list's "Import…"
    registry.add_screen_provider(_screens)


def _from_empty_list(view: QWidget) -> None:
    import_from_list(view.context, view, [])  # type: ignore[attr-defined]


def import_from_list(context: AppContext, view: Any, ids: list[str]) -> QWidget:
    """A list's "Import…" (also what an empty list may offer): the wizard for that list's records."""
    from desktop_crm.views.imports.wizard import open_import_wizard

    return open_import_wizard(context, view.window(), str(getattr(view, "entity", "contacts")))


def _sample() -> Path:
    from desktop_crm.services.data.crm_exports.samples import write_bitrix24_deals

    return write_bitrix24_deals(Path(tempfile.gettempdir()) / "crm-import" / "DEAL_20250207.xls")


def _wizard(context: AppContext, window: QWidget, step: int) -> ImportWizard:
    from desktop_crm.views.imports import wizard as w

    wizard = w.open_import_wizard(context, window, "deals")
    _open.append(wizard)
    wizard.file_page.path_edit.setText(str(_sample()))
    wizard.read_file()
    if step >= w.MAPPING:
        wizard.go_next()
    if step >= w.REFERENCES:
        wizard.go_next()
    if step >= w.OPTIONS:
        wizard.go_next()
        wizard.options_page.merge.setChecked(True)
        wizard.options_page.create_missing.setChecked(True)
    if step >= w.PREVIEW:
        wizard.go_next()
    if step == w.RUN:  # the page as it looks midway (the sample itself imports in an instant)
        wizard.run_page.start(dry_run=False)
        wizard.run_page.update(2000, 5250)
        wizard.show_page(w.RUN)
    if step >= w.RESULT:
        wizard.start(dry_run=False)
        if wizard.report is not None and wizard.report.batch_id is not None:
            _undo.append(wizard.report.batch_id)
    return wizard


def _cleanup() -> None:
    from desktop_crm.services.data.imports import engine

    while _open:
        _open.pop().close()
    while _undo:
        engine.undo_import(_undo.pop())


def _step(step: int) -> Callable[[AppContext, Any], QWidget]:
    return lambda context, window: _wizard(context, window, step)


def _history(context: AppContext, window: Any) -> QWidget:
    from desktop_crm.views.imports.history import open_import_history

    dialog = open_import_history(context, window)
    _open.append(dialog)
    return dialog


def _screens(registry: Registry) -> None:
    from desktop_crm.views.imports import wizard as w

    for name, step in (("import_file", w.FILE), ("import_mapping", w.MAPPING),
                       ("import_references", w.REFERENCES), ("import_options", w.OPTIONS),
                       ("import_preview", w.PREVIEW), ("import_run", w.RUN),
                       ("import_result", w.RESULT)):
        registry.add_screen(Screen(name, _step(step), _cleanup, order=700 + step))
    registry.add_screen(Screen("import_history", _history, _cleanup, order=710))
