"""Settings › Rules: what a detailed comment is, when a deal becomes inactive, the reasons for
losing one, the required contact fields, the phone region and offline invoice numbering."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.countries import REGISTERED
from desktop_crm.i18n import N_, _
from desktop_crm.models.enums import Action
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import set_combo_value
from desktop_crm.views.common.section import TwoColumns
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.deal_flags import recompute_deal_flags
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec


class RulesPage(SettingsPage):
    """The rules' settings in groups, saved together."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        outer = QVBoxLayout(self)
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = TwoColumns(area)  # side by side on a wide window: no half-empty screen
        comments = QGroupBox(_("Detailed comments"), inner)
        form = QFormLayout(comments)
        self.add_field(form, "comment_min_words", _("At least, words"), self._spin(1, 50))
        self.add_field(form, "comment_min_chars", _("At least, characters"), self._spin(1, 1000))
        stop = QPlainTextEdit(comments)
        stop.setPlaceholderText(_("One phrase per line"))
        self.add_field(form, "comment_stop_phrases",
                       _("Phrases that are not a detailed comment"), stop)
        inner.add(comments, 0)
        deals = QGroupBox(_("Deals"), inner)
        form = QFormLayout(deals)
        self.add_field(form, "inactivity_days", _("A deal becomes inactive after, days"),
                       self._spin(1, 3650))
        lost = QPlainTextEdit(deals)
        lost.setPlaceholderText("\n".join(admin.default_lost_reasons()))
        lost.setToolTip(_("Leave empty to use the built-in list shown in grey."))
        self.add_field(form, "lost_reasons", _("Reasons for losing a deal"), lost)
        won = QPlainTextEdit(deals)
        won.setPlaceholderText("\n".join(admin.default_won_reasons()))
        won.setToolTip(_("Asked when a deal is won. Leave empty to use the built-in list shown in "
                         "grey."))
        self.add_field(form, "won_reasons", _("Reasons for winning a deal"), won)
        inner.add(deals, 1)
        contacts_box = QGroupBox(_("Contacts"), inner)
        form = QFormLayout(contacts_box)
        preset = QComboBox(contacts_box)
        preset.addItem(_("Full: last and first name, mobile phone, birth date, private e-mail"),
                       "full")
        preset.addItem(_("Light: a name and a phone or an e-mail"), "light")
        self.add_field(form, "contact_required_preset", _("Required contact fields"), preset)
        region = QComboBox(contacts_box)
        for code in REGISTERED:
            region.addItem(code, code)
        for code in admin.phone_regions():
            if code not in REGISTERED:
                region.addItem(code, code)
        region.setToolTip(_("Country of phone numbers typed without a +country code."))
        self.add_field(form, "phone_region", _("Default phone region"), region)
        inner.add(contacts_box, 0)
        invoices_box = QGroupBox(_("Invoices issued on synchronised laptops"), inner)
        form = QFormLayout(invoices_box)
        numbering_mode = QComboBox(invoices_box)
        numbering_mode.addItem(
            _("A legal number at once, from each device's own series"), "device_series")
        numbering_mode.addItem(
            _("A provisional number until sync, then the next number of the company series"),
            "provisional")
        numbering_mode.setToolTip(_(
            "With provisional numbers every invoice belongs to one company series, but an invoice "
            "issued offline is only a pro-forma until the laptop syncs. Users working directly on "
            "the server always get the final number."))
        self.add_field(form, "offline_numbering", _("Invoice numbers"), numbering_mode)
        inner.add(invoices_box, 0)
        inner.finish()
        for combo in inner.findChildren(QComboBox):  # long choices wrap into the column's width
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        for form in inner.findChildren(QFormLayout):
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        area.setWidget(inner)
        outer.addWidget(area, 1)
        outer.addWidget(self.footer())
        self.reload()

    def _spin(self, low: int, high: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setMaximumWidth(120)  # a number, not a line of text
        spin.valueChanged.connect(lambda _v: self.mark_dirty())
        return spin

    def reload(self) -> None:
        values = admin.rules_settings()
        self._loading = True
        for name in ("comment_min_words", "comment_min_chars", "inactivity_days"):
            self.editor(name, QSpinBox).setValue(getattr(values, name))
        self.editor("comment_stop_phrases", QPlainTextEdit).setPlainText(
            "\n".join(values.comment_stop_phrases))
        self.editor("lost_reasons", QPlainTextEdit).setPlainText("\n".join(values.lost_reasons))
        self.editor("won_reasons", QPlainTextEdit).setPlainText("\n".join(values.won_reasons))
        set_combo_value(self.editor("contact_required_preset", QComboBox), values.contact_required_preset)
        set_combo_value(self.editor("phone_region", QComboBox), values.phone_region)
        set_combo_value(self.editor("offline_numbering", QComboBox), values.offline_numbering)
        self._loading = False
        self.set_clean()

    def values(self) -> dict[str, Any]:
        def lines(name: str) -> list[str]:
            text = self.editor(name, QPlainTextEdit).toPlainText()
            return [line.strip() for line in text.splitlines() if line.strip()]

        return {
            "comment_min_words": self.editor("comment_min_words", QSpinBox).value(),
            "comment_min_chars": self.editor("comment_min_chars", QSpinBox).value(),
            "comment_stop_phrases": lines("comment_stop_phrases"),
            "inactivity_days": self.editor("inactivity_days", QSpinBox).value(),
            "lost_reasons": lines("lost_reasons"),
            "won_reasons": lines("won_reasons"),
            "contact_required_preset": self.editor("contact_required_preset", QComboBox).currentData(),
            "phone_region": self.editor("phone_region", QComboBox).currentData(),
            "offline_numbering": self.editor("offline_numbering", QComboBox).currentData(),
        }

    def save_changes(self) -> bool:
        deals_affected = admin.save_rules_settings(self.values())
        self.reload()
        for entity in ("deals", "contacts"):
            self.context.notify_changed(entity)
        if deals_affected:
            recompute_deal_flags(self, self.context)
        return True


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("rules", N_("Rules"), RulesPage, order=30,
                       requires=Action.CHANGE_SETTINGS))
