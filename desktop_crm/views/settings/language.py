"""Settings › Language: the language of the application for the current user, applied at once
(the shell rebuilds the main window in it when ``context.signals.language_changed`` fires)."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWidget

from desktop_crm.i18n import N_, _, current_language, language_names
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import OK_STYLE
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec


class LanguagePage(SettingsPage):
    """The current user's language, one radio button per language."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Language of the application:"), self))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for code, label in language_names():
            button = QRadioButton(label, self)
            button.setObjectName(f"language_{code}")
            button.toggled.connect(lambda _c: self.mark_dirty())
            self.group.addButton(button)
            layout.addWidget(button)
            self.buttons[code] = button
        note = QLabel(_("The new language applies as soon as it is saved; open cards are closed."),
                      self)
        note.setObjectName("language_note")
        note.setWordWrap(True)
        note.setStyleSheet(OK_STYLE)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.footer())
        self.reload()

    def reload(self) -> None:
        language = admin.user_language(self.context.user.id) or current_language()
        self._loading = True
        self.buttons.get(language, self.buttons["en"]).setChecked(True)
        self._loading = False
        self.set_clean()

    def chosen(self) -> str:
        return next(code for code, button in self.buttons.items() if button.isChecked())

    def save_changes(self) -> bool:
        language = self.chosen()
        admin.set_user_language(self.context.user.id, language)
        self.context.settings.setValue("ui/language", language)
        self.set_clean()
        if language != current_language():
            self.context.signals.language_changed.emit(language)
        return True


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("language", N_("Language"), LanguagePage, order=50))
