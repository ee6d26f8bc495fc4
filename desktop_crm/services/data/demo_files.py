"""The demo's issued papers and stored files, made when the demo is built (not on first print).

* Papers: every won deal with an issued invoice gets the paper its seller's country closes such a
  sale with — a Russian seller an акт выполненных работ for services (a УПД for goods), an Italian
  seller a DDT for goods — numbered from the kind's series per own company and year in date order
  (the counters continue after them), dated like the invoice, its context frozen as issued.
* Files: every sent quote, issued invoice and paper gets its PDF and DOCX (an Italian invoice also
  its FatturaPA XML with the transmission number it was frozen with) as ``document_file`` rows,
  rendered through the render pool (:mod:`documents.pool`) a window of documents ahead.

Ids come from the builder's seeded generator and times from the demo's clock, and a rendered file
depends only on its context, so the same seed still gives the same database, files included.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from desktop_crm import countries
from desktop_crm.documents import context as doc_context
from desktop_crm.documents import kinds as doc_kinds
from desktop_crm.documents import pool
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import _
from desktop_crm.models import (
    Deal,
    DocumentFile,
    DocumentType,
    FileFormat,
    Invoice,
    InvoiceStatus,
    IssuedPaper,
    NumberSequence,
    ProductGroup,
    Quote,
    Stage,
    StageKind,
    database,
)
from desktop_crm.services.billing import numbering, papers, rendering
from desktop_crm.services.data import demo_data

WINDOW_PER_WORKER = 8  # documents rendered ahead of the one being stored, per worker
BATCH = 200  # rows per insert


@dataclass
class _Job:
    document_type: DocumentType
    row: Any  # the quote, invoice or (for a paper) None until stored
    data: doc_context.DocumentInput
    moment: dt.datetime  # when the demo made it
    paper: dict[str, Any] | None = None  # an issued paper's own columns


def _paper_kind(country: str, group: str) -> str | None:
    goods = group in demo_data.GOODS_GROUPS
    if country == "RU":
        return "upd" if goods else "act"
    if country == "IT" and goods:
        return "ddt"
    return None


def _paper_jobs(moment_of: Callable[[dt.date], dt.datetime]) -> list[_Job]:
    """The papers of the won deals with an issued invoice, numbered in date order."""
    won = (Deal.select(Deal.id, ProductGroup.name.alias("group_name"))
           .join(Stage, on=Stage.id == Deal.stage)
           .join(ProductGroup, on=ProductGroup.id == Deal.product_group)
           .where(Deal.closed_at.is_null(False), Stage.kind == StageKind.WON, Deal.deleted_at.is_null()))
    groups: dict[Any, str] = {row.id: row.group_name for row in won.objects()}  # type: ignore[attr-defined]
    planned: list[tuple[dt.date, dt.datetime, Any, str, Any]] = []
    for deal_id, group in groups.items():
        invoice = papers._source_document(deal_id, "invoice")
        if invoice is None or invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
            continue
        own = invoice.own_company
        code = _paper_kind(str(own.country or ""), group)
        if code is None:
            continue
        planned.append((invoice.issue_date, invoice.created_at, deal_id, code, invoice))
    planned.sort(key=lambda p: (p[0], p[1], str(p[2])))
    counters: dict[tuple[Any, str, int], int] = {}
    jobs: list[_Job] = []
    for day, created, deal_id, code, invoice in planned:
        kind = doc_kinds.kind(code)
        language = countries.country(invoice.own_company.country).document_language
        key = (invoice.own_company_id, code, day.year)
        seq = counters[key] = counters.get(key, 0) + 1
        number = numbering.format_number(kind.series or "{seq}", seq, day.year)
        data = papers.paper_input(deal_id, code, "invoice", language)
        if doc_kinds.missing_fields(kind, doc_context.build_context(data)):
            counters[key] -= 1  # the deal's parties lack what the kind needs: no paper
            continue
        moment = max(moment_of(day), created)
        data = dataclasses.replace(data, number=number, date=day, status="issued",
                                   generated_at=moment.replace(tzinfo=dt.UTC))
        jobs.append(_Job(DocumentType.PAPER, None, data, moment, {
            "kind": code, "deal": deal_id, "own_company": invoice.own_company_id,
            "source_kind": "invoice", "source_id": str(invoice.id), "number": number,
            "issue_date": day, "year": day.year, "sequence_number": seq, "series": "",
        }))
    return jobs


def _document_jobs() -> list[_Job]:
    """Every frozen quote and invoice of the demo (frozen by ``demo_freeze``), in issue order."""
    jobs: list[_Job] = []
    for model, doc_type in ((Quote, DocumentType.QUOTE), (Invoice, DocumentType.INVOICE)):
        query = (model.select().where(model.number != "", model.frozen.is_null(False))
                 .order_by(model.issue_date, model.created_at, model.id))
        rows = list(query)
        for row, data in zip(rows, rendering.document_inputs(rows), strict=True):
            data.generated_at = row.created_at.replace(tzinfo=dt.UTC)
            jobs.append(_Job(doc_type, row, data, row.created_at))
    return jobs


def _rendered(jobs: list[_Job]) -> Iterator[tuple[_Job, dict[str, Any], dict[Any, bytes]]]:
    """Each job with its context and files, in order, rendered by the pool a window ahead (a job
    whose worker failed, or that a broken pool would not take, is rendered in this process)."""
    with pool.for_batch(len(jobs)) as executor:
        window = WINDOW_PER_WORKER * max(pool.worker_count(), 1)

        def submit(job: _Job) -> Future[Any] | None:
            if executor is None:
                return None
            try:
                return pool.submit(executor, job.data)
            except RuntimeError:  # the pool was shut down or broke
                return None

        pending: list[tuple[_Job, Future[Any] | None]] = []
        queue = iter(jobs)
        for job in queue:
            pending.append((job, submit(job)))
            if len(pending) >= window:
                break
        while pending:
            job, future = pending.pop(0)
            following = next(queue, None)
            if following is not None:
                pending.append((following, submit(following)))
            result = None
            if future is not None:
                try:
                    result = future.result()
                except Exception:  # a worker that died or failed
                    result = None
            yield (job, *(result or rendering.render_files(job.data)))


def _file_row(new_id: Callable[[dt.datetime], Any], job: _Job, document_id: str, fmt: FileFormat,
              language: str, name: str, content: bytes) -> dict[str, Any]:
    return {
        "id": _uuid(new_id(job.moment)), "created_at": job.moment, "updated_at": job.moment,
        "document_type": job.document_type, "document_id": document_id, "file_format": fmt,
        "language": language, "filename": name, "content": content,
        "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
    }


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=bytes(value))


def _paper_file_name(context: dict[str, Any], fmt: FileFormat, kind: str) -> str:
    parts = (context["doc"].get("title"), context["doc"].get("number"), context["buyer"].get("name"))
    return safe_file_name(" ".join(str(p) for p in parts if p), fmt.value, fallback=kind, max_chars=80)


def store_demo_files(new_id: Callable[[dt.datetime], Any], now: dt.datetime,
                     progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Issue the demo's papers and store every issued document's files (in the caller's
    database, one transaction); returns how many papers and files were written."""
    with database.atomic():
        papers_planned = _paper_jobs(lambda day: dt.datetime.combine(day, dt.time(12)))
        jobs = _document_jobs() + papers_planned
        files: list[dict[str, Any]] = []
        paper_rows: list[dict[str, Any]] = []
        written = 0
        for done, (job, context, rendered) in enumerate(_rendered(jobs), 1):
            if job.document_type == DocumentType.PAPER:
                assert job.paper is not None
                paper_id = _uuid(new_id(job.moment))
                paper_rows.append({"id": paper_id, "created_at": job.moment,
                                   "updated_at": job.moment, "language": context["language"],
                                   "frozen": context, **job.paper})
                for fmt in (FileFormat.PDF, FileFormat.DOCX):
                    files.append(_file_row(new_id, job, str(paper_id), fmt, context["language"],
                                           _paper_file_name(context, fmt, job.paper["kind"]),
                                           rendered[fmt]))
            else:
                frozen = job.row.frozen or context
                for fmt in rendering.formats_for(frozen):
                    if fmt == FileFormat.XML:
                        progressive = (frozen.get("transmission") or {}).get("progressive") or "00001"
                        content = rendering.render_bytes(frozen, fmt, progressive)
                        name = rendering.e_invoice_file_name(frozen, progressive)
                    else:
                        content = rendered[fmt]
                        name = rendering.file_name(job.row, fmt, frozen)
                    files.append(_file_row(new_id, job, str(job.row.id), fmt, frozen["language"],
                                           name, content))
            if len(files) >= BATCH:
                written += _flush(paper_rows, files)
            if progress is not None and (done % 20 == 0 or done == len(jobs)):
                progress(_("Document files"), done, len(jobs))
        written += _flush(paper_rows, files)
        _paper_counters(papers_planned, now)
    return {"issued_paper": len(papers_planned), "document_file": written}


def _flush(paper_rows: list[dict[str, Any]], files: list[dict[str, Any]]) -> int:
    if paper_rows:
        IssuedPaper.insert_many(paper_rows).execute()
        paper_rows.clear()
    count = len(files)
    if files:
        DocumentFile.insert_many(files).execute()
        files.clear()
    return count


def _paper_counters(jobs: list[_Job], now: dt.datetime) -> None:
    """Each paper series continues after the demo's papers (the app's next paper takes the next)."""
    last: dict[tuple[Any, str, int], int] = {}
    for job in jobs:
        assert job.paper is not None
        key = (job.paper["own_company"], job.paper["kind"], job.paper["year"])
        last[key] = max(last.get(key, 0), job.paper["sequence_number"])
    rows = [{
        "id": numbering.counter_id(own, DocumentType.PAPER, year, numbering.paper_counter_series(code)),
        "created_at": now, "updated_at": now, "own_company": own, "document_type": DocumentType.PAPER,
        "year": year, "series": numbering.paper_counter_series(code),
        "pattern": doc_kinds.kind(code).series or "{seq}", "next_value": seq + 1,
    } for (own, code, year), seq in sorted(last.items(), key=lambda item: (str(item[0][0]), item[0][1:]))]
    if rows:
        NumberSequence.insert_many(rows).execute()
