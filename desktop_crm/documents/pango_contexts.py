"""Pango contexts and font descriptions shared between weasyprint's text layouts.

weasyprint 70 lays out every run of text (a table cell, a word run, a line's strut) through a
``Layout`` whose ``setup`` creates a new Pango context, sets its glyph rounding, direction and
language, and builds a new font description — once when the text is laid out and again when it
is drawn. For an invoice that is hundreds of identical contexts: about 3 % of a 3-page render.

:func:`install` replaces ``Layout.setup`` with one that takes the context from a cache keyed by
font configuration, direction and language (one cache per thread: Pango objects are not shared
across threads) and the font description from a cache keyed by the properties it is built from.
A context in the cache is never changed after it is made, so a layout made from it sees what it
would have seen in a context of its own; Pango copies a font description into the layout. Text
that needs more than plain setup — decorations (their metrics), font features or variations, a
language override — goes through weasyprint's own ``setup``.

Only weasyprint versions whose ``setup`` was compared line by line are patched
(:data:`VERIFIED_WEASYPRINT`); a test renders every template both ways and compares the bytes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

VERIFIED_WEASYPRINT = ("70.",)

_original_setup: Any = None
_local = threading.local()  # per thread: "contexts" by font configuration, "descriptions"


def install() -> bool:
    """Patches ``weasyprint.text.line_break.Layout.setup``; True when the shared setup is active
    (also when it already was), False for a weasyprint version it was not checked against."""
    global _original_setup
    import weasyprint
    from weasyprint.text import line_break

    if _original_setup is not None:
        return True
    if not weasyprint.__version__.startswith(VERIFIED_WEASYPRINT):
        return False
    _original_setup = line_break.Layout.setup
    line_break.Layout.setup = _shared_setup(_original_setup)
    return True


def uninstall() -> None:
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
            new = ffi.gc(pango.pango_font_map_create_context(style.font_config.font_map), gobject.g_object_unref)
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
