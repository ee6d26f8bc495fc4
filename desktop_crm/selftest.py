"""``desktop-crm --selftest``: prove that an installed (or frozen) build really works.

Offscreen, in a temporary folder: build a demo database, issue a Russian and an Italian quote and
invoice, render each to PDF and DOCX, read the files back, and grab the main window to PNG. Each
check prints one line; the exit code is 0 only when every check holds. Installers run it on the
bundle they built, so a missing library, font, template or catalog fails the build, not a user.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

SELFTEST_DEALS = 300


class SelftestFailure(Exception):
    pass


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SelftestFailure(message)


def check_pdf(content: bytes, expected_texts: list[str], path: Path) -> str:
    """Read the PDF back with QtPdf (shipped with the app): pages, and the expected texts."""
    from PySide6.QtPdf import QPdfDocument

    _check(content.startswith(b"%PDF-"), "not a PDF")
    document = QPdfDocument()
    error = document.load(str(path))
    _check(error == QPdfDocument.Error.None_, f"QtPdf cannot read the PDF: {error}")
    pages = document.pageCount()
    _check(pages >= 1, "PDF without pages")
    text = "\n".join(document.getAllText(page).text() for page in range(pages))
    document.close()
    for expected in expected_texts:
        _check(expected in text, f"PDF lacks {expected!r}")
    return f"{pages} page(s), {len(text)} characters"


def check_docx(content: bytes, expected_texts: list[str], path: Path) -> str:
    import docx

    _check(zipfile.is_zipfile(io.BytesIO(content)), "DOCX is not a zip package")
    document = docx.Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            text += "\n" + " ".join(cell.text for cell in row.cells)
    for expected in expected_texts:
        _check(expected in text, f"DOCX lacks {expected!r}")
    _check("{{" not in text and "{%" not in text, "DOCX still holds template tags")
    return f"{len(text)} characters"


def _documents(work: Path, report: Callable[[str, str], None]) -> None:
    from desktop_crm.countries import REGISTERED
    from desktop_crm.models import Company, Deal, OwnCompany
    from desktop_crm.services.billing import invoices, quotes, rendering

    for country, rules in REGISTERED.items():
        currency = rules.currency
        seller = OwnCompany.alive().where(OwnCompany.country == country).first()
        _check(seller is not None, f"demo has no {country} seller")
        tax_id = Company.inn if "inn" in rules.requisite_fields("buyer") else Company.vat_number
        deal = (
            Deal.alive()
            .join(Company)
            .where(Deal.currency == currency, Deal.amount > 0, tax_id != "")
            .order_by(Deal.created_at)
            .first()
        )
        _check(deal is not None, f"demo has no {currency} deal with lines for a company")
        seller_name = seller.short_name or seller.legal_name
        quote = quotes.send(quotes.create_from_deal(deal.id, own_company_id=seller.id).id)
        invoice = invoices.issue(invoices.create_from_deal(deal.id, own_company_id=seller.id).id)
        _check(bool(invoice.number), f"{country} invoice got no number")
        for kind, document in (("quote", quote), ("invoice", invoice)):
            for fmt, check in (("pdf", check_pdf), ("docx", check_docx)):
                started = time.perf_counter()
                rendered = rendering.render(document.id, kind, fmt)
                path = work / rendered.filename
                path.write_bytes(rendered.content)
                expected = [document.number] if document.number else []
                detail = check(rendered.content, [*expected, seller_name], path)
                elapsed = (time.perf_counter() - started) * 1000
                report(f"{country.lower()} {kind} {fmt}", f"{detail}, {elapsed:.0f} ms: {path.name}")


def _render_worker(work: Path, report: Callable[[str, str], None]) -> None:
    """A batch's render worker process starts and renders (in the bundle: freeze_support works)."""
    from desktop_crm.documents import pool
    from desktop_crm.documents.context import sample_input

    executor = pool.executor()
    if executor is None:
        report("render worker", "one core: batches render in the application's process")
        return
    started = time.perf_counter()
    data = sample_input("ru", "invoice")
    _context, files = pool.submit(executor, data).result(timeout=120)
    path = work / "worker-invoice.pdf"
    path.write_bytes(files["pdf"])
    detail = check_pdf(files["pdf"], [data.number], path)
    pool.shutdown()
    report("render worker", f"{detail}, {(time.perf_counter() - started) * 1000:.0f} ms with start-up")


def _window(url: str, work: Path, report: Callable[[str, str], None]) -> None:
    from desktop_crm.views.screenshots import render_screenshots

    files = render_screenshots(url, work / "screens", "ru", ["list_deals"])
    _check(len(files) == 1, "the main window was not rendered")
    from PySide6.QtGui import QImage  # the self-test is a composition root, like app.py

    image = QImage(str(files[0]))
    _check(not image.isNull() and image.width() >= 800, "the window image is empty")
    colours = {image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)}
    _check(len(colours) > 20, "the window image is blank")
    report("main window", f"{image.width()}×{image.height()}, {len(colours)} colours: {files[0].name}")


def _heavy_libraries(report: Callable[[str, str], None]) -> None:
    import weasyprint.text.ffi as ffi

    _check(ffi.harfbuzz_subset is not None, "libharfbuzz-subset is missing: PDFs would be slow")
    report("weasyprint libraries", "pango, harfbuzz and harfbuzz-subset loaded")


def run_selftest(keep: Path | None = None) -> int:
    """Run every check; print one line each; return the process exit code."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = keep or Path(tempfile.mkdtemp(prefix="desktop-crm-selftest-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["CRM_DATA_DIR"] = str(work / "data")
    failures = 0

    def report(name: str, detail: str) -> None:
        print(f"ok    {name}: {detail}", flush=True)

    def step(name: str, action: Callable[[], None]) -> None:
        nonlocal failures
        try:
            action()
        except Exception as error:  # a self-test reports every failure and goes on
            failures += 1
            print(f"FAIL  {name}: {error}", flush=True)
            traceback.print_exc(file=sys.stderr)

    from desktop_crm import __version__
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.data.demo import DemoOptions, build_demo

    print(f"Desktop CRM {__version__} self-test in {work}", flush=True)
    url = str(work / "selftest.db")

    def demo() -> None:
        summary = build_demo(url, DemoOptions(deals=SELFTEST_DEALS, seed=7, locale="both"))
        report("demo database", f"{summary.deals} deals in {summary.seconds:.1f} s")

    step("demo database", demo)
    if failures == 0:
        db = open_database(url)
        migrate(db)
        from desktop_crm.services.system import session

        session.sign_in_for_tool()  # the demo's administrator issues the documents
        step("documents", lambda: _documents(work, report))
        db.close()
        step("weasyprint libraries", lambda: _heavy_libraries(report))
        step("render worker", lambda: _render_worker(work, report))
        step("main window", lambda: _window(url, work, report))
    print("self-test passed" if failures == 0 else f"self-test FAILED: {failures} check(s)", flush=True)
    return 0 if failures == 0 else 1
