"""``desktop-crm --selftest`` passes from source (installer/build.py runs it on the frozen bundle)."""

from __future__ import annotations

import os
import subprocess
import sys

from desktop_crm.selftest import check_docx


def test_selftest_passes_from_source(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "desktop_crm", "--selftest"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for check in ("demo database", "ru quote pdf", "ru invoice docx", "it quote pdf",
                  "it invoice pdf", "weasyprint libraries", "render worker", "main window"):
        assert any(line.startswith(f"ok    {check}") for line in lines), result.stdout
    assert lines[-1] == "self-test passed"
    written = list(tmp_path.glob("desktop-crm-selftest-*/*.pdf"))
    assert len(written) == 5  # four documents and the invoice a render worker process made


def test_selftest_docx_check_rejects_unrendered_tags(tmp_path):
    import io

    import docx
    import pytest

    from desktop_crm.selftest import SelftestFailure

    document = docx.Document()
    document.add_paragraph("Счёт № {{ number }}")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(SelftestFailure, match="template tags"):
        check_docx(buffer.getvalue(), [], tmp_path / "x.docx")
