"""Document templates as Settings › Templates shows them: the bundled ones and the user's copies
(``<data dir>/templates/documents/``, which override the bundled ones of the same name), their
lint, an editable copy to open in a word processor, restoring the default, and a preview on a deal.

A preview renders what a draft of the deal would print with that template, from a draft made in a
transaction that is rolled back: nothing of it stays in the database.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_crm import i18n
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import DealId, IdLike, as_uuid
from desktop_crm.models import Deal, DocumentType, OwnCompany, database
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import documents, invoices, quotes, rendering
from desktop_crm.services.billing.rendering import RenderedFile
from desktop_crm.services.system import rights

EXTENSIONS = {"pdf": "html", "docx": "docx"}


@dataclass(frozen=True)
class TemplateInfo:
    template_id: str  # "ru.invoice"
    fmt: str  # "pdf" (an HTML template) or "docx"
    kind: str  # "quote" / "invoice" / "" for another document
    language: str
    title: str  # what the document is called in the UI's language (its kind's title, else its id)
    file_name: str
    path: str
    customised: bool  # the user's copy is used instead of the bundled template
    has_default: bool  # a bundled template of that name exists (it can be restored)


def _render() -> Any:
    from desktop_crm.documents import render

    return render


def _parts(template_id: str) -> tuple[str, str]:
    language, _dot, rest = template_id.partition(".")
    kind = rest.split(".")[0]
    return language, kind if kind in ("quote", "invoice") else ""


def _info(template_id: str, fmt: str) -> TemplateInfo:
    render = _render()
    name = f"{template_id}.{EXTENSIONS[fmt]}"
    user = render.user_templates_dir() / name
    bundled = render.bundled_templates_dir() / name
    language, kind = _parts(template_id)
    path = user if user.is_file() else bundled
    return TemplateInfo(template_id, fmt, kind, language, _title(template_id), name, str(path),
                        user.is_file(), bundled.is_file())


def _title(template_id: str) -> str:
    """The document kind's title in the UI's language (``kinds.json``), else the template id."""
    from desktop_crm.documents import kinds

    code = template_id.partition(".")[2].split(".")[0]
    known = kinds.kinds()
    return known[code].title_in(i18n.current_language()) if code in known else template_id


def document_templates() -> list[TemplateInfo]:
    """Every template the documents can use, by id, PDF before DOCX."""
    return [_info(template_id, fmt)
            for template_id, formats in _render().available_templates().items() for fmt in formats]


def user_folder() -> str:
    folder = _render().user_templates_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def _findings(path: Path) -> list[str]:
    """The linter's findings for a template file, each one line naming where it is: the line of
    an HTML template, the paragraph or table cell (with the text around it) of a Word one."""
    from desktop_crm.documents import lint

    return [p.message if not p.location or p.location in p.message
            else _("{where}: {message}").format(where=p.location, message=p.message)
            for p in lint.lint(path)]


def lint_template(template_id: str, fmt: str) -> list[str]:
    """The linter's findings (unknown fields and filters, broken or split tags), each as one
    translated line with its location."""
    return _findings(Path(_info(template_id, fmt).path))


class TemplateRefused(ValidationError):
    """A template the linter found problems in: not saved; ``problems`` lists them."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message, field="template")
        self.problems = problems


def install_template(template_id: str, fmt: str, source: str) -> TemplateInfo:
    """Save a file (made elsewhere, or the user's edited copy) as the user's template of
    ``template_id``, after the linter: a template with any problem is refused with the list
    (:class:`TemplateRefused`), and the one in use stays as it was."""
    import tempfile

    rights.require(Action.CHANGE_SETTINGS)
    info = _info(template_id, fmt)
    origin = Path(source)
    extension = EXTENSIONS[fmt]
    if origin.suffix.lower() != f".{extension}":
        raise ValidationError(_("Choose a .{extension} file for {name}.").format(
            extension=extension, name=info.file_name), field="template")
    if not origin.is_file():
        raise ValidationError(_("The file {path} does not exist.").format(path=source),
                              field="template")
    with tempfile.TemporaryDirectory(prefix="crm-template-") as folder:
        candidate = Path(folder) / info.file_name  # checked under the name it will be used by
        shutil.copyfile(origin, candidate)
        problems = _findings(candidate)
        if problems:
            raise TemplateRefused(
                _("{name} was not saved: the linter found {count} problems.").format(
                    name=info.file_name, count=len(problems)), problems)
        target = Path(user_folder()) / info.file_name
        shutil.copyfile(candidate, target)
    return _info(template_id, fmt)


def editable_copy(template_id: str, fmt: str) -> str:
    """The user's copy of a template (made from the bundled one the first time): the file to open
    in a word processor or an editor. Bundled templates are never edited in place."""
    rights.require(Action.CHANGE_SETTINGS)
    info = _info(template_id, fmt)
    target = Path(user_folder()) / info.file_name
    if not target.is_file():
        shutil.copyfile(info.path, target)
    return str(target)


def restore_default(template_id: str, fmt: str) -> TemplateInfo:
    """Remove the user's copy: the bundled template is used again."""
    rights.require(Action.CHANGE_SETTINGS)
    info = _info(template_id, fmt)
    if not info.has_default:
        raise ValidationError(_("{name} is your own template: there is no default to restore.")
                              .format(name=info.file_name))
    if info.customised:
        Path(info.path).unlink()
    return _info(template_id, fmt)


@dataclass(frozen=True)
class DealChoice:
    id: DealId
    title: str


def preview_deals(text: str = "", limit: int = 100) -> list[DealChoice]:
    """Deals to preview a template on, the latest changed first; ``text`` filters the titles."""
    query = Deal.alive().order_by(Deal.updated_at.desc())
    words = " ".join(text.split())
    if words:
        query = query.where(Deal.title.contains(words))
    rows: list[Any] = list(query.limit(limit))
    return [DealChoice(DealId(row.id), row.title) for row in rows]


def _own_company_for(language: str) -> Any:
    """The default own company, or one of the template's country when the default is not."""
    companies: list[Any] = list(OwnCompany.alive().order_by(OwnCompany.is_default.desc()))
    if not companies:
        raise ValidationError(_("Add an own company first (Settings › Own companies)."))
    return next((c for c in companies if (c.country or "").lower() == language), companies[0])


def preview(template_id: str, fmt: str, deal_id: IdLike) -> RenderedFile:
    """What a draft of the deal prints with this template (rendered now; nothing is saved)."""
    info = _info(template_id, fmt)
    kind = DocumentType(info.kind or "quote")
    with database.atomic() as transaction:
        own = _own_company_for(info.language)
        maker = quotes.create_from_deal if kind == DocumentType.QUOTE else invoices.create_from_deal
        draft = maker(as_uuid(deal_id), None, own.id)
        row = documents._get_document(kind, draft.id)
        row.language = info.language or row.language
        context = rendering.context_for(row)
        transaction.rollback()
    render = _render()
    content = (render.render_pdf(context, template_id) if fmt == "pdf"
               else render.render_docx(context, template_id))
    name = f"{template_id}-preview.{fmt}"
    return RenderedFile(name, content, hashlib.sha256(content).hexdigest(), False)


__all__ = ["DealChoice", "TemplateInfo", "TemplateRefused", "document_templates", "editable_copy",
           "install_template", "lint_template",
           "preview", "preview_deals", "restore_default", "user_folder"]
