"""The deal card's summary line: who, how much, which stage, what is missing, whose deal.

One row under the title and the amount, read at a glance: the client's face and name (contact ·
company), the stage as its chip (won and lost by their icons), the marks (incomplete with the count
of missing fields, inactive, overdue task) and the responsible manager's face and name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop_crm.i18n import _, ngettext
from desktop_crm.views.common import chips
from desktop_crm.views.common.avatar import Avatar

if TYPE_CHECKING:
    from desktop_crm.services.sales.deal_card import DealData

FACE = 28


class DealSummary(QWidget):
    """Who / how much / which stage / what is missing / whose, in one row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deal_summary")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        row.setSpacing(8)
        self.client_face = Avatar("", FACE, self)
        self.client_face.setObjectName("deal_client_face")
        row.addWidget(self.client_face)
        self.client_label = QLabel(self)
        self.client_label.setObjectName("deal_client")
        bold = QFont(self.client_label.font())
        bold.setWeight(QFont.Weight.DemiBold)
        self.client_label.setFont(bold)
        row.addWidget(self.client_label)
        self.stage_chip = chips.StatusChip(None, self)
        self.stage_chip.setObjectName("deal_stage_chip")
        row.addWidget(self.stage_chip)
        self.mark_chips: list[chips.StatusChip] = []
        for _number in range(3):
            chip = chips.StatusChip(None, self)
            chip.setObjectName("deal_mark_chip")
            row.addWidget(chip)
            self.mark_chips.append(chip)
        row.addStretch(1)
        self.manager_face = Avatar("", 22, self)
        self.manager_face.setObjectName("deal_manager_face")
        row.addWidget(self.manager_face)
        self.manager_label = QLabel(self)
        self.manager_label.setObjectName("deal_manager")
        row.addWidget(self.manager_label)

    def show_deal(self, data: DealData, responsible: str, overdue_tasks: int = 0,
                  active: bool = True) -> None:
        contact = data.contact.name if data.contact else ""
        company = data.company.name if data.company else ""
        who = " · ".join(p for p in (contact, company) if p) or _("No client yet")
        self.client_face.set_person(contact or company)
        self.client_face.setVisible(bool(contact or company))
        self.client_label.setText(who)
        stage = data.stage
        self.stage_chip.set_chip(chips.stage_chip(stage.name, stage.color, stage.kind) if stage else None)
        marks = chips.deal_chips(active=active or data.closed, overdue_tasks=overdue_tasks,
                                 correct=True)
        if data.id is not None and data.missing:
            count = len(data.missing)
            incomplete = chips.derived_chip(chips.INCORRECT)
            marks.append(chips.Chip(ngettext("{count} field missing", "{count} fields missing",
                                             count).format(count=count),
                                    incomplete.tone, incomplete.icon, status=chips.INCORRECT))
        for chip_widget, chip in zip(self.mark_chips, marks + [None] * 3, strict=False):
            chip_widget.set_chip(chip)
        has_manager = bool(responsible and responsible != "—")
        self.manager_face.set_person(responsible if has_manager else "")
        self.manager_face.setVisible(has_manager)
        self.manager_label.setText(responsible if has_manager else _("No responsible"))

    def marks(self) -> list[str]:
        return [w.text() for w in self.mark_chips if w.text()]
