"""The files of an e-mail on a timeline: a line naming them, and Open / Save as… for each (the
bytes come from the message's stored attachment, e.g. an issued document's frozen PDF)."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QUrl
from PySide6.QtGui import QCursor, QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.services.mail import messages
from desktop_crm.views.common.dialogs import show_error


def attachments_of(payload: dict[str, Any] | None) -> list[dict[str, Any]]:
    found = (payload or {}).get("attachments") or []
    return [a for a in found if isinstance(a, dict) and a.get("id")]


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return _("{size} KB").format(size=max(1, round(size / 1024)))
    tenths = round(size * 10 / (1024 * 1024))
    return _("{size} MB").format(size=format_amount(Decimal(tenths) / 10, places=1))


def attachment_line(payload: dict[str, Any] | None) -> str:
    """"Attached: Invoice 12.pdf (48 KB)" for the entry's files ("" when it has none)."""
    files = attachments_of(payload)
    if not files:
        return ""
    return _("Attached: {files}").format(files=", ".join(
        f"{a.get('filename', '')} ({_size(int(a.get('size') or 0))})" for a in files))


def open_attachment(parent: QWidget | None, attachment_id: str) -> Path | None:
    """Write the file to a temporary folder and open it with the system's application."""
    try:
        name, content = messages.attachment_content(attachment_id)
    except CrmError as error:
        show_error(parent, error.message)
        return None
    target = Path(tempfile.mkdtemp(prefix="crm-mail-")) / name
    target.write_bytes(content)
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
        show_error(parent, _("No application is set up to open this file. It is saved at "
                             "{path}.").format(path=target))
    return target


def save_attachment(parent: QWidget | None, attachment_id: str,
                    path: str | None = None) -> Path | None:
    try:
        name, content = messages.attachment_content(attachment_id)
    except CrmError as error:
        show_error(parent, error.message)
        return None
    if path is None:
        path, _chosen = QFileDialog.getSaveFileName(parent, _("Save as"), name)
        if not path:
            return None
    target = Path(path)
    target.write_bytes(content)
    return target


def attachment_menu(parent: QWidget, payload: dict[str, Any] | None) -> QMenu | None:
    """Open and Save as… for each file of an entry (``None`` when it has none)."""
    files = attachments_of(payload)
    if not files:
        return None
    menu = QMenu(parent)
    menu.setObjectName("attachment_menu")
    for item in files:
        attachment_id, name = str(item["id"]), str(item.get("filename", ""))
        opened = menu.addAction(_("Open {name}").format(name=name))
        opened.triggered.connect(lambda _c=False, a=attachment_id: open_attachment(parent, a))
        saved = menu.addAction(_("Save {name} as…").format(name=name))
        saved.triggered.connect(lambda _c=False, a=attachment_id: save_attachment(parent, a))
    return menu


def show_attachment_menu(parent: QWidget, payload: dict[str, Any] | None,
                         at: QPoint | None = None) -> QMenu | None:
    menu = attachment_menu(parent, payload)
    if menu is not None:
        menu.popup(at or QCursor.pos())
    return menu


def shown_body(body: str, payload: dict[str, Any] | None, lines: int = 3) -> str:
    """An e-mail's text on a timeline: its first lines (the whole message is in the Outbox and
    the mailbox); other entries keep their whole text."""
    if not (payload or {}).get("mail_message"):
        return body
    kept = [line for line in body.splitlines() if line.strip()]
    return "\n".join(kept[:lines]) + (" …" if len(kept) > lines else "")
