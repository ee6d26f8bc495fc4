"""DOCX equal to PDF in content, for every kind and language: each Word file is converted by
LibreOffice and its words compared with the PDF's (pdftotext). A word split by a narrow column
(«Наименовани е») or a field missing from either side fails the comparison."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from desktop_crm.documents import render
from desktop_crm.documents.context import build_context, sample_input
from tests.test_russian_arithmetic import discounted

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (apt-get install -y libreoffice-writer-nogui)"
)
PAPERS = [("ru", "quote"), ("ru", "invoice"), ("it", "quote"), ("it", "invoice"), ("ru", "act"),
          ("ru", "upd"), ("ru", "contract"), ("it", "contract"), ("it", "ddt")]


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def _input(language: str, kind: str):
    data = sample_input(language, kind)
    if language == "ru":  # Russian papers with discounted lines: the discount columns are compared too
        data = discounted(kind) if kind in ("quote", "invoice") else dataclasses.replace(
            discounted("invoice"), kind=kind)
    if kind not in ("quote", "invoice"):
        data = dataclasses.replace(data, number="17", source_kind="invoice", source_number="123",
                                   source_date=dt.date(2026, 11, 20))
    return data


def _words(pdf: Path) -> set[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return {word for word in re.findall(r"\w+", text.replace("\xa0", " ")) if word.strip("_")}


def test_docx_through_libreoffice_has_the_pdf_words(tmp_path):
    docx_paths = []
    for language, kind in PAPERS:
        context = build_context(_input(language, kind))
        (tmp_path / f"{language}.{kind}.pdf").write_bytes(render.render_pdf(context))
        path = tmp_path / f"{language}.{kind}.docx"
        path.write_bytes(render.render_docx(context))
        docx_paths.append(str(path))
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "lo"), *docx_paths],
        capture_output=True, check=True, timeout=300,
    )
    problems = []
    for language, kind in PAPERS:
        pdf = _words(tmp_path / f"{language}.{kind}.pdf")
        word = _words(tmp_path / "lo" / f"{language}.{kind}.pdf")
        if pdf - word or word - pdf:
            problems.append(f"{language}.{kind}: only in the PDF {sorted(pdf - word)}, "
                            f"only in the DOCX {sorted(word - pdf)}")
    assert not problems, "\n".join(problems)
