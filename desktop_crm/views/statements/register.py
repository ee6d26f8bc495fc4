"""Registers the statement review's screenshot (``desktop-crm screenshots``)."""

from __future__ import annotations

from typing import Any

from desktop_crm.views.registry import Registry, Screen


def _review_screen(context: Any, window: Any) -> Any:
    """The latest statement of the own company of the screenshots' language; on a database without
    one, a sample statement of that company's issued invoices is imported first (demo data)."""
    from desktop_crm.i18n import current_language
    from desktop_crm.services.billing.statements import imports, sample
    from desktop_crm.views.statements.review import open_statement_review

    country = {"ru": "RU", "it": "IT"}.get(current_language(), "")
    statement_id = imports.latest_statement(country)
    if statement_id is None:
        data = sample.sample_statement(country)
        if data is not None:
            name = sample.SAMPLE_NAMES[data.startswith(b"<")]
            statement_id = imports.import_statement(data, name, context.user.id).id
    if statement_id is None:
        return window
    review = open_statement_review(context, statement_id, window)
    review.resize(1180, 420)
    review.table.selectRow(0)  # the first line to review: its actions enabled
    return review


def _match_screen(context: Any, window: Any) -> Any:
    """"Match to invoice…" for the review's first line waiting for review."""
    from desktop_crm.views.statements.match_dialog import InvoiceMatchDialog

    review = _review_screen(context, window)
    line = next((line for line in getattr(review, "shown", []) if line.can_match), None)
    if line is None:
        return review
    dialog = InvoiceMatchDialog(line, review)
    dialog.show()
    return dialog


def register(registry: Registry) -> None:
    registry.add_screen(Screen("statement_review", _review_screen, order=64))
    registry.add_screen(Screen("statement_match", _match_screen, order=65))
