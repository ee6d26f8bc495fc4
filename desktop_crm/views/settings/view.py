"""The Settings section: a tab per registered page (``registry.py``), Ctrl+S saves the current one,
and closing the window with unsaved pages asks first."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop_crm.i18n import _
from desktop_crm.models.enums import Action
from desktop_crm.services.system import rights
from desktop_crm.views.common.dialogs import ask_save_discard_cancel
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec, build_page_registry


class SettingsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None,
                 registry: PageRegistry | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings")
        self.context = context
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings_tabs")
        self.pages: dict[str, SettingsPage] = {}
        self.specs: dict[str, PageSpec] = {}
        for spec in (registry or build_page_registry()).pages:
            if spec.requires is not None and not rights.can(Action(spec.requires)):
                continue  # the role may not use it: not even shown
            page = spec.factory(context, self.tabs)
            page.setObjectName(f"settings_{spec.key}")
            self.pages[spec.key] = page
            self.specs[spec.key] = spec
            self.tabs.addTab(page, _(spec.title))
        layout.addWidget(self.tabs)
        shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        shortcut.activated.connect(self.save_current)

    def page(self, key: str) -> SettingsPage:
        return self.pages[key]

    def select(self, key: str) -> SettingsPage:
        page = self.pages[key]
        self.tabs.setCurrentWidget(page)
        return page

    def save_current(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, SettingsPage) and page.dirty:
            page.save()

    def confirm_close(self) -> bool:
        """Asked by the main window before it closes."""
        dirty = [key for key, page in self.pages.items() if page.dirty]
        if not dirty:
            return True
        answer = ask_save_discard_cancel(
            self,
            _("Some settings are not saved: {pages}. Save them before closing?").format(
                pages=", ".join(_(self.specs[key].title) for key in dirty)),
        )
        if answer == "save":
            return all(self.pages[key].save() for key in dirty)
        return answer == "discard"

    def activated(self) -> None:
        return None

    def can_create_new(self) -> bool:
        return False
