"""The library patches of documents/patches.py: each applies only to the library versions it was
written for (switching off, with a log line, on others) and renders exactly what the library's own
code renders. The Pango and tinyhtml5 patches are compared in test_document_render.py."""

from __future__ import annotations

import gc
import io
import logging
import zipfile

import pytest

from desktop_crm.documents import patches, render
from desktop_crm.documents.context import build_context, sample_input

TEMPLATES = [("ru", "quote"), ("ru", "invoice"), ("it", "quote"), ("it", "invoice")]


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def _clear_class_caches() -> None:
    patches.environment_class.cache_clear()
    patches.docx_template_class.cache_clear()
    render._environment.cache_clear()


def _parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_patch_applies_to_the_locked_library_versions():
    for patch in (patches.PANGO_CONTEXTS, patches.HTML_PATTERNS, patches.JINJA_SOURCES,
                  patches.DOCX_PATCHED_XML, patches.GC_PAUSE):
        assert patch.active(), (patch.name, patch.installed_version())


def test_a_patch_switches_off_and_says_why_on_a_version_it_was_not_written_for(caplog):
    caplog.set_level(logging.INFO, logger="desktop_crm.documents.patches")
    newer = patches.Patch("a patch for weasyprint 0.x", "weasyprint", ("0.",))
    missing = patches.Patch("a patch for a library not installed", "no-such-library", ("1.",))
    assert not newer.active() and not missing.active()
    assert not newer.active()  # decided once: one log line each
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "'a patch for weasyprint 0.x' switched off: written for weasyprint 0.*, found 70." in messages[0]
    assert "found none" in messages[1]


def test_switched_off_patches_leave_the_library_as_it_is(monkeypatch):
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment
    from weasyprint.text import line_break

    for patch in (patches.JINJA_SOURCES, patches.DOCX_PATCHED_XML, patches.HTML_PATTERNS,
                  patches.PANGO_CONTEXTS, patches.GC_PAUSE):
        monkeypatch.setattr(patch, "active", lambda: False)
    _clear_class_caches()
    installed = patches._original_setup is not None
    patches.uninstall_pango_contexts()
    try:
        assert patches.environment_class() is SandboxedEnvironment
        assert patches.docx_template_class() is DocxTemplate
        assert not patches.install_html_patterns()
        assert not patches.install_pango_contexts()
        assert patches._original_setup is None and line_break.Layout.setup.__module__ == line_break.__name__
        assert gc.isenabled()
        with patches.collector_paused():
            assert gc.isenabled()
    finally:
        monkeypatch.undo()
        _clear_class_caches()
        if installed:
            patches.install_pango_contexts()


@pytest.mark.parametrize(("language", "kind"), TEMPLATES)
def test_the_jinja_and_docxtpl_caches_write_the_same_word_files(language, kind, monkeypatch):
    """Compiled ``from_string`` sources and cleaned XML parts are reused: a second render (from the
    caches) and a render with both patches off give the very same parts."""
    context = build_context(sample_input(language, kind))
    _clear_class_caches()
    first = _parts(render.render_docx(context))
    cached = _parts(render.render_docx(context))
    assert patches._PATCHED_XML  # the second render found its parts cleaned
    monkeypatch.setattr(patches.JINJA_SOURCES, "active", lambda: False)
    monkeypatch.setattr(patches.DOCX_PATCHED_XML, "active", lambda: False)
    _clear_class_caches()
    try:
        own = _parts(render.render_docx(context))
    finally:
        monkeypatch.undo()
        _clear_class_caches()
    assert first == cached == own


def test_the_collector_pause_renders_the_same_bytes(monkeypatch):
    context = build_context(sample_input("ru", "invoice"))
    html = render.render_html(context)
    folder = render.bundled_templates_dir()
    paused = render.html_to_pdf(html, folder)
    monkeypatch.setattr(patches.GC_PAUSE, "active", lambda: False)
    assert render.html_to_pdf(html, folder) == paused
