"""What every settings page is: fields with inline messages, a banner for refusals, a Save button
and a dirty flag (see the package's docstring for how a page is added)."""

from __future__ import annotations

from abc import abstractmethod
from typing import TypeVar

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from desktop_crm.errors import CrmError, database_errors
from desktop_crm.i18n import _
from desktop_crm.views.cards.common import ERROR_STYLE, FieldsMixin
from desktop_crm.views.common.accessibility import label_forms
from desktop_crm.views.context import AppContext

EditorT = TypeVar("EditorT", bound=QWidget)


class SettingsPage(FieldsMixin, QWidget):
    """A tab of the Settings section. Subclasses build their fields with ``add_field``, put
    :meth:`footer` at the bottom and implement :meth:`save_changes`."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.editors = {}
        self.error_labels = {}
        self._dirty = False
        self._loading = False
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.hide()
        self.save_button = QPushButton(_("Save"), self)
        self.save_button.setObjectName("settings_save")
        self.save_button.setToolTip(_("Save the changes (Ctrl+S)"))
        self.save_button.setEnabled(False)
        self.save_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.save_button.clicked.connect(self.save)

    def showEvent(self, event: QShowEvent) -> None:
        label_forms(self)  # every label the buddy of its editor, every editor named
        super().showEvent(event)

    def editor(self, name: str, kind: type[EditorT]) -> EditorT:
        """The editor added as ``name``, as the widget class it was made with."""
        widget = self.editors[name]
        if not isinstance(widget, kind):
            raise TypeError(f"the editor {name!r} is a {type(widget).__name__}, not a {kind.__name__}")
        return widget

    def footer(self) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner, 1)
        layout.addStretch(0)
        layout.addWidget(self.save_button)
        return row

    def mark_dirty(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self.save_button.setEnabled(True)
        self.on_edited()

    def on_edited(self) -> None:
        """Live checks after an edit."""

    def set_clean(self) -> None:
        self._dirty = False
        self.save_button.setEnabled(False)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def save(self) -> bool:
        """Save the page; a refusal (or a database that cannot take the change now) is shown on it."""
        try:
            with database_errors():
                ok = self.save_changes()
        except CrmError as error:
            self.show_failure(error)
            return False
        if ok:
            self.show_banner("")
            self.show_errors({})
            self.set_clean()
            self.context.show_status(_("Settings saved."))
        return ok

    @abstractmethod
    def save_changes(self) -> bool:
        """Write the page's changes; ``False`` when there was nothing to save."""
