"""Every patch of a library's internals the document renderers rely on, in one place.

Each patch names the library versions it was written for (:class:`Patch`). On any other version
it switches itself off, logs why, and renders run the library's own code (a little slower, the
same output). Each has a test that renders with and without it and compares the output
(tests/test_document_render.py).

* :data:`PANGO_CONTEXTS` (weasyprint 70): text layouts share Pango contexts and font descriptions.
* :data:`HTML_PATTERNS` (tinyhtml5 2.x): its ``chars_until`` pattern cache finds what it stored.
* :data:`JINJA_SOURCES` (Jinja 3.x): ``from_string`` sources (docxtpl's XML parts) compile once.
* :data:`DOCX_PATCHED_XML` (docxtpl 0.20): docxtpl's XML clean-up runs once per distinct part.
* :data:`GC_PAUSE` (CPython 3.11–3.13): the cyclic collector pauses while a document renders.
"""

from __future__ import annotations

import gc
import importlib.metadata
import logging
import platform
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

log = logging.getLogger(__name__)


class Patch:
    """A patch of a library's internals and the library versions it was checked against."""

    def __init__(self, name: str, library: str, versions: tuple[str, ...]) -> None:
        self.name = name
        self.library = library  # a distribution name, or "python" for the interpreter
        self.versions = versions  # version prefixes: "70." is any weasyprint 70
        self._active: bool | None = None

    def installed_version(self) -> str:
        if self.library == "python":
            return f"{platform.python_implementation().lower()}-{platform.python_version()}"
        try:
            return importlib.metadata.version(self.library)
        except importlib.metadata.PackageNotFoundError:
            return ""

    def active(self) -> bool:
        """Whether the patch applies to the installed library (decided once, logged when not)."""
        if self._active is None:
            version = self.installed_version()
            self._active = version.startswith(self.versions)
            if not self._active:
                log.info(
                    "library patch %r switched off: written for %s %s, found %s",
                    self.name, self.library, " / ".join(f"{v}*" for v in self.versions), version or "none",
                )
        return self._active


PANGO_CONTEXTS = Patch("shared Pango contexts", "weasyprint", ("70.",))
HTML_PATTERNS = Patch("tinyhtml5 pattern cache", "tinyhtml5", ("2.",))
JINJA_SOURCES = Patch("Jinja from_string cache", "jinja2", ("3.",))
DOCX_PATCHED_XML = Patch("docxtpl patch_xml cache", "docxtpl", ("0.20.",))
GC_PAUSE = Patch(
    "collector paused while rendering", "python", ("cpython-3.11.", "cpython-3.12.", "cpython-3.13.")
)


# ---------------------------------------------------------------------------------------------
# Jinja: from_string sources compiled once


@cache
def environment_class() -> type:
    """Jinja's sandboxed environment; with :data:`JINJA_SOURCES`, one whose ``from_string``
    compiles each distinct source once (docxtpl hands it every XML part on every render)."""
    from jinja2.sandbox import SandboxedEnvironment

    if not JINJA_SOURCES.active():
        return SandboxedEnvironment

    class _Environment(SandboxedEnvironment):
        _compiled: dict[str, Any]

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if globals is not None or template_class is not None or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            compiled = self.__dict__.setdefault("_compiled", {})
            template = compiled.get(source)
            if template is None:
                if len(compiled) > 64:
                    compiled.clear()
                template = compiled[source] = super().from_string(source)
            return template

    return _Environment


# ---------------------------------------------------------------------------------------------
# docxtpl: patch_xml once per distinct part

_PATCHED_XML: dict[str, str] = {}


@cache
def docx_template_class() -> type:
    """docxtpl's template; with :data:`DOCX_PATCHED_XML`, one whose XML clean-up (``patch_xml``:
    a dozen regular expressions over each part, a third of a render) runs once per distinct part
    source: every render opens the template file again, so its parts give the same sources."""
    from docxtpl import DocxTemplate

    if not DOCX_PATCHED_XML.active():
        return DocxTemplate  # type: ignore[no-any-return]

    class _DocxTemplate(DocxTemplate):  # type: ignore[misc]  # docxtpl ships no types
        def patch_xml(self, src_xml: str) -> str:
            patched = _PATCHED_XML.get(src_xml)
            if patched is None:
                patched = super().patch_xml(src_xml)
                if len(_PATCHED_XML) >= 64:
                    _PATCHED_XML.clear()
                _PATCHED_XML[src_xml] = patched
            return patched

    return _DocxTemplate


# ---------------------------------------------------------------------------------------------
# tinyhtml5: the chars_until pattern cache


class CharactersUntilPatterns(dict[tuple[Any, bool], "re.Pattern[str]"]):
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


def install_html_patterns() -> bool:
    """Installs :class:`CharactersUntilPatterns` while tinyhtml5 keeps its cache in a plain dict
    (the 2.x layout); True when it is in place."""
    from tinyhtml5 import inputstream

    if not HTML_PATTERNS.active():
        return False
    if type(inputstream.characters_until_regex) is dict:
        inputstream.characters_until_regex = CharactersUntilPatterns()
    return isinstance(inputstream.characters_until_regex, CharactersUntilPatterns)


# ---------------------------------------------------------------------------------------------
# The cyclic garbage collector paused while a document renders

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a render, then one young-generation pass.

    A render allocates tens of thousands of container objects (boxes, styles, layouts) that live
    until it ends: with the collector on, Python scans them again and again (a 3-page invoice:
    ~80 young and ~7 middle collections, about a tenth of the render); paused, the one pass after
    the render frees its reference cycles. Nested and concurrent renders pause once; a collector
    the application switched off stays off.
    """
    global _gc_pauses, _gc_was_enabled
    if not GC_PAUSE.active():
        yield
        return
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


# ---------------------------------------------------------------------------------------------
# weasyprint: Pango contexts and font descriptions shared between text layouts
#
# weasyprint 70 lays out every run of text (a table cell, a word run, a line's strut) through a
# ``Layout`` whose ``setup`` creates a new Pango context, sets its glyph rounding, direction and
# language, and builds a new font description — once when the text is laid out and again when it
# is drawn. For an invoice that is hundreds of identical contexts: about 3 % of a 3-page render.
#
# :func:`install_pango_contexts` replaces ``Layout.setup`` with one that takes the context from a
# cache keyed by font configuration, direction and language (one cache per thread: Pango objects
# are not shared across threads) and the font description from a cache keyed by the properties it
# is built from. A context in the cache is never changed after it is made, so a layout made from
# it sees what it would have seen in a context of its own; Pango copies a font description into
# the layout. Text that needs more than plain setup — decorations (their metrics), font features
# or variations, a language override — goes through weasyprint's own ``setup``. Only weasyprint
# versions whose ``setup`` was compared line by line are patched; a test renders every template
# both ways and compares the bytes.

_original_setup: Any = None
_local = threading.local()  # per thread: "contexts" by font configuration, "descriptions"


def install_pango_contexts() -> bool:
    """Patches ``weasyprint.text.line_break.Layout.setup``; True when the shared setup is active
    (also when it already was), False for a weasyprint version it was not checked against."""
    global _original_setup
    from weasyprint.text import line_break

    if _original_setup is not None:
        return True
    if not PANGO_CONTEXTS.active():
        return False
    _original_setup = line_break.Layout.setup
    line_break.Layout.setup = _shared_setup(_original_setup)
    return True


def uninstall_pango_contexts() -> None:
    """Puts weasyprint's own ``setup`` back (tests compare renders both ways)."""
    global _original_setup
    from weasyprint.text import line_break

    if _original_setup is not None:
        line_break.Layout.setup = _original_setup
        _original_setup = None


def contexts_in_this_thread() -> int:
    """How many Pango contexts the shared setup has made in this thread (a handful: one per font
    configuration, direction and language)."""
    per_config = _local.__dict__.get("contexts", {})
    return sum(len(made) for _config, made in per_config.values())


def _shared_setup(original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """``Layout.setup`` with shared contexts and font descriptions for plain text, ``original``
    for the rest. weasyprint's names are bound here once: ``setup`` runs for every text box."""
    from weasyprint.text.constants import PANGO_DIRECTION
    from weasyprint.text.ffi import ffi, gobject, pango, unicode_to_char_p
    from weasyprint.text.fonts import font_features, get_font_description

    def plain(style: Any) -> bool:
        """Whether weasyprint's setup of the style is only context, font description and layout
        (no decoration metrics, font features, variations or language override)."""
        return (
            style["font_language_override"] == "normal"
            and style["text_decoration_line"] == "none"
            and style["font_variation_settings"] == "normal"
            and not font_features(
                style["font_kerning"], style["font_variant_ligatures"], style["font_variant_position"],
                style["font_variant_caps"], style["font_variant_numeric"], style["font_variant_alternates"],
                style["font_variant_east_asian"], style["font_feature_settings"])
        )

    def contexts(font_config: Any) -> dict[tuple[str, str | None], tuple[Any, Any]]:
        """This thread's contexts made from a font configuration (kept while it lives)."""
        per_config = _local.__dict__.setdefault("contexts", {})
        entry = per_config.get(id(font_config))
        if entry is None or entry[0]() is not font_config:
            for key in [key for key, (config, _made) in per_config.items() if config() is None]:
                del per_config[key]  # the contexts of a configuration that is gone
            entry = per_config[id(font_config)] = (weakref.ref(font_config), {})
        return entry[1]  # type: ignore[no-any-return]

    def context(style: Any) -> tuple[Any, Any]:
        """The context and language for the style's direction and ``lang``, set up as weasyprint
        sets up each layout's own."""
        made = contexts(style.font_config)
        key = (style["direction"], style["lang"] or None)
        entry = made.get(key)
        if entry is None:
            font_map = style.font_config.font_map
            new = ffi.gc(pango.pango_font_map_create_context(font_map), gobject.g_object_unref)
            pango.pango_context_set_round_glyph_positions(new, False)
            pango.pango_context_set_base_dir(new, PANGO_DIRECTION[style["direction"]])
            if key[1]:
                language_p, _text = unicode_to_char_p(key[1])
                language = pango.pango_language_from_string(language_p)
                pango.pango_context_set_language(new, language)
            else:
                language = pango.pango_language_get_default()
            entry = made[key] = (new, language)
        return entry

    def font_description(style: Any) -> Any:
        """weasyprint's font description of the style (without variations), made once."""
        made = _local.__dict__.setdefault("descriptions", {})
        key = (tuple(style["font_family"]), style["font_style"], style["font_stretch"], style["font_weight"],
               style["font_size"], style["font_variant_caps"])
        description = made.get(key)
        if description is None:
            description = made[key] = get_font_description(style)
        return description

    def setup(self: Any, style: Any) -> None:
        if not plain(style):
            original(self, style)
            return
        self.style = style
        self.first_line_direction = 0
        shared, self.language = context(style)
        self.layout = ffi.gc(pango.pango_layout_new(shared), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, font_description(style))
        self.ascent = self.underline_position = self.strikethrough_position = None

    return setup
