"""The Settings section: a tab per registered page (``registry.py``), Ctrl+S saves the current one,
and closing the window with unsaved pages asks first.

A page is built when its tab is first shown (or :meth:`SettingsView.page` asks for it): building
all twelve at once, each loading its data, froze the window for a few hundred milliseconds on the
first click on Settings. ``pages`` holds the pages built so far; ``specs`` every page shown."""

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
        self.pages: dict[str, SettingsPage] = {}  # built so far, in tab order
        self.specs: dict[str, PageSpec] = {}
        for spec in (registry or build_page_registry()).pages:
            if spec.requires is not None and not rights.can(Action(spec.requires)):
                continue  # the role may not use it: not even shown
            self.specs[spec.key] = spec
            self.tabs.addTab(QWidget(self.tabs), _(spec.title))  # its page comes when shown
        layout.addWidget(self.tabs)
        if self.specs:
            self._build(0)
        self.tabs.currentChanged.connect(self._build)
        shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        shortcut.activated.connect(self.save_current)

    def _build(self, index: int) -> SettingsPage | None:
        """The page of tab ``index``, built now if it was not yet."""
        if not 0 <= index < len(self.specs):
            return None
        key = list(self.specs)[index]
        if key in self.pages:
            return self.pages[key]
        spec = self.specs[key]
        page = spec.factory(self.context, self.tabs)
        page.setObjectName(f"settings_{spec.key}")
        placeholder = self.tabs.widget(index)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)  # swapping the placeholder is not a change of tab
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, page, _(spec.title))
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        if placeholder is not None:
            placeholder.deleteLater()
        self.pages[key] = page
        self.pages = {k: self.pages[k] for k in self.specs if k in self.pages}  # tab order
        return page

    def page(self, key: str) -> SettingsPage:
        page = self._build(list(self.specs).index(key))
        assert page is not None
        return page

    def select(self, key: str) -> SettingsPage:
        page = self.page(key)
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
