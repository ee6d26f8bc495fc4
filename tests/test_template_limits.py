"""User templates have limits: time, loop iterations, text and output sizes, numbers, image
pixels; a Word template with a DTD ("billion laughs") and links out of the user's template folder
are refused. Every failure is a translated TemplateError naming the template and its line."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from desktop_crm import i18n
from desktop_crm.documents import limits, render
from desktop_crm.documents.context import build_context, sample_input
from desktop_crm.documents.render import TemplateError


@pytest.fixture(autouse=True)
def user_folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    folder = render.user_templates_dir()
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def context() -> dict:
    return build_context(sample_input("ru", "invoice"))


def refused(context: dict, folder: Path, source: str, name: str = "ru.evil") -> TemplateError:
    (folder / f"{name}.html").write_text(source, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        render.render_html(context, name)
    assert time.perf_counter() - started < 10  # refused, not computed
    return caught.value


def test_a_huge_text_is_refused_before_it_is_made(context, user_folder):
    error = refused(context, user_folder, "<p>{{ doc.number }}</p>\n\n<p>{{ 'x' * 10**9 }}</p>")
    assert error.message.startswith("The template ru.evil.html cannot be rendered (line 3):")
    assert "at most 5 000 000" in error.message


def test_nested_loops_stop_at_the_iteration_budget(context, user_folder):
    source = ("{% for a in range(100000) %}\n{% for b in range(100000) %}{{ b }}"
              "{% endfor %}{% endfor %}")
    error = refused(context, user_folder, source)
    assert "ru.evil.html" in error.message and "loops run more than 1 000 000 times" in error.message


def test_a_range_of_a_billion_is_a_template_error(context, user_folder):
    error = refused(context, user_folder, "{% for i in range(10**9) %}{{ i }}{% endfor %}")
    assert "(line 1)" in error.message and "range() of 1 000 000 000 items" in error.message


@pytest.mark.parametrize("source", [
    "{{ 'x'.center(10**9) }}",
    "{{ 'x'|center(10**9) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%*s'|format(10**9, 'x') }}",
    "{{ ('x' * 4000000)|replace('x', 'yyyy') }}",
    "{{ 7 ** 100000000 }}",
    "{% for i in range(200) %}{{ 'x' * 4000000 }}{% endfor %}",
    "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "{{ lipsum(1000000) }}",
])
def test_other_ways_to_exhaust_the_computer_are_template_errors(context, user_folder, source):
    error = refused(context, user_folder, source)
    assert "ru.evil.html cannot be rendered" in error.message


def test_the_time_limit(context, user_folder, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SECONDS", 0.3)
    source = "{% for i in range(900000) %}{{ doc.number }}{{ i.real }}{% endfor %}"
    error = refused(context, user_folder, source)
    assert "took longer than 0 seconds" in error.message or "took longer" in error.message


def test_the_bundled_templates_render_within_the_limits(context):
    html = render.render_html(context, "ru.invoice")
    assert "<html" in html.lower()


def test_messages_are_translated(context, user_folder):
    i18n.set_language("it")
    error = refused(context, user_folder, "{% for i in range(10**9) %}{% endfor %}")
    assert "Impossibile generare il documento dal modello ru.evil.html (riga 1)" in error.message


# --- images ----------------------------------------------------------------------------------------

def _big_png(side: int = 9000) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (side, side), 255).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def big_png() -> bytes:
    return _big_png()


def test_a_9000_pixel_image_in_a_pdf_template_is_refused(context, user_folder, big_png):
    (user_folder / "big.png").write_bytes(big_png)
    (user_folder / "ru.picture.html").write_text('<p>Hi</p><img src="big.png">', encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        render.render_pdf(context, "ru.picture")
    assert time.perf_counter() - started < 10
    assert "big.png has 9000 × 9000 pixels (81 megapixels)" in caught.value.message


def test_a_9000_pixel_logo_is_refused_in_pdf_and_docx(big_png):
    data = sample_input("ru", "invoice")
    data = dataclasses.replace(data, seller=dataclasses.replace(data.seller, logo=big_png))
    context = build_context(data)
    for make in (render.render_pdf, render.render_docx):
        with pytest.raises(TemplateError) as caught:
            make(context)
        assert "9000 × 9000 pixels" in caught.value.message


# --- Word templates ------------------------------------------------------------------------------

LAUGHS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                     for n in range(1, 10))
          + b"]>\n")


def test_a_billion_laughs_docx_part_is_refused(context, user_folder):
    bundled = render.find_template("ru.invoice", "docx")
    target = user_folder / "ru.laughs.docx"
    with zipfile.ZipFile(bundled) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                body = data.split(b"?>", 1)[1]
                laugh = b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>"
                data = LAUGHS + body.replace(b"</w:body>", laugh)
            copy.writestr(info, data)
    with pytest.raises(TemplateError) as caught:
        render.render_docx(context, "ru.laughs")
    assert "ru.laughs.docx cannot be used" in caught.value.message
    assert "word/document.xml declares a DTD or entities" in caught.value.message


def test_a_file_that_is_not_a_word_document_is_a_template_error(context, user_folder):
    (user_folder / "ru.broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TemplateError, match=r"ru\.broken\.docx"):
        render.render_docx(context, "ru.broken")


# --- links out of the user's folder ----------------------------------------------------------------------

@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "outside" / "secret.html"
    path.parent.mkdir()
    path.write_text("TOP SECRET: the password file", encoding="utf-8")
    return path


def test_an_include_following_a_symlink_out_of_the_folder_is_refused(context, user_folder, secret):
    os.symlink(secret, user_folder / "footer.html")
    (user_folder / "ru.linked.html").write_text('<p>{{ doc.number }}</p>\n{% include "footer.html" %}',
                                                encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render.render_html(context, "ru.linked")
    assert "footer.html is a link to a file outside the template folder" in caught.value.message
    assert "TOP SECRET" not in caught.value.message


def test_a_template_that_is_a_symlink_is_refused(context, user_folder, secret):
    os.symlink(secret, user_folder / "ru.invoice.html")  # would override the bundled one
    with pytest.raises(TemplateError, match="is a link to a file outside"):
        render.render_pdf(context, "ru.invoice")


def test_a_linked_folder_inside_the_user_folder_is_refused(context, user_folder, secret):
    os.symlink(secret.parent, user_folder / "parts")
    (user_folder / "ru.linked.html").write_text('{% include "parts/secret.html" %}', encoding="utf-8")
    with pytest.raises(TemplateError, match="is a link to a file outside"):
        render.render_html(context, "ru.linked")


def test_including_a_bundled_part_still_works(context, user_folder):
    bundled = sorted(p.name for p in render.bundled_templates_dir().glob("_*.html"))
    if not bundled:
        pytest.skip("no bundled partial templates")
    (user_folder / "ru.custom.html").write_text(
        f'{{% include "{bundled[0]}" ignore missing %}}<p>{{{{ doc.number }}}}</p>', encoding="utf-8")
    render.render_html(context, "ru.custom")


def test_the_linter_reports_what_the_renderer_refuses(user_folder, secret):
    from desktop_crm.documents import lint

    os.symlink(secret, user_folder / "ru.linked.html")
    (user_folder / "ru.laughs.docx").write_bytes(b"")
    with zipfile.ZipFile(user_folder / "ru.laughs.docx", "w") as archive:
        archive.writestr("word/document.xml", LAUGHS + b"<w:document/>")
    problems = lint.lint(user_folder / "ru.linked.html")
    assert [p.kind for p in problems] == ["refused"] and "TOP SECRET" not in problems[0].message
    problems = lint.lint(user_folder / "ru.laughs.docx")
    assert [p.kind for p in problems] == ["refused"] and "declares a DTD" in problems[0].message


def test_the_whole_render_has_a_time_limit_layout_included(context, user_folder, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RENDER_SECONDS", 1.0)
    (user_folder / "ru.long.html").write_text("<p>{{ 'x ' * 400000 }}</p>", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        render.render_pdf(context, "ru.long")
    assert time.perf_counter() - started < 5  # weasyprint alone needs far longer for this text
    assert "ru.long.html" in caught.value.message and "took longer than 1 seconds" in caught.value.message


def test_the_time_limit_never_fires_after_the_render():
    with limits.time_limit("quick", seconds=0.05):
        pass
    time.sleep(0.2)  # a late watchdog would raise RenderTimeout here
    for _ in range(20):  # the limit and the end of the render racing: either wins, nothing leaks
        with contextlib.suppress(TemplateError), limits.time_limit("racing", seconds=0.01):
            sum(range(200000))
    time.sleep(0.1)


def _heap_limit() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_DATA)[0]


def test_render_workers_have_a_memory_limit(monkeypatch):
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from desktop_crm.documents import pool

    pytest.importorskip("resource")
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=pool._warm_up) as workers:
        assert workers.submit(_heap_limit).result(timeout=120) == pool.WORKER_MEMORY_BYTES


def test_an_error_in_an_included_template_names_that_template_and_line(context, user_folder):
    (user_folder / "part.html").write_text("<p>ok</p>\n<p>{{ 'x' * 10**9 }}</p>", encoding="utf-8")
    error = refused(context, user_folder, '<h1>{{ doc.number }}</h1>\n\n\n{% include "part.html" %}')
    assert "The template part.html cannot be rendered (line 2)" in error.message
