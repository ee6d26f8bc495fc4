"""What every card shares: the window, Save/Close with the unsaved-changes question, inline errors.

A card is a non-modal dialog (several can be open side by side, one per record; opening a record
whose card is already open brings that card to the front). Keys: Ctrl+S saves, Esc closes (asks
first when something changed), Ctrl+W closes too.

A subclass builds its form with :meth:`CardDialog.add_field` (a label, the editor, a red inline
message under it), calls :meth:`mark_dirty` when the user edits, and implements ``save_changes()``
(returns ``True`` when saved; a ``CrmError`` it raises is shown by :meth:`FieldsMixin.show_failure`:
the field messages under their inputs, the message in the banner).
"""

from __future__ import annotations

import datetime as dt
import uuid
from abc import abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError, PermissionDenied, ValidationError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_date, format_datetime, format_money
from desktop_crm.views.common.accessibility import label_forms
from desktop_crm.views.common.date_field import EMPTY_DATE, OptionalDateEdit
from desktop_crm.views.common.dialogs import ask_save_discard_cancel, show_error
from desktop_crm.views.common.palette import ERROR_COLOR, HINT_COLOR, OK_COLOR
from desktop_crm.views.context import AppContext

if TYPE_CHECKING:  # services.sales.cards pulls phonenumbers, kept out of start-up
    from desktop_crm.services.sales.cards import DealSummary

Index = QModelIndex | QPersistentModelIndex

# mid tones that read on a light and on a dark palette (views.common.palette)
ERROR_STYLE = f"color: {ERROR_COLOR};"
OK_STYLE = f"color: {OK_COLOR};"
HINT_STYLE = f"color: {HINT_COLOR};"

#: Open cards by (entity, id): a second open brings the first to the front.
_open_cards: dict[tuple[str, str], CardDialog] = {}
#: Every card on screen, new records included (asked before the application quits).
_live_cards: list[CardDialog] = []


def local_datetime(value: dt.datetime | None) -> str:
    """A naive-UTC timestamp shown in the desktop's time zone and the UI language."""
    if value is None:
        return ""
    return format_datetime(value.replace(tzinfo=dt.UTC).astimezone())


class DateField(OptionalDateEdit):
    """A date that may be empty (shown as "—"); typing digits into it starts a date, its calendar
    opens at today (``birth=True``: thirty years ago, where birth dates are)."""

    def __init__(self, parent: QWidget | None = None, birth: bool = False) -> None:
        super().__init__(parent, "—", EMPTY_DATE)
        if birth:
            today = dt.date.today()
            self.open_at = today.replace(year=today.year - 30, day=1)


def set_combo_value(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)


class FieldsMixin:
    """Labelled editors with inline messages; edits call ``mark_dirty`` (cards, settings pages)."""

    editors: dict[str, QWidget]
    error_labels: dict[str, QLabel]
    banner: QLabel

    @abstractmethod
    def mark_dirty(self) -> None:
        """Note an unsaved edit (the card or page using the mixin says how)."""

    def add_field(self, form: QFormLayout, name: str, label: str, editor: QWidget,
                  required: bool = False) -> QWidget:
        """A labelled editor with its inline message below; edits mark the card dirty."""
        holder = QWidget(form.parentWidget())
        # rows keep their natural height: extra space goes below the form, not between rows
        holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(editor)
        message = QLabel(holder)
        message.setObjectName(f"error_{name}")
        message.setStyleSheet(ERROR_STYLE)
        message.setWordWrap(True)
        message.hide()
        column.addWidget(message)
        text = label + (" *" if required else "") + ":"
        form.addRow(text, holder)
        editor.setObjectName(f"field_{name}")
        self.editors[name] = editor
        self.error_labels[name] = message
        self._connect_dirty(editor)
        return editor

    def _connect_dirty(self, editor: QWidget) -> None:
        signal: Any = None
        if isinstance(editor, QLineEdit):
            signal = editor.textEdited
        elif isinstance(editor, QPlainTextEdit):
            signal = editor.textChanged
        elif isinstance(editor, QComboBox):
            signal = editor.currentIndexChanged
        elif isinstance(editor, QDateEdit):
            signal = editor.dateChanged
        elif isinstance(editor, QCheckBox):
            signal = editor.toggled
        if signal is not None:
            signal.connect(lambda *_a: self.mark_dirty())

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.error_labels.items():
            message = errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))

    def show_banner(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.setVisible(bool(message))

    def show_failure(self, error: CrmError) -> None:
        """A refused save: each field's message under its input, the whole message in the banner."""
        self.show_errors(error.field_messages() if isinstance(error, ValidationError) else {})
        self.show_banner(error.message)



class CardDialog(FieldsMixin, QDialog):
    """Base of every card (see the module docstring)."""

    saved = Signal(str)  # the record's id

    entity = ""

    def __init__(self, context: AppContext, record_id: str | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.context = context
        self.record_id = record_id
        self._dirty = False
        self._loading = False
        self.editors: dict[str, QWidget] = {}
        self.drafts: list[Any] = []  # timelines whose unsent text counts as unsaved
        self.error_labels: dict[str, QLabel] = {}
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName(f"card_{self.entity}")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.layout_ = QVBoxLayout(self)
        self.banner = QLabel(self)
        self.banner.setObjectName("card_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.hide()
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(_("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save_button")
        self.save_button.setToolTip(_("Save the changes (Ctrl+S)"))
        self.close_button = self.buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setObjectName("close_button")
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence("Ctrl+S"), self).activated.connect(self.save)  # Cmd+S on macOS
        QShortcut(QKeySequence("Ctrl+W"), self).activated.connect(self.close)
        self._key = (self.entity, record_id or "")
        _live_cards.append(self)
        context.signals.changed.connect(self._record_changed)

    def _record_changed(self, entity: str) -> None:
        """The change feed: this record changed elsewhere (another window, user, a sync)."""
        if entity == self.entity and self.record_id and not self.has_unsaved():
            try:
                self.reload_record()
            except CrmError:  # gone meanwhile: the card keeps what it shows
                return

    def reload_record(self) -> None:
        """Read the record again and show it (cards that can, override this)."""

    def showEvent(self, event: QShowEvent) -> None:
        label_forms(self)  # every label the buddy of its editor, every editor named
        super().showEvent(event)

    # --- layout helpers ---------------------------------------------------------------------
    def finish_layout(self, body: QWidget) -> None:
        self.layout_.addWidget(self.banner)
        self.layout_.addWidget(body, 1)
        self.layout_.addWidget(self.buttons)
        self._update_title()

    # --- dirty state ------------------------------------------------------------------------
    def mark_dirty(self) -> None:
        if self._loading:
            return
        if not self._dirty:
            self._dirty = True
            self._update_title()
        self.on_edited()

    def on_edited(self) -> None:
        """Called after every edit (live checks)."""

    def set_clean(self) -> None:
        self._dirty = False
        self._update_title()

    @property
    def dirty(self) -> bool:
        return self._dirty

    def card_title(self) -> str:
        return ""

    def _update_title(self) -> None:
        title = self.card_title()
        self.setWindowTitle(("* " if self._dirty else "") + title)

    # --- save and close ---------------------------------------------------------------------
    def has_unsaved(self) -> bool:
        return self._dirty or any(t.has_draft() for t in self.drafts)

    def save(self) -> bool:
        try:
            ok = self.save_changes() if (self._dirty or not self.record_id) else True
        except CrmError as error:
            self.show_failure(error)
            return False
        if ok:
            for draft in self.drafts:
                if draft.has_draft():
                    draft.add_entry()
                    ok = ok and not draft.has_draft()
        if ok:
            self.set_clean()
            if self.record_id:
                _open_cards.pop(self._key, None)
                self._key = (self.entity, self.record_id)
                _open_cards[self._key] = self
            self.context.notify_changed(self.entity)
            self.context.show_status(_("Saved."))
            self.saved.emit(self.record_id or "")
        return ok

    @abstractmethod
    def save_changes(self) -> bool:
        """Write the card's changes (each card knows its service); ``False`` when refused."""

    def ask_unsaved(self) -> str:
        """"save", "discard" or "cancel"."""
        return ask_save_discard_cancel(self, _("This card has unsaved changes. Save them before closing?"))

    def confirm_close(self) -> bool:
        if not self.has_unsaved():
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def reject(self) -> None:  # Esc: the same path as closing the window
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        # QDialog.closeEvent would call reject() again; the question is asked here, once.
        if not self.confirm_close():
            event.ignore()
            return
        if _open_cards.get(self._key) is self:
            _open_cards.pop(self._key, None)
        if self in _live_cards:
            _live_cards.remove(self)
        event.accept()


def open_card(factory: Callable[[], CardDialog], entity: str,
              record_id: str | None) -> CardDialog | None:
    """Show the card of a record, or bring its already open card to the front; ``None`` when the
    record cannot be opened (outside the signed-in user's scope: the reason is shown)."""
    key = (entity, record_id or "")
    if record_id:
        existing = _open_cards.get(key)
        if existing is not None:
            try:
                existing.show()
                existing.raise_()
                existing.activateWindow()
                return existing
            except RuntimeError:  # deleted meanwhile
                _open_cards.pop(key, None)
    try:
        card = factory()
    except PermissionDenied as refused:
        show_error(None, refused.message)
        return None
    if record_id:
        _open_cards[key] = card
    card.show()
    return card


def open_cards() -> list[CardDialog]:
    """The cards on screen (deleted ones are dropped)."""
    alive = []
    for card in list(_live_cards):
        try:
            card.isVisible()
        except RuntimeError:  # the C++ object is gone
            _live_cards.remove(card)
            continue
        alive.append(card)
    return alive


class _UnsavedCardsGuard(QObject):
    """Asks every open card with unsaved changes before the main window closes."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            for card in open_cards():
                if card.isVisible() and card.has_unsaved():
                    card.raise_()
                    if not card.confirm_close():
                        event.ignore()
                        return True
                    card.set_clean()
        return False


def guard_unsaved_cards(window: QWidget) -> QObject:
    """Installed on the main window: quitting never drops a card's changes silently."""
    guard = _UnsavedCardsGuard(window)
    window.installEventFilter(guard)
    return guard


# --- small read-only tables -------------------------------------------------------------------

RowId = uuid.UUID | str
"""A row's record id: typed where the screen's data has it typed (a card's deals and contacts)."""


class RowsModel(QAbstractTableModel):
    """A small read-only table over plain rows (a card's deals or contacts): ≤ a few hundred rows."""

    def __init__(self, headers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = headers
        self.rows: list[tuple[RowId, list[str], list[Any]]] = []  # (id, texts, sort values)

    def set_rows(self, rows: list[tuple[RowId, list[str]]]) -> None:
        self.beginResetModel()
        self.rows = [(rid, texts, texts) for rid, texts in rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        rid, texts, _values = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return texts[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return rid
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def row_id(self, row: int) -> RowId:
        return self.rows[row][0]


def rows_table(parent: QWidget, model: RowsModel, on_open: Callable[[RowId], None]) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.doubleClicked.connect(lambda index: on_open(model.row_id(index.row())))
    view.activated.connect(lambda index: on_open(model.row_id(index.row())))
    return view


def deal_rows(deals: list[DealSummary]) -> list[tuple[RowId, list[str]]]:
    rows: list[tuple[RowId, list[str]]] = []
    for deal in deals:
        state = _("closed") if deal.closed else (_("correct") if deal.correct else _("incomplete"))
        rows.append((deal.id, [deal.title, deal.stage,
                               format_money(deal.amount, deal.currency) if deal.currency
                               else str(deal.amount), state]))
    return rows


def deal_headers() -> list[str]:
    return [_("Deal"), _("Stage"), _("Amount"), _("State")]


def date_text(value: dt.date | None) -> str:
    return format_date(value) if value else ""


