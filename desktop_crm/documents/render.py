"""Rendering a render context (``documents.context``) to PDF (weasyprint) and DOCX (docxtpl).

* Templates live in ``templates/documents/`` (bundled) and in ``<data dir>/templates/documents/``
  (the user's own): a user file with the same name overrides the bundled one, a new name adds a
  template. ``<id>.html`` is the PDF source, ``<id>.docx`` the Word template (``id`` = ``ru.quote``…).
* Jinja runs sandboxed (:class:`jinja2.sandbox.SandboxedEnvironment`) with autoescaping on, for
  HTML and for docxtpl (without autoescape docxtpl silently drops ``&`` and ``<…>``), and within
  the limits of :mod:`documents.limits` (time, loop iterations, sizes, output); every failure is a
  :class:`TemplateError` naming the template and the line.
* The user's template folder serves only regular files inside it: a symbolic link (to a file
  elsewhere) is refused, for the template itself and for what it includes.
* Images are refused above :data:`limits.MAX_IMAGE_PIXELS`; a Word template whose XML declares a
  DTD or entities (a "billion laughs") is refused before it is read.
* weasyprint fetches only through :class:`SafeFetcher`: ``data:`` URIs and files inside the template
  and resource folders; everything else (other files, http, ftp…) is refused and reported.
* :mod:`documents.lint` reports unknown fields and broken tags of a template before a render fails.

weasyprint and docxtpl are imported lazily: the application starts without them.
"""

from __future__ import annotations

import atexit
import base64
import io
import re
import threading
import urllib.parse
import urllib.request
import zipfile
from collections import OrderedDict
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from desktop_crm.config import data_dir
from desktop_crm.documents import limits, patches
from desktop_crm.documents.limits import TemplateError as TemplateError
from desktop_crm.i18n import _
from desktop_crm.paths import resources_dir, templates_dir


def bundled_templates_dir() -> Path:
    return templates_dir() / "documents"


def user_templates_dir() -> Path:
    return data_dir() / "templates" / "documents"


def template_dirs() -> list[Path]:
    return [user_templates_dir(), bundled_templates_dir()]


def find_template(template_id: str, extension: str) -> Path:
    """The file of a template: the user's override first, then the bundled one."""
    if not re.fullmatch(r"[a-z]{2}\.[a-z_]+(\.[A-Za-z0-9_-]+)?", template_id):
        raise TemplateError(_("Unknown document template: {name}").format(name=template_id))
    name = f"{template_id}.{extension}"
    for folder in template_dirs():
        candidate = folder / name
        if candidate.is_symlink() or candidate.is_file():
            inside_folder(folder, candidate)
            return candidate
    raise TemplateError(_("Unknown document template: {name}").format(name=name))


def inside_folder(folder: Path, path: Path) -> Path:
    """``path`` when it is a regular file inside ``folder`` reached without symbolic links;
    otherwise a TemplateError (a link in the user's folder could serve any file of the computer)."""
    try:
        relative = path.relative_to(folder)
    except ValueError:
        relative = None
    current = folder
    for part in relative.parts if relative is not None else ():
        current = current / part
        if current.is_symlink():
            relative = None
            break
    if relative is None or ".." in relative.parts or not path.resolve().is_relative_to(
            folder.resolve()):
        raise TemplateError(_(
            "The template {name} is a link to a file outside the template folder {folder}; "
            "templates must be files inside it.").format(name=path.name, folder=folder))
    return path


def _safe_loader(folders: list[str]) -> Any:
    """Jinja's file loader, serving only regular files inside its folders (no links)."""
    from jinja2 import FileSystemLoader
    from jinja2.loaders import split_template_path

    class SafeLoader(FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> Any:
            for folder in self.searchpath:
                candidate = Path(folder).joinpath(*split_template_path(template))
                if candidate.is_symlink() or candidate.is_file():
                    inside_folder(Path(folder), candidate)
            return super().get_source(environment, template)

    return SafeLoader(folders)


def available_templates() -> dict[str, list[str]]:
    """Template id → formats, bundled and user templates together."""
    found: dict[str, set[str]] = {}
    for folder in template_dirs():
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.name.startswith("_") or path.suffix not in (".html", ".docx"):
                continue
            found.setdefault(path.stem, set()).add("pdf" if path.suffix == ".html" else "docx")
    return {key: sorted(value) for key, value in sorted(found.items())}


# ---------------------------------------------------------------------------------------------
# Jinja


def jinja_environment(autoescape: bool = True, docx: bool = False) -> Any:
    """The sandboxed environment over the user's and the bundled template folders.

    Cached per folder pair: compiled templates are reused (Jinja re-checks file times, so a user
    editing a template sees the change), and ``from_string`` sources (docxtpl's XML parts) are
    compiled once per distinct source.
    """
    return _environment(tuple(str(p) for p in template_dirs()), autoescape, docx, _user_stamp())


def _user_stamp() -> tuple[str, ...]:
    """The user's template file names: a new override or a removed one makes a fresh environment."""
    folder = user_templates_dir()
    try:
        return tuple(sorted(p.name for p in folder.iterdir()))
    except OSError:
        return ()


@lru_cache(maxsize=16)
def _environment(folders: tuple[str, ...], autoescape: bool, docx: bool, _stamp: tuple[str, ...]) -> Any:
    from jinja2 import StrictUndefined

    limited = type("LimitedEnvironment", (limits.LimitedMixin, patches.environment_class()), {})
    env = limited(
        loader=_safe_loader(list(folders)),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=not docx,  # Word XML keeps Jinja's default whitespace handling (as docxtpl)
        lstrip_blocks=not docx,
        cache_size=64,
        finalize=_blank_none,
    )
    env.filters["css_string"] = css_string
    return limits.limit_environment(env)


def _blank_none(value: Any) -> Any:
    """A value a document has not got (``None``) prints as nothing, never as the word "None"."""
    return "" if value is None else value


def css_string(value: Any) -> Any:
    """A value as a quoted CSS string, safe inside ``<style>`` (for ``content:`` in @page boxes)."""
    from markupsafe import Markup

    text = str(value)
    escaped = "".join(
        ch if (ch.isalnum() or ch in " .,:;-_/()№«»") and ch not in "\\\"'<>&" else f"\\{ord(ch):x} "
        for ch in text
    )
    return Markup(f'"{escaped}"')


def render_html(context: dict[str, Any], template_id: str | None = None) -> str:
    template_id = template_id or context["template"]
    path = find_template(template_id, "html")
    with limits.guard(path.name, str(path)):
        html: str = jinja_environment().get_template(path.name).render(**context)
    return html


# ---------------------------------------------------------------------------------------------
# weasyprint


@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class _SafeFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types
        """Serves ``data:`` URIs and files under the allowed folders; refuses everything else."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=False)
            self.roots = [root.resolve() for root in roots]
            self.refused: list[str] = []
            self.oversized: list[TemplateError] = []

        def _allowed_file(self, url: str) -> Path | None:
            parsed = urllib.parse.urlparse(url)
            if parsed.netloc not in ("", "localhost"):
                return None
            path = Path(urllib.request.url2pathname(parsed.path)).resolve()
            user, bundled = user_templates_dir().resolve(), bundled_templates_dir().resolve()
            if path.is_relative_to(user) and not path.exists():
                path = bundled / path.relative_to(user)  # a user template using bundled fonts
            for root in self.roots:
                if path.is_relative_to(root) and path.is_file():
                    return path
            return None

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return self._checked(super().fetch(url, headers), "")
            if scheme == "file":
                path = self._allowed_file(url)
                if path is not None:
                    return self._checked(super().fetch(path.as_uri(), headers), path.name)
            self.refused.append(url)
            raise ValueError(f"refused by the document fetcher: {url}")

        def _checked(self, response: Any, name: str) -> Any:
            """An image over the pixel limit is refused (and reported after the render)."""
            from weasyprint.urls import URLFetcherResponse

            try:
                data = response.read()
            finally:
                response.close()
            try:
                limits.check_image(data, name)
            except TemplateError as error:
                self.oversized.append(error)
                raise ValueError(error.message) from None
            return URLFetcherResponse(response.url, data, response.headers, response.status)

    return _SafeFetcher


def SafeFetcher(roots: list[Path] | None = None) -> Any:  # noqa: N802 - a class made lazily
    """A weasyprint URL fetcher limited to the template and resource folders and ``data:``."""
    if roots is None:
        roots = [user_templates_dir(), bundled_templates_dir(), resources_dir()]
    return _fetcher_class()(roots)


@cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    # dropped at exit while modules still work: its __del__ removes its font folder with rmtree,
    # which interpreter teardown has already cleared ("TypeError: 'NoneType' object is not callable")
    atexit.register(_font_config.cache_clear)
    return FontConfiguration()


# Plain ``<style>`` blocks (no attributes) parsed once per distinct text: weasyprint parses and
# compiles every style sheet of a document on each render (~10 ms for the base sheet). The
# templates keep what changes per document (the page footer) in a small block of its own.
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_SHEETS: OrderedDict[tuple[str, str, tuple[str, ...]], Any] = OrderedDict()
_SHEETS_MAX = 32
_sheets_lock = threading.Lock()


def _parsed_sheet(text: str, base_url: str, fetcher: Any) -> Any | None:
    """The ``weasyprint.CSS`` of a style block, cached; None when parsing it fetched something
    the document fetcher refuses (then the block stays in the HTML, for the caller's fetcher)."""
    from weasyprint import CSS

    key = (text, base_url, tuple(str(root) for root in fetcher.roots))
    with _sheets_lock:
        sheet = _SHEETS.get(key)
        if sheet is not None:
            _SHEETS.move_to_end(key)
            return sheet
    probe = _fetcher_class()(fetcher.roots)
    sheet = CSS(string=text, base_url=base_url, url_fetcher=probe, font_config=_font_config())
    if probe.refused:
        return None
    with _sheets_lock:
        _SHEETS[key] = sheet
        while len(_SHEETS) > _SHEETS_MAX:
            _SHEETS.popitem(last=False)
    return sheet


def _with_parsed_sheets(html: str, base_url: str, fetcher: Any) -> tuple[str, list[Any]]:
    """The HTML without its plain style blocks, and those blocks parsed (in document order).

    weasyprint applies sheets given to ``write_pdf`` with the *user* origin: below every author
    declaration (``style`` attributes, other sheets of the template) and above the user-agent
    sheet, in their order, so moving all plain blocks out keeps the cascade as it was.
    """
    if not hasattr(fetcher, "roots"):
        return html, []
    sheets: list[Any] = []

    def take(match: re.Match[str]) -> str:
        sheet = _parsed_sheet(match.group(1), base_url, fetcher)
        if sheet is None:
            return match.group(0)
        sheets.append(sheet)
        return ""

    return _STYLE_BLOCK.sub(take, html), sheets


@cache
def _pixelated_sheet() -> Any:
    """Assets marked ``PIXELATED`` (QR codes, one pixel a module) are drawn as squares in any
    template, not smoothed (user origin, below every template rule)."""
    from weasyprint import CSS

    from desktop_crm.documents.assets import PIXELATED

    rule = f'img[src^="data:image/png;{PIXELATED};"] {{ image-rendering: pixelated; }}'
    return CSS(string=rule, font_config=_font_config())


# Whitespace between the parts of a table (between a row's cells, between rows): CSS tables drop
# it, but weasyprint parses it, makes boxes of it and then drops them, in every row of the lines
# table (~3 % of a 3-page invoice).
_TABLE_PART = r"(?:thead|tbody|tfoot|tr|td|th|col|colgroup|caption)"
_TABLE_WHITESPACE = re.compile(
    rf"(</{_TABLE_PART}>|<(?:table|thead|tbody|tfoot|tr|colgroup|col)\b[^<>]*>)\s+(?=</?(?:{_TABLE_PART}|table)\b)"
)


@cache
def _lean_html_class() -> type:
    """weasyprint's ``HTML`` with the lean user-agent sheet of :mod:`documents.user_agent`.

    ``_ua_stylesheets`` is the hook weasyprint's own test suite overrides to lighten its sheet;
    a test checks that renders still go through it (and that pages stay pixel-identical). Made
    once, before the first render, it also installs the patches of tinyhtml5's pattern cache and of
    weasyprint's Pango contexts (:mod:`documents.patches`).
    """
    from weasyprint import CSS, HTML

    from desktop_crm.documents.user_agent import LEAN_USER_AGENT_CSS

    patches.install_html_patterns()
    patches.install_pango_contexts()
    sheet = CSS(string=LEAN_USER_AGENT_CSS, font_config=_font_config())

    class LeanHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return super()._ua_stylesheets(forms) if forms else [sheet]

    return LeanHTML


def _document(html: str, base_dir: Path, fetcher: Any = None) -> tuple[Any, list[Any]]:
    fetcher = fetcher or SafeFetcher()
    base_url = base_dir.as_uri() + "/"
    html, sheets = _with_parsed_sheets(html, base_url, fetcher)
    html = _TABLE_WHITESPACE.sub(r"\1", html)
    document = _lean_html_class()(string=html, base_url=base_url, url_fetcher=fetcher)
    return document, [_pixelated_sheet(), *sheets]


def html_to_pdf(html: str, base_dir: Path, fetcher: Any = None) -> bytes:
    fetcher = fetcher or SafeFetcher()
    with patches.collector_paused():
        document, sheets = _document(html, base_dir, fetcher)
        pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=_font_config())
    for refusal in getattr(fetcher, "oversized", ()):
        raise refusal  # an image over the pixel limit was left out: say so rather than omit it
    return pdf


def page_count(context: dict[str, Any], template_id: str | None = None) -> int:
    """How many pages the PDF of a context has (lays it out without writing the file)."""
    template_id = template_id or context["template"]
    path = find_template(template_id, "html")
    with limits.time_limit(path.name), patches.collector_paused():
        document, sheets = _document(render_html(context, template_id), path.parent)
        return len(document.render(stylesheets=sheets, font_config=_font_config()).pages)


def render_pdf(context: dict[str, Any], template_id: str | None = None) -> bytes:
    template_id = template_id or context["template"]
    path = find_template(template_id, "html")
    with limits.time_limit(path.name):
        return html_to_pdf(render_html(context, template_id), path.parent)


# ---------------------------------------------------------------------------------------------
# docxtpl


def _with_inline_images(value: Any, tpl: Any) -> Any:
    """Assets (``{"src": "data:…", "width_mm": …}``) become docxtpl ``InlineImage`` objects."""
    from docx.shared import Mm
    from docxtpl import InlineImage

    if isinstance(value, dict):
        src = value.get("src")
        if isinstance(src, str) and src.startswith("data:") and "width_mm" in value:
            data = _word_image(src, value["width_mm"])
            return InlineImage(tpl, io.BytesIO(data), width=Mm(value["width_mm"]))
        return {key: _with_inline_images(item, tpl) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_inline_images(item, tpl) for item in value]
    return value


WORD_PIXELATED_DPI = 400


def _word_image(src: str, width_mm: float) -> bytes:
    """The bytes of an asset for Word; a ``PIXELATED`` one enlarged without smoothing to at least
    ``WORD_PIXELATED_DPI`` at its printed width (Word and LibreOffice smooth a small picture they
    enlarge, which blurs the modules of a QR code)."""
    from desktop_crm.documents.assets import PIXELATED

    header, encoded = src.split(",", 1)
    if f";{PIXELATED};" in f"{header};":
        return _enlarged_pixels(encoded, width_mm)
    data = base64.b64decode(encoded)
    limits.check_image(data, "")
    return data


@lru_cache(maxsize=16)
def _enlarged_pixels(encoded: str, width_mm: float) -> bytes:
    """A pixel-art PNG (base64) enlarged by a whole factor without smoothing (cached: a QR code
    is small, and a draft's preview renders the same one again and again)."""
    from PIL import Image

    data = base64.b64decode(encoded)
    image = Image.open(io.BytesIO(data))
    scale = int(-(-WORD_PIXELATED_DPI * width_mm / 25.4 // image.width))
    if scale <= 1:
        return data
    enlarged = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    enlarged.save(buffer, format="PNG")
    return buffer.getvalue()


def render_docx(context: dict[str, Any], template_id: str | None = None) -> bytes:
    template_id = template_id or context["template"]
    path = find_template(template_id, "docx")
    check_docx(path)
    env = jinja_environment(docx=True)
    with limits.time_limit(path.name), limits.guard(path.name, str(path)):
        try:
            tpl = patches.docx_template_class()(str(path))
            tpl.render(_with_inline_images(context, tpl), jinja_env=env, autoescape=True)
        except (zipfile.BadZipFile, SyntaxError) as error:  # lxml's XMLSyntaxError is a SyntaxError
            raise TemplateError(_("The template {name} is not a valid Word document: {reason}").format(
                name=path.name, reason=error)) from error
    buffer = io.BytesIO()
    tpl.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same Word file for the same context: the archive's entries get a fixed time (python-docx
    stamps them with the time of saving), so a stored file can be rebuilt byte for byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


MAX_DOCX_UNPACKED = 300_000_000  # bytes of a Word template once unpacked


def check_docx(path: Path) -> None:
    """Refuse a Word template that is not a sound .docx before docxtpl reads it: an XML part that
    declares a DTD or entities (Word never writes one; "billion laughs" expand to gigabytes) or
    parts that unpack to more than :data:`MAX_DOCX_UNPACKED` bytes (a zip bomb)."""
    stat = path.stat()
    problem = _docx_problem(str(path), stat.st_mtime_ns, stat.st_size)
    if problem:
        raise TemplateError(_("The template {name} cannot be used: {reason}").format(
            name=path.name, reason=problem))


@lru_cache(maxsize=32)
def _docx_problem(path: str, _mtime_ns: int, _size: int) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_DOCX_UNPACKED:
                return _("it unpacks to more than {limit} MB").format(
                    limit=MAX_DOCX_UNPACKED // 1_000_000)
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                part = archive.read(info)
                if b"<!DOCTYPE" in part or b"<!ENTITY" in part:
                    return _("its part {part} declares a DTD or entities, which Word documents "
                             "never do").format(part=info.filename)
    except (zipfile.BadZipFile, OSError) as error:
        return _("it is not a valid Word document ({reason})").format(reason=error)
    return ""
