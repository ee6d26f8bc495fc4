"""Registers the statement review's screenshot (``desktop-crm screenshots``)."""

from __future__ import annotations

from typing import Any

from desktop_crm.views.registry import Registry, Screen


def _review_screen(context: Any, window: Any) -> Any:
    """The latest imported statement; on a database without one, a sample statement of the
    default own company's issued invoices is imported first (demo data only)."""
    from desktop_crm.services.billing.statements import imports, sample
    from desktop_crm.views.statements.review import open_statement_review

    statement_id = imports.latest_statement()
    if statement_id is None:
        data = sample.sample_statement()
        if data is None:
            return window
        statement_id = imports.import_statement(data, sample.SAMPLE_NAMES[data[:1] == b"<"],
                                                context.user.id).id
    review = open_statement_review(context, statement_id, window)
    review.resize(1180, 520)
    return review


def register(registry: Registry) -> None:
    registry.add_screen(Screen("statement_review", _review_screen, order=64))
