"""The demo's issued documents made like the app's: each sent quote and issued invoice carries its
frozen render context, and an Italian seller's invoices their FatturaPA transmission numbers
(``ProgressivoInvio``) in issue order; the builder sets the seller's transmission counter after
them (``_sequences_and_notifications``), so the next invoice the app issues never repeats one.

Hundreds of thousands of documents are frozen in chunks: each chunk's rows and everything their
render input reads come in a few queries (``rendering.document_inputs``), the contexts go back in
one ``executemany``, and a payment QR code is frozen as what defines it (standard, payload, width)
— its image is made from the payload when the document is rendered (``rendering.context_for``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from desktop_crm import countries
from desktop_crm.countries.it.fatturapa import progressive_for
from desktop_crm.documents.context import build_context
from desktop_crm.i18n import _
from desktop_crm.models import Invoice, OwnCompany, Quote, database
from desktop_crm.services.billing import rendering

CHUNK = 500  # documents read, frozen and written back at a time


def freeze_issued_documents(progress: Callable[[str, int, int], None] | None = None) -> int:
    """Freeze every numbered demo document (in the caller's database); returns how many."""
    frozen = 0
    with database.atomic():
        work = [(company, model, _unfrozen_ids(company, model))
                for company in OwnCompany.alive() for model in (Quote, Invoice)]
        total = sum(len(ids) for _company, _model, ids in work)
        transmissions: dict[Any, int] = {}
        for company, model, ids in work:
            sends = model is Invoice and countries.country(company.country).e_invoice is not None
            for start in range(0, len(ids), CHUNK):
                contexts = []
                for document, data in _inputs(model, ids[start:start + CHUNK]):
                    # as of its issue (the same seed builds the same database)
                    data.generated_at = document.created_at.replace(tzinfo=dt.UTC)
                    context = build_context(data, qr_image=False)
                    if sends:
                        transmissions[company.id] = transmissions.get(company.id, 0) + 1
                        context["transmission"] = {"progressive": progressive_for(transmissions[company.id])}
                    contexts.append((model.frozen.db_value(context), model.id.db_value(document.id)))
                _store(model, contexts)
                frozen += len(contexts)
                if progress is not None:
                    progress(_("Issued quotes and invoices"), frozen, total)
    return frozen


def _unfrozen_ids(company: Any, model: Any) -> list[Any]:
    """The ids of the company's numbered, unfrozen documents of a model, in issue order (the id
    settles a tie, as in ``demo_files``)."""
    query = (model.select(model.id).where(model.own_company == company.id, model.number != "",
                                          model.frozen.is_null())
             .order_by(model.issue_date, model.created_at, model.id).tuples())
    return [row_id for (row_id,) in query]


def _inputs(model: Any, ids: list[Any]) -> list[tuple[Any, Any]]:
    """The documents of ``ids`` in that order, each with its render input."""
    rows = {row.id: row for row in model.select().where(model.id.in_(ids))}
    documents = [rows[row_id] for row_id in ids]
    return list(zip(documents, rendering.document_inputs(documents), strict=True))


def _store(model: Any, contexts: list[tuple[Any, Any]]) -> None:
    table, frozen, key = model._meta.table_name, model.frozen.column_name, model.id.column_name
    param = database.param
    cursor = database.cursor()
    cursor.executemany(f'UPDATE "{table}" SET "{frozen}" = {param} WHERE "{key}" = {param}', contexts)
