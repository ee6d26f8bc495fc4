"""The contact card: the person's fields under rules 4 and 5, their deals and their timeline.

While typing, each field shows what the rules would refuse (a required field left empty, a phone
or e-mail that is not valid, an e-mail of one of our own users) and a phone shows how it will be
stored. When the identifying fields match an existing contact (rule 5) a warning offers "Open
existing" and "Not a duplicate" (which records the decision through the contacts service and saves).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.ids import CompanyId, ContactId, as_uuid
from desktop_crm.services.sales import cards, contacts, deal_card, photos
from desktop_crm.services.sales.contacts import CONTACT_FIELDS, IDENTIFYING, contact_field_label
from desktop_crm.services.sales.rule_errors import DuplicateContact
from desktop_crm.services.system import session
from desktop_crm.views.cards.common import (
    OK_STYLE,
    CardDialog,
    DateField,
    RowsModel,
    deal_headers,
    deal_rows,
    open_card,
    rows_table,
    set_combo_value,
)
from desktop_crm.views.cards.custom_fields import card_custom_fields, show_record_fields
from desktop_crm.views.cards.history import add_history_tab
from desktop_crm.views.cards.timeline import TimelineWidget
from desktop_crm.views.common.contact_links import CardHeader
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.common.palette import WARN_BORDER, WARN_TINT
from desktop_crm.views.common.section import FormSection, sections_page
from desktop_crm.views.context import AppContext
from desktop_crm.views.deals.card_widgets import SearchPicker
from desktop_crm.views.mail.card_actions import wire_card

CHECK_DELAY_MS = 250


class ContactCard(CardDialog):
    entity = Entity.CONTACTS

    def __init__(self, context: AppContext, record_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, record_id, parent)
        self.resize(760, 720)
        self._values = cards.contact_card(record_id) if record_id else None
        self._not_duplicate_of: set[ContactId] = set()
        self._duplicates: list[cards.DuplicateInfo] = []
        self._touched: set[str] = set()
        self._tried_save = False
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.run_checks)

        body = QWidget(self)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._build_duplicate_warning())
        self.tabs = QTabWidget(body)
        self.tabs.setObjectName("contact_tabs")
        column.addWidget(self.tabs, 1)
        self.tabs.addTab(self._build_form(), _("Details"))
        self.deals_model = RowsModel(deal_headers(), self)
        self.deals_view = rows_table(self, self.deals_model,
                                     lambda rid: context.open_record(Entity.DEALS, rid, self))
        self.deals_view.setObjectName("contact_deals")
        self.tabs.addTab(self.deals_view, _("Deals"))
        self.timeline: TimelineWidget | None = None
        if record_id:
            self.timeline = TimelineWidget(context, {"contact": record_id}, self)
            self.drafts.append(self.timeline)
            self.tabs.addTab(self.timeline, _("Timeline"))
            self._load_deals()
        else:
            placeholder = QLabel(_("Save the contact to see its deals and timeline."), self)
            placeholder.setWordWrap(True)
            self.tabs.addTab(placeholder, _("Timeline"))
            self.tabs.setTabEnabled(1, False)
        self.field_history = add_history_tab(self, context, self.tabs, "contact", Entity.CONTACTS,
                                             record_id)
        self.finish_layout(body)
        wire_card(self, "contact", ("work_email", "private_email"), ("mobile_phone", "work_phone"))
        self._load()

    # --- construction -----------------------------------------------------------------------
    def _build_duplicate_warning(self) -> QFrame:
        frame = QFrame(self)
        frame.setObjectName("duplicate_warning")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setStyleSheet(
            f"#duplicate_warning {{ background: {WARN_TINT}; border: 1px solid {WARN_BORDER}; }}")
        row = QHBoxLayout(frame)
        self.duplicate_label = QLabel(frame)
        self.duplicate_label.setObjectName("duplicate_text")
        self.duplicate_label.setWordWrap(True)
        row.addWidget(self.duplicate_label, 1)
        self.open_existing_button = QPushButton(_("Open existing"), frame)
        self.open_existing_button.setObjectName("open_existing")
        self.open_existing_button.clicked.connect(self.open_existing)
        self.not_duplicate_button = QPushButton(_("Not a duplicate"), frame)
        self.not_duplicate_button.setObjectName("not_duplicate")
        self.not_duplicate_button.setToolTip(
            _("Record that this is a different person and save the contact."))
        self.not_duplicate_button.clicked.connect(self.not_a_duplicate)
        self.merge_button = QPushButton(_("Merge…"), frame)
        self.merge_button.setObjectName("merge_duplicate")
        self.merge_button.setToolTip(_("Merge this contact and the existing one, choosing the "
                                       "values to keep."))
        self.merge_button.clicked.connect(self.merge_with_existing)
        row.addWidget(self.open_existing_button)
        row.addWidget(self.merge_button)
        row.addWidget(self.not_duplicate_button)
        frame.hide()
        self.duplicate_frame = frame
        return frame

    def _build_form(self) -> QScrollArea:
        """The header (face, name, phones to call, addresses to write to), then the fields in
        sections: two columns where the card is wide, one where it is narrow."""
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner, column = sections_page(area)
        self.header = CardHeader(inner)
        self.header.set_photo_actions(self.choose_photo, self.remove_photo)
        column.addWidget(self.header)
        required = set(cards.required_contact_fields())
        self.phone_previews: dict[str, QLabel] = {}
        person = FormSection(_("Person"), inner, "person")
        column.addWidget(person)
        for name in ("last_name", "first_name", "middle_name"):
            self.add_field(person.form, name, _label(name), QLineEdit(inner), name in required)
        self.add_field(person.form, "birth_date", _label("birth_date"), DateField(inner, birth=True),
                       "birth_date" in required)
        person.next_column()
        # a search picker: a business may have many thousands of client companies
        company = SearchPicker(deal_card.company_choices, _("Type a name, INN or VAT number"),
                               inner)
        self.add_field(person.form, "company", _label("company"), company)
        company.changed.connect(self.mark_dirty)
        self.add_field(person.form, "position", _label("position"), QLineEdit(inner))
        responsible = QComboBox(inner)
        responsible.addItem("—", None)
        for user in session.users():
            responsible.addItem(user.name, str(user.id))
        self.add_field(person.form, "responsible", _label("responsible"), responsible)
        self.add_field(person.form, "source", _label("source"), QLineEdit(inner))
        reach = FormSection(_("Phones and e-mail"), inner, "reach")
        column.addWidget(reach)
        for name in ("mobile_phone", "work_phone"):
            editor = QLineEdit(inner)
            editor.setPlaceholderText(cards.phone_placeholder())  # the business's phone region
            self.add_field(reach.form, name, _label(name), editor, name in required)
            preview = QLabel(inner)
            preview.setObjectName(f"preview_{name}")
            preview.setStyleSheet(OK_STYLE)
            preview.hide()
            holder = self.error_labels[name].parentWidget()
            field_column = holder.layout() if holder is not None else None
            assert field_column is not None  # add_field puts each message in a column of its own
            field_column.addWidget(preview)
            self.phone_previews[name] = preview
        reach.next_column()
        for name in ("private_email", "work_email"):
            self.add_field(reach.form, name, _label(name), QLineEdit(inner), name in required)
        notes = FormSection("", inner, "notes")
        column.addWidget(notes)
        comment = QPlainTextEdit(inner)
        comment.setMaximumHeight(80)
        self.add_field(notes.form, "comment", _label("comment"), comment)
        self._build_fiscal_fields(column, inner)
        self.custom = card_custom_fields(self, Entity.CONTACTS, inner)
        column.addWidget(self.custom)
        hint = QLabel(_("* required by the contact rules"), inner)
        hint.setObjectName("required_hint")
        column.addWidget(hint)
        column.addStretch(1)
        for name, field in self.editors.items():
            if isinstance(field, QLineEdit):
                field.textEdited.connect(lambda _t, n=name: self._touched.add(n))
        area.setWidget(inner)
        return area

    def reload_record(self) -> None:
        if self.record_id:
            self._values = cards.contact_card(self.record_id)
            if self._values is not None:
                self._load()

    def _build_fiscal_fields(self, column: QVBoxLayout, inner: QWidget) -> None:
        """What a private client's invoices need in their country: Italy's codice fiscale and an
        address with CAP, comune and provincia; Russia's address and an optional personal ИНН."""
        section = FormSection(_("For invoices to a private person"), inner, "fiscal")
        section.title_label.setObjectName("fiscal_heading")
        column.addWidget(section)
        country = QComboBox(inner)
        country.addItem("—", "")
        for code, name in contacts.fiscal_countries():
            country.addItem(name, code)
        self.add_field(section.form, "country", _label("country"), country)
        for name in ("fiscal_code", "inn"):
            self.add_field(section.form, name, _label(name), QLineEdit(inner))
        section.next_column()
        for name in ("address", "postal_code", "city", "province"):
            self.add_field(section.form, name, _label(name), QLineEdit(inner))

    def _load(self) -> None:
        self._loading = True
        values = self._values or {}
        for name, editor in self.editors.items():
            value = values.get(name)
            if isinstance(editor, QLineEdit):
                editor.setText(value or "")
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(value or "")
            elif isinstance(editor, DateField):
                editor.set_value(value)
            elif isinstance(editor, QComboBox):
                if name == "responsible" and not self.record_id:
                    value = str(self.context.user.id)
                set_combo_value(editor, value)
            elif isinstance(editor, SearchPicker):
                company = cards.company_card(value) if value else None
                editor.set_choice(deal_card.Choice(CompanyId(as_uuid(value)), company["display_name"])
                                  if value and company else None)
        show_record_fields(self.custom, Entity.CONTACTS, self.record_id)
        self._loading = False
        self._update_previews()
        self._update_title()
        self._update_header()

    def _update_header(self) -> None:
        """The head of a saved contact: face, name, position, phones to call, addresses."""
        values = self._values or {}
        self.header.setVisible(bool(self.record_id))
        self.header.set_photo(photos.contact_photo(self.record_id) if self.record_id else None)
        self.header.set_record(values.get("full_name") or "", values.get("position") or "",
                               (values.get("mobile_phone") or "", values.get("work_phone") or ""),
                               (values.get("private_email") or "", values.get("work_email") or ""))

    # --- photo ------------------------------------------------------------------------------
    def choose_photo(self) -> None:
        """Ask for a picture (the application's own file dialog) and make it the photo."""
        dialog = QFileDialog(self, _("Choose a photo"), "", _("Pictures (*.png *.jpg *.jpeg)"))
        dialog.setObjectName("photo_dialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        if dialog.exec() and dialog.selectedFiles():
            self.load_photo(dialog.selectedFiles()[0])

    def load_photo(self, path: str) -> bool:
        """Make the picture at ``path`` the contact's photo; a refusal says why."""
        if not self.record_id:
            return False
        try:
            with open(path, "rb") as handle:
                data = handle.read(photos.MAX_FILE_BYTES + 1)
            photos.set_contact_photo(self.record_id, data)
        except OSError as error:
            show_error(self, _("The file cannot be read: {error}").format(error=error.strerror or error))
            return False
        except CrmError as error:
            show_error(self, error.message)
            return False
        self._photo_changed()
        return True

    def remove_photo(self) -> None:
        if not self.record_id:
            return
        try:
            photos.set_contact_photo(self.record_id, None)
        except CrmError as error:
            show_error(self, error.message)
            return
        self._photo_changed()

    def _photo_changed(self) -> None:
        assert self.record_id is not None
        self.header.set_photo(photos.contact_photo(self.record_id))
        self.context.notify_changed(self.entity)

    def _load_deals(self) -> None:
        if self.record_id:
            self.deals_model.set_rows(deal_rows(cards.deals_of(contact=self.record_id)))

    def card_title(self) -> str:
        if self._values:
            return _("Contact: {name}").format(name=self._values.get("full_name") or "—")
        return _("New contact")

    # --- values and checks ------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in CONTACT_FIELDS:
            editor = self.editors[name]
            if isinstance(editor, QLineEdit):
                values[name] = editor.text()
            elif isinstance(editor, QPlainTextEdit):
                values[name] = editor.toPlainText()
            elif isinstance(editor, DateField):
                values[name] = editor.value()
            elif isinstance(editor, QComboBox):
                values[name] = editor.currentData()
            elif isinstance(editor, SearchPicker):
                choice = editor.choice()
                values[name] = choice.id if choice else None
        return values

    def on_edited(self) -> None:
        self._update_previews()
        self._check_timer.start()

    def _update_previews(self) -> None:
        for name, label in self.phone_previews.items():
            raw = self.editors[name].text().strip()  # type: ignore[attr-defined]
            shown = cards.phone_preview(raw) if raw else ""
            label.setText(_("Will be saved as {phone}").format(phone=shown) if shown else "")
            label.setVisible(bool(shown) and self.editors[name].isModified()  # type: ignore[attr-defined]
                             and shown.replace(" ", "") != raw.replace(" ", ""))

    def run_checks(self) -> None:
        """The inline messages and the duplicate warning for the values as typed now."""
        self._check_timer.stop()
        values = self.values()
        errors = cards.contact_field_errors(values, self.record_id)
        # A required field is only reported once the user has been there or tried to save.
        shown = {n: m for n, m in errors.items()
                 if values.get(n) or n in self._touched or self._tried_save}
        self.show_errors(shown)
        if any(values.get(name) for name in IDENTIFYING):
            self.show_duplicates(cards.live_duplicates(values, self.record_id,
                                                       tuple(self._not_duplicate_of)))
        else:
            self.show_duplicates([])

    def show_duplicates(self, duplicates: list[cards.DuplicateInfo]) -> None:
        self._duplicates = duplicates
        if not duplicates:
            self.duplicate_frame.hide()
            return
        first = duplicates[0]
        text = _("Looks like an existing contact: {name} (same {fields}).").format(
            name=first.name or "—", fields=first.matched)
        if len(duplicates) > 1:
            text += " " + ngettext("And {count} more.", "And {count} more.",
                                   len(duplicates) - 1).format(count=len(duplicates) - 1)
        self.duplicate_label.setText(text)
        self.merge_button.setVisible(self.record_id is not None)  # a saved contact can be merged
        self.duplicate_frame.show()

    # --- actions ----------------------------------------------------------------------------
    def open_existing(self) -> None:
        if self._duplicates:
            self.context.open_record(Entity.CONTACTS, self._duplicates[0].contact_id, self.parentWidget())

    def merge_with_existing(self) -> None:
        """Merge with the duplicate found (saved changes first); the card then shows the contact
        kept, or closes when this one was merged into the other."""
        if not self._duplicates or self.record_id is None:
            return
        from desktop_crm.views.cards.merge import MergeDialog

        dialog = MergeDialog(self.context, str(self._duplicates[0].contact_id), self.record_id,
                             self.parentWidget())  # it outlives the card when this one is merged away
        dialog.merged.connect(self._merged)
        dialog.open()
        self.merge_dialog = dialog

    def _merged(self, survivor_id: str) -> None:
        if survivor_id == self.record_id:
            self._values = cards.contact_card(survivor_id)
            self._load()
            self.set_clean()
            self.duplicate_frame.hide()
            return
        self.set_clean()
        self.close()
        self.context.open_record(Entity.CONTACTS, survivor_id, self.parentWidget())

    def not_a_duplicate(self) -> None:
        self._not_duplicate_of.update(d.contact_id for d in self._duplicates)
        self.duplicate_frame.hide()
        self._dirty = True
        self.save()

    def save_changes(self) -> bool:
        self._tried_save = True
        values = self.values()
        if not self.record_id:
            values = {k: v for k, v in values.items() if v not in ("", None)}
        try:
            contact_id = cards.save_with_custom(Entity.CONTACTS, lambda: cards.save_contact(
                self.record_id, values, self.context.user.id, tuple(self._not_duplicate_of)),
                self.custom.values())
        except DuplicateContact as error:
            self.show_banner("")
            self.show_duplicates([
                cards.DuplicateInfo(ContactId(m.contact_id), m.name, error.message)
                for m in error.matches
            ])
            self.duplicate_label.setText(error.message)
            return False
        created = self.record_id is None
        self.record_id = contact_id
        self._values = cards.contact_card(contact_id)
        self.show_banner("")
        self.show_errors({})
        self.duplicate_frame.hide()
        if created:
            self._attach_timeline()
        self._load_deals()
        return True

    def _attach_timeline(self) -> None:
        assert self.record_id is not None
        self.timeline = TimelineWidget(self.context, {"contact": self.record_id}, self)
        self.drafts.append(self.timeline)
        self.tabs.removeTab(2)
        self.tabs.insertTab(2, self.timeline, _("Timeline"))
        self.tabs.setTabEnabled(1, True)


def _label(name: str) -> str:
    text = contact_field_label(name)
    return text[:1].upper() + text[1:]


def open_contact_card(context: AppContext, record_id: str | None,
                      parent: QWidget | None = None) -> ContactCard | None:
    card = open_card(lambda: ContactCard(context, record_id, parent), Entity.CONTACTS, record_id)
    assert card is None or isinstance(card, ContactCard)
    return card
