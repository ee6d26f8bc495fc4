"""The import wizard's screens for ``desktop-crm screenshots``: each step over a Bitrix24 deal
export (an HTML "Excel" file), the result of a real import (undone afterwards) and the history."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_crm.views.registry import Registry, Screen

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_crm.views.context import AppContext
    from desktop_crm.views.imports.wizard import ImportWizard

_open: list[Any] = []
_undo: list[Any] = []


def register(registry: Registry) -> None:
    registry.add_screen_provider(_screens)


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
                       ("import_preview", w.PREVIEW), ("import_result", w.RESULT)):
        registry.add_screen(Screen(name, _step(step), _cleanup, order=700 + step))
    registry.add_screen(Screen("import_history", _history, _cleanup, order=710))
