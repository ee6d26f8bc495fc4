"""Rendering a render context (``documents.context``) to PDF (weasyprint) and DOCX (docxtpl).

* Templates live in ``templates/documents/`` (bundled) and in ``<data dir>/templates/documents/``
  (the user's own): a user file with the same name overrides the bundled one, a new name adds a
  template. ``<id>.html`` is the PDF source, ``<id>.docx`` the Word template (``id`` = ``ru.quote``…).
* Jinja runs sandboxed (:class:`jinja2.sandbox.SandboxedEnvironment`) with autoescaping on, for
  HTML and for docxtpl (without autoescape docxtpl silently drops ``&`` and ``<…>``).
* weasyprint fetches only through :class:`SafeFetcher`: ``data:`` URIs and files inside the template
  and resource folders; everything else (other files, http, ftp…) is refused and reported.
* :func:`lint` reports unknown fields and broken tags of a template before a render fails.

weasyprint and docxtpl are imported lazily: the application starts without them.
"""

from __future__ import annotations

import atexit
import base64
import gc
import io
import re
import threading
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from desktop_crm.config import data_dir
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.paths import resources_dir, templates_dir


class TemplateError(CrmError):
    """A template is missing or cannot be rendered."""


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
        if candidate.is_file():
            return candidate
    raise TemplateError(_("Unknown document template: {name}").format(name=name))


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
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class _Environment(SandboxedEnvironment):
        _compiled: dict[str, Any]

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if globals is not None or template_class is not None or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            template = self._compiled.get(source)
            if template is None:
                if len(self._compiled) > 64:
                    self._compiled.clear()
                template = self._compiled[source] = super().from_string(source)
            return template

    env = _Environment(
        loader=FileSystemLoader(list(folders)),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=not docx,  # Word XML keeps Jinja's default whitespace handling (as docxtpl)
        lstrip_blocks=not docx,
        cache_size=64,
    )
    env._compiled = {}
    env.filters["css_string"] = css_string
    return env


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
    from jinja2 import TemplateError as JinjaError

    template_id = template_id or context["template"]
    path = find_template(template_id, "html")
    try:
        return jinja_environment().get_template(path.name).render(**context)
    except JinjaError as error:
        raise TemplateError(
            _("The template {name} cannot be rendered: {reason}").format(name=path.name, reason=error)
        ) from error


# ---------------------------------------------------------------------------------------------
# weasyprint


@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class _SafeFetcher(URLFetcher):
        """Serves ``data:`` URIs and files under the allowed folders; refuses everything else."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=False)
            self.roots = [root.resolve() for root in roots]
            self.refused: list[str] = []

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
                return super().fetch(url, headers)
            if scheme == "file":
                path = self._allowed_file(url)
                if path is not None:
                    return super().fetch(path.as_uri(), headers)
            self.refused.append(url)
            raise ValueError(f"refused by the document fetcher: {url}")

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
    once, before the first render, it also fixes tinyhtml5's pattern cache and lets text layouts
    share their Pango contexts (:mod:`documents.pango_contexts`).
    """
    from weasyprint import CSS, HTML

    from desktop_crm.documents import pango_contexts
    from desktop_crm.documents.user_agent import LEAN_USER_AGENT_CSS

    _cache_html_parser_patterns()
    pango_contexts.install()
    sheet = CSS(string=LEAN_USER_AGENT_CSS, font_config=_font_config())

    class LeanHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return super()._ua_stylesheets(forms) if forms else [sheet]  # type: ignore[no-any-return]

    return LeanHTML


class _CharactersUntilPatterns(dict):  # type: ignore[type-arg]
    """tinyhtml5's cache of ``chars_until`` patterns, filled under the key it is read with.

    tinyhtml5 2.1 stores each pattern with ``characters = cache[(characters, opposite)] = regex``:
    ``characters`` is rebound to the pattern before the key is built, so the key is never found
    again and every call (several per tag and text run) rebuilds and recompiles its pattern, 4 %
    of a 3-page invoice. html5lib, where the code comes from, names the local ``chars``. Built
    here on the first lookup, the pattern is found from then on and that line is never reached.
    """

    def __missing__(self, key: tuple[Any, bool]) -> re.Pattern[str]:
        characters, opposite = key
        escaped = "".join(f"\\x{ord(character):02x}" for character in characters)
        compiled = re.compile(f"[{escaped if opposite else '^' + escaped}]+")
        self[key] = compiled
        return compiled


def _cache_html_parser_patterns() -> None:
    """Installs :class:`_CharactersUntilPatterns` while tinyhtml5 keeps its cache in a plain dict
    (the 2.x layout); a tinyhtml5 that caches another way is left alone."""
    from tinyhtml5 import inputstream

    if type(inputstream.characters_until_regex) is dict:
        inputstream.characters_until_regex = _CharactersUntilPatterns()


def _document(html: str, base_dir: Path, fetcher: Any = None) -> tuple[Any, list[Any]]:
    fetcher = fetcher or SafeFetcher()
    base_url = base_dir.as_uri() + "/"
    html, sheets = _with_parsed_sheets(html, base_url, fetcher)
    html = _TABLE_WHITESPACE.sub(r"\1", html)
    document = _lean_html_class()(string=html, base_url=base_url, url_fetcher=fetcher)
    return document, [_pixelated_sheet(), *sheets]


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a render, then one young-generation pass.

    A render allocates tens of thousands of container objects (boxes, styles, layouts) that live
    until it ends: with the collector on, Python scans them again and again (a 3-page invoice:
    ~80 young and ~7 middle collections, about a tenth of the render); paused, the one pass after
    the render frees its reference cycles. Nested and concurrent renders pause once; a collector
    the application switched off stays off.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            resume = _gc_pauses == 0 and _gc_was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)


def html_to_pdf(html: str, base_dir: Path, fetcher: Any = None) -> bytes:
    with _collector_paused():
        document, sheets = _document(html, base_dir, fetcher)
        return document.write_pdf(stylesheets=sheets, font_config=_font_config())  # type: ignore[no-any-return]


def page_count(context: dict[str, Any], template_id: str | None = None) -> int:
    """How many pages the PDF of a context has (lays it out without writing the file)."""
    template_id = template_id or context["template"]
    path = find_template(template_id, "html")
    with _collector_paused():
        document, sheets = _document(render_html(context, template_id), path.parent)
        return len(document.render(stylesheets=sheets, font_config=_font_config()).pages)


def render_pdf(context: dict[str, Any], template_id: str | None = None) -> bytes:
    template_id = template_id or context["template"]
    path = find_template(template_id, "html")
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
    return base64.b64decode(encoded)


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
    image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@cache
def _docx_template_class() -> type:
    from docxtpl import DocxTemplate

    class _DocxTemplate(DocxTemplate):
        """docxtpl's template whose XML clean-up (``patch_xml``: a dozen regular expressions over
        each part, a third of a render) runs once per distinct part source: every render opens
        the template file again, so its parts give the same sources."""

        def patch_xml(self, src_xml: str) -> str:
            patched = _PATCHED_XML.get(src_xml)
            if patched is None:
                patched = super().patch_xml(src_xml)
                if len(_PATCHED_XML) >= 64:
                    _PATCHED_XML.clear()
                _PATCHED_XML[src_xml] = patched
            return patched  # type: ignore[no-any-return]

    return _DocxTemplate


_PATCHED_XML: dict[str, str] = {}


def render_docx(context: dict[str, Any], template_id: str | None = None) -> bytes:
    from jinja2 import TemplateError as JinjaError

    template_id = template_id or context["template"]
    path = find_template(template_id, "docx")
    tpl = _docx_template_class()(str(path))
    env = jinja_environment(docx=True)
    try:
        tpl.render(_with_inline_images(context, tpl), jinja_env=env, autoescape=True)
    except JinjaError as error:
        raise TemplateError(
            _("The template {name} cannot be rendered: {reason}").format(name=path.name, reason=error)
        ) from error
    buffer = io.BytesIO()
    tpl.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# The linter


@dataclass(frozen=True)
class LintProblem:
    template: str
    kind: str  # "unknown_field" | "syntax"
    message: str
    field: str = ""
    line: int | None = None


_ANY = None
_SCALAR = "scalar"
_JINJA_NAMES = {"range", "loop", "namespace", "lipsum", "dict", "cycler", "joiner", "caller", "varargs", "kwargs"}


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return ("list", _merge_all([_shape(item) for item in value]) if value else _ANY)
    if value is None:
        return _ANY
    return _SCALAR


def _merge(a: Any, b: Any) -> Any:
    if a is _ANY or b is _ANY:
        return a if b is _ANY else b if a is _ANY else _ANY
    if isinstance(a, dict) and isinstance(b, dict):
        merged = dict(a)
        for key, value in b.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(a, tuple) and isinstance(b, tuple):
        return ("list", _merge(a[1], b[1]))
    return a


def _merge_all(shapes: list[Any]) -> Any:
    result = shapes[0]
    for shape in shapes[1:]:
        result = _merge(result, shape)
    return result


@cache
def contract_shape() -> Any:
    """The shape of every field the builder produces (all four templates, everything filled)."""
    import dataclasses

    from desktop_crm.documents.assets import qr_asset
    from desktop_crm.documents.context import build_context, sample_input

    png = base64.b64decode(qr_asset("lint")["src"].split(",", 1)[1])
    shapes = []
    for language in ("ru", "it"):
        for kind in ("quote", "invoice"):
            data = sample_input(language, kind)
            seller = dataclasses.replace(data.seller, logo=png, stamp=png, signature=png)
            lines = [dataclasses.replace(line, image=png, natura="N4") for line in data.lines]
            data = dataclasses.replace(
                data, seller=seller, lines=lines, source_quote_number="1",
                options={"logo": True, "stamp": True, "signature": True, "qr": True},
            )
            shapes.append(_shape(build_context(data)))
    return _merge_all(shapes)


class _Linter:
    """Walks a Jinja AST; ``scope`` maps local names to ``(shape, contract path)``."""

    def __init__(self, name: str, shape: Any, partial: bool = False) -> None:
        self.name = name
        self.shape = shape
        self.partial = partial  # an included fragment: its includer may set extra names
        self.problems: list[LintProblem] = []

    def unknown(self, path: str, line: int | None) -> None:
        self.problems.append(
            LintProblem(
                self.name,
                "unknown_field",
                _("{template}, line {line}: unknown field {field}").format(
                    template=self.name, line=line, field=path
                ),
                path,
                line,
            )
        )

    def resolve(self, node: Any, scope: dict[str, Any]) -> tuple[Any, str | None]:
        """The shape of an expression and its path; unknown fields are reported."""
        from jinja2 import nodes

        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if isinstance(self.shape, dict) and node.name in self.shape:
                return self.shape[node.name], node.name
            if node.name in _JINJA_NAMES or self.partial:
                return _ANY, None
            self.unknown(node.name, node.lineno)
            return _ANY, None
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            base, path = self.resolve(node.node, scope)
            if isinstance(node, nodes.Getitem):
                if not isinstance(node.arg, nodes.Const):
                    self.visit(node.arg, scope)
                    return (base[1] if isinstance(base, tuple) else _ANY), (
                        f"{path}[]" if path else None
                    )
                key = node.arg.value
                if isinstance(key, int):
                    return (base[1] if isinstance(base, tuple) else _ANY), (f"{path}[]" if path else None)
            else:
                key = node.attr
            if path is None or base is _ANY or base == _SCALAR:
                return _ANY, None
            if isinstance(base, tuple):
                return _ANY, None  # list methods/attributes
            if isinstance(base, dict):
                if key in base:
                    return base[key], f"{path}.{key}"
                if key in ("items", "keys", "values", "get"):
                    return _ANY, None
                self.unknown(f"{path}.{key}", node.lineno)
            return _ANY, None
        self.visit(node, scope)
        return _ANY, None

    def visit(self, node: Any, scope: dict[str, Any]) -> None:
        from jinja2 import nodes

        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            if isinstance(node, nodes.Name) and node.ctx != "load":
                return
            self.resolve(node, scope)
            return
        if isinstance(node, nodes.For):
            shape, path = self.resolve(node.iter, scope)
            item = shape[1] if isinstance(shape, tuple) else _ANY
            inner = dict(scope)
            inner["loop"] = (_ANY, None)
            targets = [node.target] if isinstance(node.target, nodes.Name) else list(
                node.target.find_all(nodes.Name)
            )
            for target in targets:
                single = len(targets) == 1 and path is not None
                inner[target.name] = (item, f"{path}[]") if single else (_ANY, None)
            if node.test is not None:
                self.visit(node.test, inner)
            for child in node.body:
                self.visit(child, inner)
            for child in node.else_:
                self.visit(child, scope)
            return
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            value = node.node if isinstance(node, nodes.Assign) else None
            bound: tuple[Any, str | None] = (_ANY, None)
            if value is not None:
                bound = self.resolve(value, scope)
            else:
                for child in node.body:
                    self.visit(child, scope)
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else [node.target]:
                scope[target.name] = bound
            return
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = dict(scope)
            for arg in getattr(node, "args", []):
                inner[arg.name] = (_ANY, None)
            inner["caller"] = (_ANY, None)
            for child in node.body:
                self.visit(child, inner)
            if isinstance(node, nodes.Macro):
                scope[node.name] = (_ANY, None)
            else:
                self.visit(node.call, scope)
            return
        if isinstance(node, (nodes.Import, nodes.FromImport)):
            names = [node.target] if isinstance(node, nodes.Import) else [
                n if isinstance(n, str) else n[1] for n in node.names
            ]
            for name in names:
                scope[name] = (_ANY, None)
            return
        for child in node.iter_child_nodes():
            self.visit(child, scope)


def _syntax_problem(name: str, error: Exception) -> LintProblem:
    line = getattr(error, "lineno", None)
    message = getattr(error, "message", None) or str(error)
    return LintProblem(
        name,
        "syntax",
        _("{template}, line {line}: broken tag: {reason}").format(
            template=name, line=line, reason=message
        ),
        "",
        line,
    )


def lint_source(source: str, name: str, partial: bool = False) -> list[LintProblem]:
    """Problems of a Jinja source against the data contract (``partial``: an included fragment)."""
    from jinja2 import TemplateSyntaxError

    env = jinja_environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as error:
        return [_syntax_problem(name, error)]
    linter = _Linter(name, contract_shape(), partial)
    linter.visit(tree, {})
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in linter.problems:
        if (problem.field, problem.kind) not in seen:
            seen.add((problem.field, problem.kind))
            unique.append(problem)
    return unique


def docx_sources(path: Path) -> list[tuple[str, str]]:
    """The Jinja sources of a Word template (body, headers, footers) as docxtpl sees them."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(path))
    tpl.init_docx()
    sources = [(f"{path.name}", tpl.patch_xml(tpl.get_xml()))]
    for uri, label in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        for _rel, part in tpl.get_headers_footers(uri):
            sources.append((f"{path.name} ({label})", tpl.patch_xml(tpl.get_part_xml(part))))
    return sources


def lint(path: Path) -> list[LintProblem]:
    """Lint an HTML or DOCX template file."""
    path = Path(path)
    if path.suffix == ".docx":
        try:
            sources = docx_sources(path)
        except Exception as error:  # a damaged file: python-docx raises many kinds
            return [_syntax_problem(path.name, error)]
        problems: list[LintProblem] = []
        for name, source in sources:
            problems.extend(lint_source(source, name))
        return problems
    return lint_source(path.read_text(encoding="utf-8"), path.name, partial=path.name.startswith("_"))


def lint_template(template_id: str, extension: str) -> list[LintProblem]:
    return lint(find_template(template_id, extension))
