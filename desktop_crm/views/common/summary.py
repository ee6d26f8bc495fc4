"""A read-only summary of a record (the list row's fields), for entities without a card yet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from desktop_crm.i18n import _
from desktop_crm.services.listing import lists
from desktop_crm.views.common.windowed_model import format_value
from desktop_crm.views.context import AppContext


def show_record_summary(context: AppContext, entity: str, record_id: str,
                        parent: QWidget | None = None) -> QDialog:
    spec = lists.spec(entity)
    values = lists.record_summary(entity, record_id)
    dialog = QDialog(parent)
    dialog.setObjectName("record_summary")
    dialog.setWindowTitle(_(spec.title))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    layout = QVBoxLayout(dialog)
    form = QFormLayout()
    row_values = {c.key: v for c, (_t, v, _k) in zip(spec.columns, values, strict=False)}
    for column, (title, value, _kind) in zip(spec.columns, values, strict=False):
        label = QLabel(format_value(column, value, row_values), dialog)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(title + ":", label)
    if not values:
        form.addRow(QLabel(_("This record no longer exists."), dialog))
    layout.addLayout(form)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.open()
    return dialog
