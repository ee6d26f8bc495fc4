"""Documents benchmark: PDF (1 and 3 pages), DOCX, a batch of 100 issued invoices, HarfBuzz subsetting.

    uv run python benchmarks/documents.py [--db PATH] [--deals 100] [--repeat 5]

* ``pdf_1page_ms`` / ``pdf_3page_ms``: render context → HTML → weasyprint PDF bytes of the Russian
  счёт (3 and 55 lines), warm (after one warm-up render in the same process), median of --repeat.
* ``docx_ms``: render context → docxtpl → DOCX bytes of the same 1-page счёт, warm.
* ``batch_100_invoices_s``: ``invoices.issue_for_deals`` over --deals (default 100) deals of a
  SQLite database: per deal one transaction that drafts the invoice from the deal's lines, takes
  the gapless number, renders and stores PDF + DOCX and logs the timeline (the renders run ahead
  in the worker processes of ``documents.pool``, started by the warm-up batch). Each run uses fresh
  deals of a database built here (``--db`` names the file to build/extend instead).
* ``harfbuzz_subset``: whether weasyprint found libharfbuzz-subset (3x faster font subsetting).

The PDF metrics name the interpreter in ``extra.python``: the renders spend most of their time in
Python code, and an interpreter built with a shared libpython and without profile-guided
optimisation (pyenv's default build) runs them 10–20 % slower than the PGO builds of uv (which
the installers are built with), python.org and Debian.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import CACHE, emit, median, note, parser

CPU: dict[str, float] = {}


def _time(fn, repeat: int, name: str = "") -> tuple[float, object]:
    """Median wall time in ms; the median CPU time of this process goes to ``CPU[name]`` (on a
    shared, loaded machine the CPU time is the steadier figure)."""
    result = fn()  # warm-up
    timings, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    CPU[name] = median(cpu)
    return median(timings), result


def main() -> int:
    args = parser("documents benchmark", deals=100).parse_args()
    os.environ.setdefault("CRM_DATA_DIR", tempfile.mkdtemp(prefix="crm-bench-"))
    from desktop_crm.documents import render
    from desktop_crm.documents.context import LineInput, build_context, sample_input

    one = build_context(sample_input("ru", "invoice"))
    data = sample_input("ru", "invoice")
    data = dataclasses.replace(data, lines=[
        LineInput(f"Позиция каталога № {i} — ноутбук, мышь или доставка", Decimal(i % 7 + 1),
                  Decimal("1234.50") + i, "шт", vat_rate=Decimal("22"))
        for i in range(55)
    ])
    three = build_context(data)

    python = f"{platform.python_version()} {os.path.realpath(sys.executable)}"
    pdf_1, _pdf = _time(lambda: render.render_pdf(one), args.repeat, "pdf1")
    emit("pdf_1page_ms", pdf_1, "ms", 120, pages=render.page_count(one), template="ru.invoice",
         cpu_ms=CPU["pdf1"], load_average=os.getloadavg()[0], python=python,
         measured="context → HTML → weasyprint PDF bytes, warm")
    pdf_3, _pdf = _time(lambda: render.render_pdf(three), args.repeat, "pdf3")
    emit("pdf_3page_ms", pdf_3, "ms", 250, pages=render.page_count(three), lines=55, template="ru.invoice",
         cpu_ms=CPU["pdf3"], load_average=os.getloadavg()[0], python=python,
         measured="context → HTML → weasyprint PDF bytes, warm")
    docx, _ = _time(lambda: render.render_docx(one), args.repeat, "docx")
    emit("docx_ms", docx, "ms", 40, template="ru.invoice.docx", cpu_ms=CPU["docx"],
         load_average=os.getloadavg()[0], measured="context → docxtpl → DOCX bytes, warm")

    import weasyprint.text.ffi as ffi

    emit("harfbuzz_subset", ffi.harfbuzz_subset is not None, "bool", True)
    from desktop_crm.documents import pool

    emit("batch_100_invoices_s", _batch(args), "s", 5, deals=args.deals, cpu_s=CPU["batch"],
         load_average=os.getloadavg()[0], render_workers=pool.worker_count(),
         measured="issue_for_deals: draft + number + PDF + DOCX + timeline per deal, SQLite; "
                  "cpu_s is this process only (renders run in the worker processes)")
    return 0


def _batch(args) -> float:
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.billing import invoices

    path = Path(args.db) if args.db else CACHE / "documents-bench.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not args.db and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    note(f"batch: issuing invoices in {path}")
    db = open_database(str(path))
    migrate(db)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from desktop_crm.models import OwnCompany
    from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller

    if not OwnCompany.select().exists():
        russian_seller()

    def make_deals(count: int) -> list[str]:
        with db.atomic():
            buyer = russian_buyer()
            return [str(deal_with_lines(buyer, RU_LINES).id) for _ in range(count)]

    from desktop_crm.documents import pool

    invoices.issue_for_deals(make_deals(max(5, pool.MIN_BATCH)))  # warm-up (starts the render workers)
    timings, cpu = [], []
    for run in range(max(1, args.repeat)):
        ids = make_deals(args.deals)
        start, start_cpu = time.perf_counter(), time.process_time()
        results = invoices.issue_for_deals(ids)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        failed = [r.error for r in results if r.error]
        if failed:
            note(f"batch run {run}: {len(failed)} failed, e.g. {failed[0]}")
        note(f"batch run {run + 1}: {timings[-1]:.2f} s")
    db.close()
    CPU["batch"] = median(cpu)
    return median(timings)


if __name__ == "__main__":
    sys.exit(main())
