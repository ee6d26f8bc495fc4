"""Global search popup (Ctrl+K): type, see matches grouped by type, Enter opens the record.

Up/Down move through the results while the cursor stays in the search field; Enter opens the
selected (or first) record through ``context.open_record``; Escape closes. Typing is debounced
(120 ms); the search itself goes through the search index (``services.search``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _, ngettext
from desktop_crm.views.context import AppContext
from desktop_crm.views.registry import Registry, Screen

if TYPE_CHECKING:  # the search service is imported when the popup first searches, not at start-up
    from desktop_crm.services.listing.search import Group, Hit

Index = QModelIndex | QPersistentModelIndex
ENTITY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
POPUP_LIMIT = 8  # matches of each type while typing; "Show all results" lists the rest


class SearchResultsModel(QAbstractItemModel):
    """Two levels: groups (entity types) and their hits. Two columns: title and details."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[Group] = []

    def set_groups(self, groups: list[Group]) -> None:
        self.beginResetModel()
        self._groups = list(groups)
        self.endResetModel()

    def groups(self) -> list[Group]:
        return list(self._groups)

    def hit(self, index: Index) -> Hit | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._groups[index.internalId() - 1].hits[index.row()]

    def first_hit_index(self) -> QModelIndex:
        if not self._groups:
            return QModelIndex()
        return self.index(0, 0, self.index(0, 0))

    def hit_indexes(self) -> list[QModelIndex]:
        result: list[QModelIndex] = []
        for number, group in enumerate(self._groups):
            parent = self.index(number, 0)
            result.extend(self.index(row, 0, parent) for row in range(len(group.hits)))
        return result

    # internalId: 0 for a group row, group number + 1 for a hit row
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() == 0:
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._groups[parent.row()].hits)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            group = self._groups[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                if index.column() == 0:
                    return _(group.title)
                return ngettext("{count} found", "{count} found", len(group.hits)).format(
                    count=len(group.hits))
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == ENTITY_ROLE:
                return group.entity
            return None
        hit = self._groups[index.internalId() - 1].hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return hit.title if index.column() == 0 else hit.subtitle
        if role == ENTITY_ROLE:
            return hit.entity
        if role == ID_ROLE:
            return hit.id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == 0:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (_("Found"), _("Details"))[section] if 0 <= section < 2 else None
        return None


class SearchPopup(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("search_popup")
        self.setWindowTitle(_("Search"))
        self.setModal(False)
        self.resize(640, 440)
        layout = QVBoxLayout(self)
        self.input = QLineEdit(self)
        self.input.setObjectName("search_input")
        self.input.setClearButtonEnabled(True)
        self.input.setPlaceholderText(_("Search contacts, companies, deals, leads and products…"))
        layout.addWidget(self.input)
        self.tree = QTreeView(self)
        self.tree.setObjectName("search_results")
        self.model = SearchResultsModel(self)
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setStretchLastSection(True)
        self.tree.activated.connect(self._open_index)
        self.tree.doubleClicked.connect(self._open_index)
        layout.addWidget(self.tree, 1)
        bottom = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setObjectName("search_status")
        bottom.addWidget(self.status, 1)
        self.all_button = QPushButton(_("Show all results"), self)
        self.all_button.setObjectName("search_show_all")
        self.all_button.setToolTip(_("Every match, not only the first of each type (Ctrl+Enter)"))
        self.all_button.clicked.connect(self.show_all)
        self.all_button.setEnabled(False)
        bottom.addWidget(self.all_button)
        layout.addLayout(bottom)
        self.limit = POPUP_LIMIT
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.run_search)
        self.input.textChanged.connect(self._typed)
        self.input.installEventFilter(self)
        self._show_hint()

    def popup_over(self, window: QWidget) -> None:
        geometry = window.geometry()
        self.move(geometry.center().x() - self.width() // 2, geometry.top() + 80)
        self.show()
        self.raise_()
        self.activateWindow()
        self.input.setFocus()
        self.input.selectAll()

    def _show_hint(self) -> None:
        self.status.setText(_("Type at least two letters. Enter opens, Esc closes."))

    def _typed(self, _text: str) -> None:
        self.limit = POPUP_LIMIT  # a new query: the first matches again
        self._timer.start()

    def show_all(self) -> None:
        """Every match of the query (up to the service's limit per type), best first."""
        from desktop_crm.services.listing import search as search_service

        self.limit = search_service.ALL_RESULTS_LIMIT
        self.run_search()
        self.input.setFocus()

    def run_search(self) -> None:
        from desktop_crm.services.listing import search as search_service

        self._timer.stop()
        text = self.input.text()
        groups = search_service.search(text, limit=self.limit)
        self.all_button.setEnabled(
            self.limit == POPUP_LIMIT and any(len(g.hits) >= POPUP_LIMIT for g in groups))
        self.model.set_groups(groups)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        limit = int(self.tree.viewport().width() * 0.58)
        if self.tree.columnWidth(0) > limit:
            self.tree.setColumnWidth(0, limit)  # long titles elide; details stay visible
        first = self.model.first_hit_index()
        if first.isValid():
            self.tree.setCurrentIndex(first)
        if len(text.strip()) < search_service.MIN_QUERY_LENGTH:
            self._show_hint()
        elif not groups:
            self.status.setText(_("Nothing found for “{text}”.").format(text=text.strip()))
        else:
            total = sum(len(g.hits) for g in groups)
            self.status.setText(ngettext("{count} result", "{count} results", total).format(
                count=total))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.input and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._move(1 if key == Qt.Key.Key_Down else -1)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
                    event.modifiers() & Qt.KeyboardModifier.ControlModifier):
                self.show_all()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self.run_search()
                self.open_current()
                return True
        return super().eventFilter(watched, event)

    def _move(self, step: int) -> None:
        indexes = self.model.hit_indexes()
        if not indexes:
            return
        current = self.tree.currentIndex()
        rows = [(i.parent().row(), i.row()) for i in indexes]
        position = rows.index((current.parent().row(), current.row())) if (
            current.isValid() and current.parent().isValid()
            and (current.parent().row(), current.row()) in rows) else -step
        position = max(0, min(len(indexes) - 1, position + step))
        self.tree.setCurrentIndex(indexes[position])

    def open_current(self) -> None:
        index = self.tree.currentIndex()
        if not index.isValid() or self.model.hit(index.siblingAtColumn(0)) is None:
            index = self.model.first_hit_index()
        self._open_index(index)

    def _open_index(self, index: QModelIndex) -> None:
        hit = self.model.hit(index.siblingAtColumn(0)) if index.isValid() else None
        if hit is None:
            return
        self.hide()
        self.context.open_record(hit.entity, hit.id, self.parentWidget())


def _render_search(context: AppContext, window: Any) -> QWidget:
    window.open_search()
    popup: SearchPopup = window.search_popup
    from desktop_crm.i18n import current_language

    popup.input.setText("ива" if current_language() == "ru" else "ros")
    popup.run_search()
    return popup


def register(registry: Registry) -> None:
    registry.add_screen(Screen("search", _render_search, order=90))
