"""The deal card: stage bar, fields, pickers, product lines, what is missing, timeline, documents and
the stage history.

* Header: the title, a clickable stage bar (``views.deals.card_widgets``; as in Bitrix24 the stages
  up to the current one are filled; a click moves the deal through the stage rules, lost asks the
  reason) and the probability.
* Fields: contact and company pickers that search as you type, responsible, product group,
  currency, expected close date, probability, comment (with the detailed-comment hint).
* The "what is missing" panel lists what the correctness rule still wants.
* Tabs: Products (``views.deals.lines``), Timeline (``views.deals.card_timeline``: add a comment,
  call, meeting or task; stage changes and documents appear as they happen), Quotes and Invoices
  (the documents area's ``DealDocumentsPanel``: status and totals, create a quote or an invoice
  from the deal and every action the document's status allows), Stage history (time spent in
  each stage).
* Ctrl+S saves fields and lines in one transaction; closing with unsaved changes asks first.
  Ctrl+Z in the lines table undoes line edits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_datetime, format_money
from desktop_crm.ids import DealId, IdLike, StageId, as_uuid
from desktop_crm.services.listing import lists
from desktop_crm.services.sales import deal_card, rules
from desktop_crm.services.sales.board import BoardMove
from desktop_crm.services.sales.deal_card import DealData
from desktop_crm.views.cards.custom_fields import CUSTOM_FIELDS, CUSTOM_VALUES, CustomFieldsPanel
from desktop_crm.views.cards.history import add_history_tab
from desktop_crm.views.common.accessibility import label_forms
from desktop_crm.views.common.date_field import OptionalDateEdit
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.common.palette import HINT_COLOR, OK_TINT, WARN_TINT
from desktop_crm.views.context import AppContext
from desktop_crm.views.deals.card_summary import DealSummary
from desktop_crm.views.deals.card_timeline import TimelinePanel
from desktop_crm.views.deals.card_widgets import SearchPicker, StageBar, format_duration, local_time
from desktop_crm.views.deals.lines import LinesEditor
from desktop_crm.views.deals.moves import request_move
from desktop_crm.views.documents.panel import DealDocumentsPanel
from desktop_crm.views.mail.card_actions import deal_contact_links, show_deal_contact_points

CURRENCIES = ("RUB", "EUR", "USD")
NO_DATE = QDate(2000, 1, 1)
_OPEN_CARDS: dict[DealId, DealCard] = {}
#: What the card shows: a change to any of these reloads it.
_SHOWN = {Entity.DEALS, Entity.QUOTES, Entity.INVOICES, Entity.ACTIVITIES, Entity.TASKS,
          Entity.PIPELINES, Entity.CONTACTS, Entity.COMPANIES, CUSTOM_FIELDS, CUSTOM_VALUES}


class DealCard(QDialog):
    saved = Signal(str)

    def __init__(self, context: AppContext, data: DealData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.data = data
        self._dirty = False
        self._loading = False
        self.setObjectName("deal_card")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1180, 760)
        outer = QVBoxLayout(self)

        # header
        head = QHBoxLayout()
        self.title = QLineEdit(self)
        self.title.setObjectName("deal_title")
        self.title.setPlaceholderText(_("Title of the deal"))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        head.addWidget(self.title, 1)
        self.amount_label = QLabel(self)
        self.amount_label.setObjectName("deal_amount")
        self.amount_label.setFont(font)
        head.addWidget(self.amount_label)
        outer.addLayout(head)
        self.summary = DealSummary(self)
        outer.addWidget(self.summary)
        bar_row = QHBoxLayout()
        self.stage_bar = StageBar(self)
        self.stage_bar.stage_clicked.connect(self.move_to)
        bar_row.addWidget(self.stage_bar, 1)
        self.probability_label = QLabel(self)
        self.probability_label.setObjectName("deal_probability")
        bar_row.addWidget(self.probability_label)
        outer.addLayout(bar_row)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("deal_state")
        outer.addWidget(self.state_label)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter, 1)

        # fields (scrolling when the custom fields make them taller than the window)
        scroll = QScrollArea(splitter)
        scroll.setObjectName("deal_fields_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        left = QWidget(scroll)
        scroll.setWidget(left)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.contact = SearchPicker(deal_card.contact_choices, _("Type a name, phone or e-mail"), left)
        self.contact.setObjectName("deal_contact")
        self.contact.changed.connect(self._contact_changed)
        form.addRow(_("Contact:"), self.contact)
        self.company = SearchPicker(deal_card.company_choices, _("Type a name, INN or VAT number"), left)
        self.company.setObjectName("deal_company")
        self.company.changed.connect(self._mark_dirty)
        form.addRow(_("Company:"), self.company)
        self.contact_links = deal_contact_links(self, left)  # ✉ write, ☎ call / log a call
        form.addRow("", self.contact_links)
        self.responsible = QComboBox(left)
        self.responsible.setObjectName("deal_responsible")
        self.responsible.addItem("—", None)
        for choice in lists.responsible_choices():
            self.responsible.addItem(choice.name, choice.id)
        form.addRow(_("Responsible:"), self.responsible)
        self.product_group = QComboBox(left)
        self.product_group.setObjectName("deal_product_group")
        self.product_group.addItem("—", None)
        for choice in lists.product_group_choices():
            self.product_group.addItem(choice.name, choice.id)
        form.addRow(_("Product group:"), self.product_group)
        self.currency = QComboBox(left)
        self.currency.setObjectName("deal_currency")
        self.currency.setEditable(True)
        self.currency.addItems(CURRENCIES)
        form.addRow(_("Currency:"), self.currency)
        self.seller = QComboBox(left)
        self.seller.setObjectName("deal_seller")
        self.seller.setToolTip(_("Your company that issues this deal's quotes and invoices"))
        form.addRow(_("Seller:"), self.seller)
        self.close_date = OptionalDateEdit(left, _("not set"), NO_DATE)  # typed, or from today
        self.close_date.setObjectName("deal_close_date")
        form.addRow(_("Expected close:"), self.close_date)
        self.probability = QSpinBox(left)
        self.probability.setObjectName("deal_probability_edit")
        self.probability.setRange(0, 100)
        self.probability.setSuffix(" %")
        form.addRow(_("Probability:"), self.probability)
        left_layout.addLayout(form)
        self.custom = CustomFieldsPanel(left)  # the pipeline's custom fields, block by block
        self.custom.changed.connect(self._mark_dirty)
        left_layout.addWidget(self.custom)
        left_layout.addWidget(QLabel(_("Comment:"), left))
        self.comment = QPlainTextEdit(left)
        self.comment.setObjectName("deal_comment")
        self.comment.setPlaceholderText(_("What the client needs, what was agreed"))
        self.comment.setMaximumHeight(110)
        left_layout.addWidget(self.comment)
        self.comment_hint = QLabel(left)
        self.comment_hint.setObjectName("comment_hint")
        self.comment_hint.setWordWrap(True)
        self.comment_hint.setStyleSheet(f"color: {HINT_COLOR};")
        left_layout.addWidget(self.comment_hint)
        self.missing_panel = QLabel(left)
        self.missing_panel.setObjectName("missing_panel")
        self.missing_panel.setWordWrap(True)
        self.missing_panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.missing_panel.setTextFormat(Qt.TextFormat.RichText)
        self.missing_panel.setMargin(8)
        left_layout.addWidget(self.missing_panel)
        left_layout.addStretch(1)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(left.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width())
        splitter.addWidget(scroll)

        # tabs
        self.tabs = QTabWidget(splitter)
        self.tabs.setObjectName("deal_tabs")
        self.lines = LinesEditor(data.vat, data.currency, self.tabs)
        self.lines.changed.connect(self._lines_changed)
        self.tabs.addTab(self.lines, _("Products"))
        self.timeline = TimelinePanel(self, self.tabs)
        self.tabs.addTab(self.timeline, _("Timeline"))
        # the documents are loaded once, by show_data (refresh_side), not also here
        self.quotes = DealDocumentsPanel(context, None, "quote", self.tabs)
        self.tabs.addTab(self.quotes, _("Quotes"))
        self.invoices = DealDocumentsPanel(context, None, "invoice", self.tabs)
        self.tabs.addTab(self.invoices, _("Invoices"))
        self.history = _documents_table(self.tabs, "deal_history", [
            _("Stage"), _("In stage since"), _("Until"), _("Time in stage"), _("By")])
        self.tabs.addTab(self.history, _("Stage history"))
        self.field_history = add_history_tab(self, context, self.tabs, "deal", Entity.DEALS,
                                             str(data.id) if data.id else None)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 780])

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.close)
        outer.addWidget(self.buttons)
        save_action = QAction(self)
        save_action.setShortcut(QKeySequence.StandardKey.Save)
        save_action.triggered.connect(self.save)
        self.addAction(save_action)
        close_action = QAction(self)
        close_action.setShortcut(QKeySequence("Ctrl+W"))
        close_action.triggered.connect(self.close)
        self.addAction(close_action)

        for widget in (self.title,):
            widget.textEdited.connect(self._mark_dirty)
        for combo in (self.responsible, self.product_group, self.currency, self.seller):
            combo.currentIndexChanged.connect(self._mark_dirty)
        self.currency.editTextChanged.connect(self._mark_dirty)
        self.close_date.dateChanged.connect(self._mark_dirty)
        self.probability.valueChanged.connect(self._mark_dirty)
        self.comment.textChanged.connect(self._comment_changed)
        self._missing_timer = QTimer(self)
        self._missing_timer.setSingleShot(True)
        self._missing_timer.setInterval(250)
        self._missing_timer.timeout.connect(self._preview_missing)
        context.signals.changed.connect(self._changed_elsewhere)
        self._listening = True
        self.show_data(data)

    def showEvent(self, event: QShowEvent) -> None:
        label_forms(self)  # every label the buddy of its editor, every editor named
        super().showEvent(event)

    # --- showing ------------------------------------------------------------------------------
    def show_data(self, data: DealData, lines: bool = True) -> None:
        self._loading = True
        try:
            self.data = data
            self.setWindowTitle(_("Deal: {title}").format(title=data.title) if data.id
                                else _("New deal"))
            self.title.setText(data.title)
            self.contact.set_choice(data.contact)
            self.company.set_choice(data.company)
            # the pickers' choices carry ids as text (services.listing)
            _select(self.responsible, _text(data.responsible_id))
            _select(self.product_group, _text(data.product_group_id))
            self.currency.setCurrentText(data.currency)
            self.seller.clear()
            self.seller.addItem(_("By the deal's currency"), None)
            for key, name in data.sellers:
                self.seller.addItem(name, key)
            _select(self.seller, data.own_company_id)
            self.close_date.setDate(QDate(data.expected_close_date) if data.expected_close_date
                                    else NO_DATE)
            self.probability.setValue(int(data.probability))
            self.comment.setPlainText(data.comment)
            self.custom.show_values(data.custom)
            if lines:
                self.lines.set_lines(data.lines, editable=not data.closed)
            self._show_header()
            self._show_missing(data.missing)
            for tab in range(1, self.tabs.count()):
                self.tabs.setTabEnabled(tab, data.id is not None)
            if data.id:
                self.refresh_side()
            show_deal_contact_points(self.contact_links, data.id)
        finally:
            self._loading = False
        self._set_dirty(False)

    def _show_header(self) -> None:
        data = self.data
        self.stage_bar.set_stages(data.stages, data.stage_id)
        self.stage_bar.setEnabled(data.id is not None)
        stage = data.stage
        self.probability_label.setText(_("Probability: {percent} %").format(
            percent=int(stage.probability if stage and stage.is_final else data.probability)))
        self._show_amount()
        if data.closed and stage is not None:
            text = (_("Won") if stage.kind == "won" else
                    _("Lost: {reason}").format(reason=data.lost_reason or "—"))
            self.state_label.setText(text)
        elif data.stage_entered_at:
            seconds = int((dt.datetime.now(dt.UTC).replace(tzinfo=None)
                           - data.stage_entered_at).total_seconds())
            self.state_label.setText(_("In “{stage}” for {time}").format(
                stage=stage.name if stage else "—", time=format_duration(seconds)))
        else:
            self.state_label.setText(_("The deal starts in “{stage}”.").format(
                stage=stage.name if stage else "—"))

    def _show_amount(self) -> None:
        totals = self.lines.model.totals()
        self.amount_label.setText(format_money(totals.grand_total, self.currency.currentText() or "RUB"))
        panel = getattr(self, "timeline", None)
        self.summary.show_deal(self.data, self.responsible.currentText(),
                               overdue_tasks=getattr(panel, "overdue_count", 0))

    def _show_missing(self, missing: list[str]) -> None:
        if not self.data.id:
            self.missing_panel.setText(_("Save the deal to see what it still lacks."))
            return
        if not missing:
            self.missing_panel.setText("<b>" + _("The deal is correct.") + "</b>")
            self.missing_panel.setStyleSheet(f"QLabel {{ background: {OK_TINT}; }}")
            return
        items = "".join(f"<li>{rules.field_label(name)}</li>" for name in missing)
        self.missing_panel.setText("<b>" + _("What is missing for a correct deal:") + "</b>"
                                   + f"<ul style='margin:0'>{items}</ul>")
        self.missing_panel.setStyleSheet(f"QLabel {{ background: {WARN_TINT}; }}")

    def refresh_side(self) -> None:
        """Timeline, documents and stage history (after a move, an entry or a save)."""
        if not self.data.id:
            return
        self.timeline.reload()
        self._show_amount()  # the summary's overdue-task mark comes from the timeline
        self.quotes.set_deal(self.data.id)
        self.invoices.set_deal(self.data.id)
        self.tabs.setTabText(2, _("Quotes ({count})").format(count=len(self.quotes.rows)))
        self.tabs.setTabText(3, _("Invoices ({count})").format(count=len(self.invoices.rows)))
        spans = deal_card.stage_history(self.data.id)
        _fill(self.history, [[s.stage, format_datetime(local_time(s.entered_at)),
                              format_datetime(local_time(s.left_at)) if s.left_at else _("now"),
                              format_duration(s.seconds), s.author] for s in spans], spans, (3,))

    # --- editing ------------------------------------------------------------------------------
    def _mark_dirty(self, *_args: Any) -> None:
        if not self._loading:
            self._set_dirty(True)
            self._missing_timer.start()  # the panel follows the typing, not only the saving

    def _preview_missing(self) -> None:
        if not self.data.id or not self._dirty:
            return
        try:
            missing = deal_card.missing_preview(self.data.id, self.values(), self.lines.lines())
        except CrmError:
            return
        self._show_missing(missing)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        base = _("Deal: {title}").format(title=self.data.title) if self.data.id else _("New deal")
        self.setWindowTitle(base + (" *" if dirty else ""))

    def is_dirty(self) -> bool:
        return self._dirty

    def _lines_changed(self) -> None:
        self._show_amount()
        self._mark_dirty()

    def _comment_changed(self) -> None:
        text = self.comment.toPlainText()
        verdict = rules.is_detailed(text)
        self.comment_hint.setText("" if verdict.detailed or not text.strip() else verdict.reason)
        self._mark_dirty()

    def _contact_changed(self) -> None:
        self._mark_dirty()
        choice = self.contact.choice()
        if choice is not None and self.company.choice() is None:
            company = deal_card.contact_company(choice.id)
            if company is not None:
                self.company.set_choice(company)

    def values(self) -> dict[str, Any]:
        close = self.close_date.date()
        contact, company = self.contact.choice(), self.company.choice()
        return {
            "title": self.title.text(),
            "contact": contact.id if contact else None,
            "company": company.id if company else None,
            "responsible": self.responsible.currentData(),
            "product_group": self.product_group.currentData(),
            "currency": self.currency.currentText().strip().upper(),
            "own_company": self.seller.currentData(),
            "expected_close_date": None if close == NO_DATE else close.toPython(),
            "probability": Decimal(self.probability.value()),
            "comment": self.comment.toPlainText(),
        }

    def save(self) -> bool:
        values = self.values()
        if self.data.id is None:
            values["pipeline"] = self.data.pipeline_id
        try:
            deal_id = deal_card.save(self.data.id, values, self.lines.lines(), self.context.user.id,
                                     self.custom.values())
        except CrmError as error:
            show_error(self, error.message)
            return False
        created = self.data.id is None
        self.show_data(deal_card.load(deal_id))
        if created:
            _OPEN_CARDS[deal_id] = self
        self._notify()
        self.saved.emit(str(deal_id))
        self.context.show_status(_("Deal “{title}” saved.").format(title=self.data.title))
        return True

    def _notify(self) -> None:
        self._notifying = True
        try:
            self.context.notify_changed(Entity.DEALS)
            self.context.notify_changed(Entity.TASKS)
            self.context.notify_changed(CUSTOM_VALUES)
        finally:
            self._notifying = False

    def _changed_elsewhere(self, entity: str) -> None:
        """The one change feed: what this card shows changed (here, in another window, another
        user, a sync): the record, its documents, its timeline and the choices it offers."""
        if getattr(self, "_notifying", False):
            return
        if entity in (Entity.PRODUCTS, "product_groups"):
            self._refresh_choices(self.product_group, lists.product_group_choices())
        elif entity == Entity.USERS:
            self._refresh_choices(self.responsible, lists.responsible_choices())
        if entity not in _SHOWN or not self.data.id:
            return
        try:
            fresh = deal_card.load(self.data.id)
        except CrmError:
            return
        if fresh == self.data:  # the deal itself is as shown: only its documents and timeline
            self.refresh_side()
            return
        if self._dirty:  # keep what the user is typing; show the new stage, state and amount
            self.data = replace(
                self.data, stage_id=fresh.stage_id, closed=fresh.closed, missing=fresh.missing,
                stages=fresh.stages, stage_entered_at=fresh.stage_entered_at,
                lost_reason=fresh.lost_reason,
            )
            self._show_header()
            self._show_missing(fresh.missing)
            self.refresh_side()
        else:
            self.show_data(fresh)

    def _refresh_choices(self, combo: QComboBox, choices: list[Any]) -> None:
        """New choices (a product group or a user added meanwhile), the current one kept."""
        loading, self._loading = self._loading, True
        try:
            current = combo.currentData()
            combo.clear()
            combo.addItem("—", None)
            for choice in choices:
                combo.addItem(choice.name, choice.id)
            _select(combo, current)
        finally:
            self._loading = loading

    def move_to(self, stage_id: StageId) -> None:
        if not self.data.id:
            return
        if self._dirty and not self._ask_save_first():
            return

        def moved(move: BoardMove) -> None:
            fresh = deal_card.load(self.data.id or move.deal_id)
            self.show_data(fresh)
            self._notify()
            stage = fresh.stage
            self.context.show_status(_("“{title}” moved to “{stage}”.").format(
                title=fresh.title, stage=stage.name if stage else ""))

        kind = next((s.kind for s in self.data.stages if s.id == stage_id), "open")
        request_move(self, self.context, self.data.id, self.data.title, stage_id, kind, moved)

    def _ask_save_first(self) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, _("Unsaved changes"),
                          _("Save your changes before moving the deal?"),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        return box.exec() == QMessageBox.StandardButton.Save and self.save()

    def after_timeline_change(self) -> None:
        if self.data.id:
            self.data = replace(self.data, missing=deal_card.missing(self.data.id))
            self._show_missing(self.data.missing)
            self._notify()

    # --- closing ------------------------------------------------------------------------------
    def confirm_close(self) -> bool:
        if not self._dirty:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, _("Unsaved changes"),
                          _("The deal has unsaved changes. Save them?"),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("unsaved_changes")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self._set_dirty(False)  # asked once: Close, Esc and Ctrl+W now just close
            return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        # Not QDialog.closeEvent: it calls reject(), which closes again from inside this handler
        # (Qt refuses a nested close and the card stayed open). The question is asked here, once.
        if not self.confirm_close():
            event.ignore()
            return
        if self.data.id and _OPEN_CARDS.get(self.data.id) is self:
            _OPEN_CARDS.pop(self.data.id, None)
        if self._listening:
            self._listening = False
            self.context.signals.changed.disconnect(self._changed_elsewhere)
        event.accept()

    def reject(self) -> None:  # Escape, and the Close button: one path through closeEvent
        self.close()


# --- timeline -------------------------------------------------------------------------------------


def _documents_table(parent: QWidget, name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], values: list[Any],
          right: tuple[int, ...] = ()) -> None:
    table.setRowCount(len(rows))
    for number, row in enumerate(rows):
        for column, text in enumerate(row):
            item = QTableWidgetItem(text)
            if column in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(number, column, item)
    table.setProperty("rows", values)


def _text(value: IdLike | None) -> str | None:
    return None if value is None else str(value)


def _select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data) if data is not None else 0
    combo.setCurrentIndex(max(index, 0))


def open_deal(context: AppContext, deal_text: str | DealId | None,
              parent: QWidget | None = None) -> DealCard | None:
    """The card opener: one window per deal (raised when already open); ``None`` makes a new deal."""
    deal_id = DealId(as_uuid(deal_text)) if deal_text else None
    existing = _OPEN_CARDS.get(deal_id) if deal_id else None
    if existing is not None and deal_id is not None:
        try:
            existing.show()
            existing.raise_()
            existing.activateWindow()
            return existing
        except RuntimeError:  # its window was destroyed without closing (application exit)
            _OPEN_CARDS.pop(deal_id, None)
    try:
        data = deal_card.load(deal_id) if deal_id else deal_card.new_deal(context.user.id)
    except CrmError as error:
        show_error(parent, error.message)
        return None
    card = DealCard(context, data, parent.window() if parent is not None else None)
    if deal_id:
        _OPEN_CARDS[deal_id] = card
    card.show()
    return card


def screenshot_card(context: AppContext, window: QWidget, tab: int = 0) -> QWidget:
    from desktop_crm.i18n import current_language

    deal_id = deal_card.showcase_deal("EUR" if current_language() == "it" else "RUB")
    card = open_deal(context, deal_id, window)
    if card is None:
        return window
    card.tabs.setCurrentIndex(tab)
    return card


def screenshot_history(context: AppContext, window: QWidget) -> QWidget:
    """The History tab of the showcase deal. A demo database is written in bulk, so it has no
    history: the first time, the signed-in user edits the deal the way a salesperson would (three
    saves through the services, the last taking the deal over), so the tab shows what it is for."""
    from desktop_crm.i18n import current_language
    from desktop_crm.services.sales import deals
    from desktop_crm.services.system import history

    deal_id = deal_card.showcase_deal("EUR" if current_language() == "it" else "RUB")
    if deal_id is None:
        return window
    if history.may_see_history() and history.record_history("deal", deal_id, limit=1).total == 0:
        user = context.user.id
        deals.update_deal(deal_id, {"probability": "40", "comment": _(
            "The client asks for a 10 % discount; we are waiting for their answer until Friday.")}, user)
        deals.update_deal(deal_id, {"expected_close_date": dt.date.today() + dt.timedelta(days=21),
                                    "probability": "60"}, user)
        deals.update_deal(deal_id, {"responsible": user}, user)  # taken over
    card = open_deal(context, deal_id, window)
    if card is None or card.field_history is None:
        return card or window
    card.tabs.setCurrentWidget(card.field_history)
    return card

