"""The lead card (its fields and its interactions) and the Convert… wizard driven by rule 1.

The wizard first says whether the lead may be converted (a logged call, meeting, e-mail or message
the client answered, with a detailed comment) and why not; then it asks for the pipeline, whether
the client is an existing contact (the lead's duplicates are offered) or a new one (completing
what the contact rules require, such as the birth date), and whether to create the company the
lead names. The deal starts in the pipeline's first open stage.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import ContactId
from desktop_crm.services.listing import lists
from desktop_crm.services.sales import cards, leads
from desktop_crm.services.sales.contacts import contact_field_label
from desktop_crm.services.sales.rule_errors import DuplicateContact, MissingRequiredFields
from desktop_crm.services.system import session
from desktop_crm.views.cards.common import (
    ERROR_STYLE,
    CardDialog,
    DateField,
    open_card,
    set_combo_value,
)
from desktop_crm.views.cards.custom_fields import card_custom_fields, show_record_fields
from desktop_crm.views.cards.history import add_history_tab
from desktop_crm.views.cards.timeline import TimelineWidget
from desktop_crm.views.common.chips import StatusChip, lead_chip
from desktop_crm.views.common.section import FormSection, sections_page
from desktop_crm.views.context import AppContext
from desktop_crm.views.mail.card_actions import wire_card

LEAD_TEXT_FIELDS = ("title", "last_name", "first_name", "middle_name", "mobile_phone", "work_phone",
                    "private_email", "work_email", "company_name", "source")


def lead_labels() -> dict[str, str]:
    labels = {name: _cap(contact_field_label(name)) for name in leads.PERSON_FIELDS}
    labels.update(title=_("Title"), company_name=_("Company"), source=_("Source"),
                  comment=_("Comment"), responsible=_("Responsible"))
    return labels


def status_label(status: str) -> str:
    return {"new": _("New"), "in_progress": _("In progress"), "converted": _("Converted"),
            "junk": _("Junk")}.get(status, status)


class LeadCard(CardDialog):
    entity = Entity.LEADS

    def __init__(self, context: AppContext, record_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, record_id, parent)
        self.resize(820, 560)  # the sections fit: no empty half-screen below them
        self._values = cards.lead_card(record_id) if record_id else None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("lead_tabs")
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner, column = sections_page(area)
        labels = lead_labels()
        lead = FormSection(_("Lead"), inner, "lead")
        column.addWidget(lead)
        status_row = QHBoxLayout()
        self.status_chip = StatusChip(None, inner)
        self.status_chip.setObjectName("lead_status_chip")
        status_row.addWidget(self.status_chip)
        self.status = QLabel(inner)
        self.status.setObjectName("lead_status")
        self.status.hide()  # the chip says it; the label keeps the text for screen readers
        status_row.addWidget(self.status)
        status_row.addStretch(1)
        lead.form.addRow(_("Status") + ":", status_row)
        for name in ("title", "company_name"):
            self.add_field(lead.form, name, labels[name], QLineEdit(inner))
        lead.next_column()
        self.add_field(lead.form, "source", labels["source"], QLineEdit(inner))
        responsible = QComboBox(inner)
        responsible.addItem("—", None)
        for user in session.users():
            responsible.addItem(user.name, str(user.id))
        self.add_field(lead.form, "responsible", labels["responsible"], responsible)
        person = FormSection(_("Person"), inner, "person")
        column.addWidget(person)
        for name in ("last_name", "first_name", "middle_name"):
            self.add_field(person.form, name, labels[name], QLineEdit(inner))
        self.add_field(person.form, "birth_date", labels["birth_date"], DateField(inner, birth=True))
        person.next_column()
        for name in ("mobile_phone", "work_phone", "private_email", "work_email"):
            self.add_field(person.form, name, labels[name], QLineEdit(inner))
        notes = FormSection("", inner, "notes")
        column.addWidget(notes)
        comment = QPlainTextEdit(inner)
        comment.setMaximumHeight(80)
        self.add_field(notes.form, "comment", labels["comment"], comment)
        self.custom = card_custom_fields(self, Entity.LEADS, inner)
        column.addWidget(self.custom)
        column.addStretch(1)
        area.setWidget(inner)
        self.tabs.addTab(area, _("Details"))
        self.timeline: TimelineWidget | None = None
        if record_id:
            self._attach_timeline()
        else:
            placeholder = QLabel(_("Save the lead to log calls, meetings and messages."), self)
            placeholder.setWordWrap(True)
            self.tabs.addTab(placeholder, _("Interactions"))
            self.tabs.setTabEnabled(1, False)
        self.field_history = add_history_tab(self, context, self.tabs, "lead", Entity.LEADS,
                                             record_id)
        self.convert_button = self.buttons.addButton(_("Convert…"),
                                                     self.buttons.ButtonRole.ActionRole)
        self.convert_button.setObjectName("convert_button")
        self.convert_button.clicked.connect(self.start_conversion)
        self.junk_button = self.buttons.addButton(_("Junk…"), self.buttons.ButtonRole.ActionRole)
        self.junk_button.setObjectName("junk_button")
        self.junk_button.setToolTip(_("Close the lead as junk, saying why."))
        self.junk_button.clicked.connect(self.mark_junk)
        self.finish_layout(self.tabs)
        wire_card(self, "lead", ("work_email", "private_email"), ("mobile_phone", "work_phone"))
        self._load()

    def _attach_timeline(self) -> None:
        assert self.record_id is not None
        self.timeline = TimelineWidget(self.context, {"lead": self.record_id}, self)
        self.timeline.added.connect(self._update_convert)
        self.drafts.append(self.timeline)
        if self.tabs.count() > 1:
            self.tabs.removeTab(1)
        self.tabs.insertTab(1, self.timeline, _("Interactions"))

    def reload_record(self) -> None:
        if self.record_id:
            self._values = cards.lead_card(self.record_id)
            if self._values is not None:
                self._load()

    def _load(self) -> None:
        self._loading = True
        values = self._values or {"responsible": str(self.context.user.id)}
        for name, editor in self.editors.items():
            value = values.get(name)
            if isinstance(editor, QLineEdit):
                editor.setText(value or "")
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(value or "")
            elif isinstance(editor, DateField):
                editor.set_value(value)
            elif isinstance(editor, QComboBox):
                set_combo_value(editor, value)
        converted = bool(values.get("converted"))
        for name, editor in self.editors.items():
            if name not in ("comment", "responsible"):
                editor.setEnabled(not converted)
        show_record_fields(self.custom, Entity.LEADS, self.record_id)
        self.custom.setEnabled(not converted)
        self.status.setText(status_label(values.get("status", "new")))
        self.status_chip.set_chip(lead_chip(values.get("status", "new")))
        self._loading = False
        self._update_convert()
        self._update_title()

    def mark_junk(self) -> None:
        if not self.record_id or (self.dirty and not self.save()):
            return
        from desktop_crm.views.cards.closing import junk_selected

        dialog = junk_selected(self.context, self, [self.record_id])
        dialog.accepted.connect(self._reload_values)

    def _reload_values(self) -> None:
        if self.record_id:
            self._values = cards.lead_card(self.record_id)
            self._load()

    def _update_convert(self) -> None:
        status = (self._values or {}).get("status", "new")
        self.junk_button.setEnabled(bool(self.record_id) and status not in ("converted", "junk"))
        if not self.record_id:
            self.convert_button.setEnabled(False)
            self.convert_button.setToolTip(_("Save the lead first."))
            return
        _allowed, reason = cards.conversion_check(self.record_id)
        self.convert_button.setEnabled(not (self._values or {}).get("converted"))
        self.convert_button.setToolTip(reason or _("Create a contact and a deal from this lead."))

    def card_title(self) -> str:
        if self._values:
            return _("Lead: {title}").format(title=self._values.get("title") or "—")
        return _("New lead")

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if not editor.isEnabled():
                continue
            if isinstance(editor, QLineEdit):
                values[name] = editor.text()
            elif isinstance(editor, QPlainTextEdit):
                values[name] = editor.toPlainText()
            elif isinstance(editor, DateField):
                values[name] = editor.value()
            elif isinstance(editor, QComboBox):
                values[name] = editor.currentData()
        return values

    def on_edited(self) -> None:
        errors = {}
        for name in ("mobile_phone", "work_phone"):
            raw = self.editors[name].text().strip()  # type: ignore[attr-defined]
            if raw and not cards.phone_preview(raw):
                errors[name] = _("“{phone}” is not a valid phone number.").format(phone=raw)
        self.show_errors(errors)

    def save_changes(self) -> bool:
        values = self.values()
        lead_id = cards.save_with_custom(Entity.LEADS, lambda: cards.save_lead(
            self.record_id, values, self.context.user.id), self.custom.values())
        created = self.record_id is None
        self.record_id = lead_id
        self._values = cards.lead_card(lead_id)
        self.show_banner("")
        self.show_errors({})
        if created:
            self._attach_timeline()
            self.tabs.setTabEnabled(1, True)
        self._load()
        return True

    def start_conversion(self) -> ConvertWizard | None:
        if self.has_unsaved() and not self.save():
            return None
        assert self.record_id is not None
        wizard = ConvertWizard(self.context, self.record_id, self)
        wizard.converted.connect(self._converted)
        wizard.open()
        return wizard

    def _converted(self, deal_id: str) -> None:
        assert self.record_id is not None  # only a saved lead is converted
        self._values = cards.lead_card(self.record_id)
        self._load()
        if self.timeline is not None:
            self.timeline.reload()
        for entity in (Entity.LEADS, Entity.CONTACTS, Entity.DEALS, Entity.COMPANIES):
            self.context.notify_changed(entity)
        self.context.show_status(_("The lead is converted; its deal is open."))
        self.context.open_record(Entity.DEALS, deal_id, self.parentWidget())


class ConvertWizard(QWizard):
    """Lead → contact + deal (rule 1), see the module docstring."""

    converted = Signal(str)  # the new deal's id

    def __init__(self, context: AppContext, lead_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("convert_wizard")
        self.context = context
        self.lead_id = lead_id
        self.lead = cards.lead_card(lead_id) or {}
        self.setWindowTitle(_("Convert the lead"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Convert"))
        self.setButtonText(QWizard.WizardButton.NextButton, _("Next >"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("< Back"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Cancel"))
        self.resize(620, 520)
        self.check_page = CheckPage(self)
        self.deal_page = DealPage(self)
        self.contact_page = ContactPage(self)
        for page in (self.check_page, self.deal_page, self.contact_page):
            self.addPage(page)

    def accept(self) -> None:
        page = self.contact_page
        try:
            result = cards.convert_lead(
                self.lead_id,
                self.context.user.id,
                pipeline=self.deal_page.pipeline.currentData(),
                existing_contact=page.existing_contact(),
                create_company=page.create_company.isChecked(),
                contact_values=page.contact_values(),
                not_duplicate_of=page.not_duplicate_of(),
            )
        except DuplicateContact as error:
            page.offer_duplicates([
                cards.DuplicateInfo(ContactId(m.contact_id), m.name, "") for m in error.matches
            ])
            page.show_error(error.message)
            return
        except MissingRequiredFields as error:
            page.show_error(error.message, error.fields)
            return
        except CrmError as error:
            field = error.field if isinstance(error, ValidationError) else None
            page.show_error(error.message, [field] if field else [])
            return
        super().accept()
        self.converted.emit(str(result.deal_id))


class CheckPage(QWizardPage):
    def __init__(self, wizard: ConvertWizard) -> None:
        super().__init__(wizard)
        self.wizard_ = wizard
        self.setTitle(_("Can the lead be converted?"))
        layout = QVBoxLayout(self)
        self.message = QLabel(self)
        self.message.setObjectName("conversion_reason")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def initializePage(self) -> None:
        allowed, reason = cards.conversion_check(self.wizard_.lead_id)
        self.allowed = allowed
        if allowed:
            self.message.setStyleSheet("")
            self.message.setText(
                _("The client answered and the conversation is described in detail: the lead "
                  "can become a contact and a deal."))
        else:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(reason + "\n\n" + _(
                "Close this window and log the conversation on the lead's Interactions tab."))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(getattr(self, "allowed", False))


class DealPage(QWizardPage):
    def __init__(self, wizard: ConvertWizard) -> None:
        super().__init__(wizard)
        self.setTitle(_("The deal"))
        self.setSubTitle(_("The deal starts in the first open stage of the pipeline."))
        form = QFormLayout(self)
        self.pipeline = QComboBox(self)
        self.pipeline.setObjectName("convert_pipeline")
        for choice in lists.pipeline_choices():
            self.pipeline.addItem(choice.name, choice.id)
        form.addRow(_("Pipeline") + ":", self.pipeline)
        title = QLabel(wizard.lead.get("title", ""), self)
        form.addRow(_("Deal") + ":", title)


class ContactPage(QWizardPage):
    """Existing contact (from the lead's duplicates) or a new one; optional company."""

    def __init__(self, wizard: ConvertWizard) -> None:
        super().__init__(wizard)
        self.wizard_ = wizard
        self.setTitle(_("The client"))
        layout = QVBoxLayout(self)
        self.choice = QButtonGroup(self)
        self.new_radio = QRadioButton(_("Create a new contact from the lead"), self)
        self.new_radio.setObjectName("convert_new_contact")
        self.new_radio.setChecked(True)
        self.choice.addButton(self.new_radio)
        layout.addWidget(self.new_radio)
        self.fields_box = QWidget(self)
        form = QFormLayout(self.fields_box)
        self.birth_date = DateField(self.fields_box, birth=True)
        self.birth_date.setObjectName("convert_birth_date")
        self.birth_date.set_value(wizard.lead.get("birth_date"))
        form.addRow(_cap(contact_field_label("birth_date")) + ":", self.birth_date)
        self.mobile = QLineEdit(wizard.lead.get("mobile_phone", ""), self.fields_box)
        self.mobile.setObjectName("convert_mobile_phone")
        form.addRow(_cap(contact_field_label("mobile_phone")) + ":", self.mobile)
        self.email = QLineEdit(wizard.lead.get("private_email", ""), self.fields_box)
        self.email.setObjectName("convert_private_email")
        form.addRow(_cap(contact_field_label("private_email")) + ":", self.email)
        layout.addWidget(self.fields_box)
        self.existing_radio = QRadioButton(_("Use an existing contact:"), self)
        self.existing_radio.setObjectName("convert_existing_contact")
        self.choice.addButton(self.existing_radio)
        layout.addWidget(self.existing_radio)
        self.existing = QComboBox(self)
        self.existing.setObjectName("convert_existing")
        layout.addWidget(self.existing)
        self.not_duplicate = QCheckBox(
            _("These look alike, but the lead is a different person"), self)
        self.not_duplicate.setObjectName("convert_not_duplicate")
        layout.addWidget(self.not_duplicate)
        company_name = wizard.lead.get("company_name") or ""
        self.create_company = QCheckBox(
            _("Create the company “{name}”").format(name=company_name) if company_name
            else _("The lead names no company"), self)
        self.create_company.setObjectName("convert_create_company")
        self.create_company.setEnabled(bool(company_name))
        layout.addWidget(self.create_company)
        self.error = QLabel(self)
        self.error.setObjectName("convert_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.new_radio.toggled.connect(self._update)

    def initializePage(self) -> None:
        self.offer_duplicates(cards.conversion_duplicates(self.wizard_.lead_id))

    def offer_duplicates(self, duplicates: list[cards.DuplicateInfo]) -> None:
        self.existing.clear()
        for dup in duplicates:
            label = f"{dup.name} ({dup.matched})" if dup.matched else dup.name
            self.existing.addItem(label, dup.contact_id)
        has = bool(duplicates)
        self.existing_radio.setEnabled(has)
        if has:
            self.existing_radio.setChecked(True)
        self._update()

    def _update(self) -> None:
        new = self.new_radio.isChecked()
        self.fields_box.setEnabled(new)
        self.existing.setEnabled(not new and self.existing.count() > 0)
        self.not_duplicate.setVisible(new and self.existing.count() > 0)

    def existing_contact(self) -> ContactId | None:
        return None if self.new_radio.isChecked() else self.existing.currentData()

    def not_duplicate_of(self) -> list[ContactId]:
        if self.new_radio.isChecked() and self.not_duplicate.isChecked():
            return [self.existing.itemData(i) for i in range(self.existing.count())]
        return []

    def contact_values(self) -> dict[str, Any]:
        if not self.new_radio.isChecked():
            return {}
        values: dict[str, Any] = {}
        if self.birth_date.value():
            values["birth_date"] = self.birth_date.value()
        if self.mobile.text().strip():
            values["mobile_phone"] = self.mobile.text()
        if self.email.text().strip():
            values["private_email"] = self.email.text()
        return values

    def show_error(self, message: str, fields: list[str] | None = None) -> None:
        self.error.setText(message)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def open_lead_card(context: AppContext, record_id: str | None,
                   parent: QWidget | None = None) -> LeadCard | None:
    card = open_card(lambda: LeadCard(context, record_id, parent), Entity.LEADS, record_id)
    assert card is None or isinstance(card, LeadCard)
    return card


__all__ = ["ConvertWizard", "LeadCard", "open_lead_card"]
