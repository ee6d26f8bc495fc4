"""Contacts › Export to vCard…: through the list's action, on the filter and on the selection,
within the user's rights."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop_crm.errors import PermissionDenied
from desktop_crm.models import Contact
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.lists import ListFilter
from desktop_crm.services.listing.vcard import _fold, export_vcards, vcard
from desktop_crm.services.system import rights
from desktop_crm.views.common.windowed_model import ID_ROLE


def _export_through_the_action(view, path: Path) -> str:
    action = next(act for act in view.actions() if act.objectName() == "action_export_vcard")
    assert action.isEnabled()
    action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, QFileDialog) and w.objectName() == "vcard_file_dialog"
                  and w.isVisible())
    assert dialog.selectedFiles()[0].endswith(".vcf")
    dialog.selectFile(str(path))
    dialog.accept()
    return path.read_bytes().decode("utf-8")


def test_the_filtered_list_and_the_selection_export_to_vcard(window, tmp_path: Path) -> None:
    view = window.show_section("contacts")
    view.filter_bar.set_filter(ListFilter(text="ов"))
    expected = lists.count("contacts", ListFilter(text="ов"))
    assert 0 < expected < Contact.select().count()
    text = _export_through_the_action(view, tmp_path / "filtered.vcf")
    assert text.count("BEGIN:VCARD\r\n") == expected == text.count("END:VCARD\r\n")
    assert "VERSION:3.0\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    first = view.model.index(0, 0).data(ID_ROLE)
    assert text.index(f"UID:urn:uuid:{first}") < text.index("END:VCARD")  # the list's order
    view.table.selectRow(1)
    view.table.selectRow(1)
    chosen = view.selected_ids()
    assert len(chosen) == 1
    one = _export_through_the_action(view, tmp_path / "one.vcf")
    assert one.count("BEGIN:VCARD") == 1 and f"UID:urn:uuid:{chosen[0]}" in one
    assert "contact exported to" in window.statusBar().currentMessage()


def test_without_the_export_right_there_is_no_vcard_export(window, tmp_path: Path) -> None:
    admin = rights.current()
    rights.act_as(admin.__class__(admin.user_id, "manager", frozenset(
        a for a in admin.actions if a.value != "export"), admin.scope))
    try:
        from desktop_crm.views.lists.list_view import EntityListView

        contacts = EntityListView(window.context, "contacts", window)
        assert not any(act.objectName() == "action_export_vcard" for act in contacts.actions())
        contacts.deleteLater()
        with pytest.raises(PermissionDenied):
            export_vcards(tmp_path / "refused.vcf")
        assert not (tmp_path / "refused.vcf").exists()
    finally:
        rights.act_as(admin)


def test_a_vcard_escapes_and_folds() -> None:
    contact = Contact(last_name="Петров", first_name="Пётр", middle_name="Петрович",
                      mobile_phone="+7 912 000-00-00", work_email="p@example.ru",
                      comment="Звонить утром; не позже 11,\nпо будням", position="Директор")
    text = vcard(contact)
    assert "N:Петров;Пётр;Петрович;;\r\n" in text
    assert "FN:Пётр Петрович Петров\r\n" in text
    assert "NOTE:Звонить утром\\; не позже 11\\,\\nпо будням\r\n" in text
    assert "TEL;TYPE=CELL:+7 912 000-00-00\r\n" in text
    folded = _fold("NOTE:" + "щ" * 100)
    assert all(len(line.encode()) <= 75 for line in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "NOTE:" + "щ" * 100 + "\r\n"
