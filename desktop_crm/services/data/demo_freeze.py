"""The demo's issued documents made like the app's: each sent quote and issued invoice carries its
frozen render context, and an Italian seller's invoices their FatturaPA transmission numbers
(``ProgressivoInvio``) in issue order; the builder sets the seller's transmission counter after
them (``_sequences_and_notifications``), so the next invoice the app issues never repeats one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from desktop_crm import countries
from desktop_crm.countries.it.fatturapa import progressive_for
from desktop_crm.documents.context import build_context
from desktop_crm.models import Invoice, OwnCompany, Quote, database
from desktop_crm.services.billing import rendering


def freeze_issued_documents() -> int:
    """Freeze every numbered demo document (in the caller's database); returns how many."""
    frozen = 0
    with database.atomic():
        for company in OwnCompany.alive():
            sends = countries.country(company.country).e_invoice is not None
            transmissions = 0
            for model in (Quote, Invoice):
                query = (model.select().where(model.own_company == company.id, model.number != "",
                                              model.frozen.is_null())
                         .order_by(model.issue_date, model.created_at))
                for document in query:
                    data = rendering.document_input(document)
                    # as of its issue (the same seed builds the same database)
                    data.generated_at = document.created_at.replace(tzinfo=dt.UTC)
                    context: dict[str, Any] = build_context(data)
                    if sends and model is Invoice:
                        transmissions += 1
                        context["transmission"] = {"progressive": progressive_for(transmissions)}
                    model.update(frozen=context).where(model.id == document.id).execute()
                    frozen += 1
    return frozen
