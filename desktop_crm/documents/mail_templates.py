"""The subject and body of an e-mail carrying a document, from a template per kind and language.

Templates are plain-text Jinja files ``<language>.<kind>.txt`` in ``templates/mail/`` (the user's
``<data dir>/templates/mail/`` overrides them); ``<language>.default.txt`` serves every kind without
its own. The first line is ``Subject: …``, then an empty line, then the body. They read the same
context as the documents (``doc``, ``seller``, ``buyer``, ``totals``, ``payment``, ``labels`` …,
see docs/documents.md) plus ``sender`` (``name``, ``address``: who writes the message), rendered in
the same sandbox with the same limits.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from desktop_crm.config import data_dir
from desktop_crm.documents import limits, patches
from desktop_crm.documents.limits import TemplateError
from desktop_crm.documents.render import inside_folder
from desktop_crm.i18n import _
from desktop_crm.paths import templates_dir


def mail_template_dirs() -> list[Path]:
    return [data_dir() / "templates" / "mail", templates_dir() / "mail"]


def find_mail_template(language: str, kind: str) -> Path:
    for name in (f"{language}.{kind}.txt", f"{language}.default.txt", f"en.{kind}.txt",
                 "en.default.txt"):
        if not re.fullmatch(r"[a-z]{2}\.[a-z_]+\.txt", name):
            continue
        for folder in mail_template_dirs():
            candidate = folder / name
            if candidate.is_symlink() or candidate.is_file():
                return inside_folder(folder, candidate)
    raise TemplateError(_("There is no e-mail template for {kind} in {language}.").format(
        kind=kind, language=language))


@lru_cache(maxsize=4)
def _environment() -> Any:
    from jinja2 import StrictUndefined

    limited = type("LimitedEnvironment", (limits.LimitedMixin, patches.environment_class()), {})
    env = limited(autoescape=False, undefined=StrictUndefined, trim_blocks=True,
                  lstrip_blocks=True, keep_trailing_newline=False,
                  finalize=lambda value: "" if value is None else value)
    return limits.limit_environment(env)


def render_mail(context: dict[str, Any], kind: str, language: str,
                sender: dict[str, str] | None = None) -> tuple[str, str]:
    """``(subject, body)`` of the message carrying a document of ``kind`` in ``language``."""
    path = find_mail_template(language, kind)
    source = path.read_text(encoding="utf-8")
    values = {**context, "sender": sender or {"name": "", "address": ""}}
    with limits.guard(path.name, str(path)):
        text: str = _environment().from_string(source).render(**values)
    first, _newline, rest = text.partition("\n")
    if not first.lower().startswith("subject:"):
        raise TemplateError(_("The e-mail template {name} must start with a line "
                              "“Subject: …”.").format(name=path.name))
    subject = " ".join(first.partition(":")[2].split())
    return subject, rest.strip("\n").rstrip() + "\n"
