"""Registers quotes and invoices with the main window: card openers for their lists, screenshots."""

from __future__ import annotations

from typing import Any

from desktop_crm.views.registry import Registry, Screen


def _first_document(kind: str) -> str | None:
    from desktop_crm.services.listing import lists

    rows = lists.fetch_page(f"{kind}s", None, None, 0, 1)
    return rows[0].id if rows else None


def _editor_screen(context: Any, window: Any) -> Any:
    from desktop_crm.views.documents.panel import open_document_card

    window.show_section("quotes", "list")
    editor = open_document_card("quote")(context, _first_document("quote"), window)
    if editor is not None:
        editor.resize(1000, 720)
    return editor


def _preview_screen(context: Any, window: Any) -> Any:
    from desktop_crm.services.billing import rendering
    from desktop_crm.views.documents.preview import PdfPreview

    document_id = _first_document("quote")
    if document_id is None:
        return window
    pdf = rendering.render(document_id, "quote", "pdf")
    dialog = PdfPreview(pdf, lambda fmt: rendering.render(document_id, "quote", fmt), window)
    dialog.resize(760, 900)
    dialog.show()
    _settle()
    return dialog


def _settle(seconds: float = 1.0) -> None:
    """Let QPdfView finish its asynchronous page rendering before the screen is grabbed."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)


def _opener(kind: str) -> Any:
    """The editor's card opener, imported when a document is first opened (not at start-up)."""

    def open_card(context: Any, entity_id: str | None, parent: Any) -> Any:
        from desktop_crm.views.documents.panel import open_document_card

        return open_document_card(kind)(context, entity_id, parent)

    return open_card


def register(registry: Registry) -> None:
    registry.add_card_opener("quotes", _opener("quote"))
    registry.add_card_opener("invoices", _opener("invoice"))
    registry.add_screen(Screen("quote_editor", _editor_screen, order=60))
    registry.add_screen(Screen("quote_preview", _preview_screen, order=61))
