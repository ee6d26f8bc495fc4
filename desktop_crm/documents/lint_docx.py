"""The linter's Word side: every problem of a .docx template named where a person finds it in Word.

docxtpl renders one long XML line per part, so a Jinja line number means nothing to the user
("line 1"). Here each paragraph of the body, the tables' cells, the headers and the footers gets a
place («table 2, row 3, cell 1») and its text; the Jinja source is cut into one line per paragraph
so the parser's line numbers map back to those places. Word-only problems are found per paragraph:
a tag whose characters are spread over several runs (Word does this when part of a tag is retyped,
spell-checked or formatted), and unbalanced delimiters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_crm.documents.lint import LintProblem, _syntax_problem, lint_source, unbalanced
from desktop_crm.i18n import _

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_DOCXTPL_PREFIX = re.compile(r"\{%-?\s*(?:tr|tc|p|r)\s")
_XML_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Place:
    where: str  # "paragraph 4", "table 2, row 3, cell 1", "footer, paragraph 1"
    text: str  # the paragraph's text
    runs: tuple[str, ...]  # the text of each run

    def describe(self) -> str:
        text = " ".join(self.text.split())
        if len(text) > 60:
            text = text[:57] + "…"
        return _("{where} («{text}»)").format(where=self.where, text=text) if text else self.where


def _runs(paragraph: Any) -> tuple[str, ...]:
    runs = []
    for run in paragraph.iter(f"{W}r"):
        runs.append("".join(
            (node.text or "") if node.tag == f"{W}t" else "\t" for node in run.iter(f"{W}t", f"{W}tab")
        ))
    return tuple(runs)


def _walk(element: Any, prefix: str, out: list[Place]) -> None:
    paragraphs = tables = 0
    for child in element:
        if child.tag == f"{W}p":
            paragraphs += 1
            runs = _runs(child)
            where = _("paragraph {n}").format(n=paragraphs)
            out.append(Place(f"{prefix}{where}", "".join(runs), runs))
        elif child.tag == f"{W}tbl":
            tables += 1
            for row_no, row in enumerate(child.iterchildren(f"{W}tr"), 1):
                for cell_no, cell in enumerate(row.iterchildren(f"{W}tc"), 1):
                    where = _("table {table}, row {row}, cell {cell}").format(
                        table=tables, row=row_no, cell=cell_no)
                    inner: list[Place] = []
                    _walk(cell, "", inner)
                    for index, place in enumerate(inner, 1):
                        suffix = f", {place.where}" if len(inner) > 1 and index > 1 else ""
                        out.append(Place(f"{prefix}{where}{suffix}", place.text, place.runs))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                _walk(content, prefix, out)


def places(path: Path) -> list[tuple[str, list[Place]]]:
    """(part label, its places) of the body, the headers and the footers, in document order."""
    import docx

    document = docx.Document(str(path))
    result = [("", _places_of(document.element.body, ""))]
    for part in document.part.package.iter_parts():
        name = str(part.partname)
        for kind, label in (("header", _("header")), ("footer", _("footer"))):
            if re.fullmatch(rf"/word/{kind}\d*\.xml", name):
                result.append((label, _places_of(part.element, f"{label}, ")))
    return result


def _places_of(element: Any, prefix: str) -> list[Place]:
    out: list[Place] = []
    _walk(element, prefix, out)
    return out


def _normal(text: str) -> str:
    return " ".join(_DOCXTPL_PREFIX.sub("{% ", text).split())


def _split_source(source: str) -> str:
    """One line per paragraph (and per row-level docxtpl tag), for the parser's line numbers."""
    source = source.replace("\n", " ")
    source = re.sub(r"(?=<w:p[ >])", "\n", source)
    return re.sub(r"(?<=>)(?=\{%)", "\n", source)


def _locator(lines: list[str], part_places: list[Place]) -> Any:
    texts = [_normal(_XML_TAG.sub("", line)) for line in lines]
    normal = [_normal(place.text) for place in part_places]
    mapping: dict[int, Place] = {}
    cursor = 0
    for number, text in enumerate(texts, 1):
        if not text:
            continue
        order = list(range(cursor, len(normal))) + list(range(cursor))
        for index in order:
            if normal[index] and (text in normal[index] or normal[index] in text):
                mapping[number] = part_places[index]
                cursor = index
                break

    def locate(line: int | None) -> str:
        place = mapping.get(line or 0)
        return place.describe() if place is not None else _("line {line}").format(line=line)

    return locate


def _word_problems(name: str, part_places: list[Place]) -> list[LintProblem]:
    problems = []
    for place in part_places:
        found = unbalanced(place.text)
        if found is not None:
            problems.append(LintProblem(
                name, "unbalanced",
                _("{template}, {where}: unbalanced tag delimiter {token}").format(
                    template=name, where=place.describe(), token=found[0]),
                found[0], None, place.describe(),
            ))
            continue
        bounds, offset = set(), 0
        for run in place.runs[:-1]:
            offset += len(run)
            bounds.add(offset)
        for match in _TAG.finditer(place.text):
            if any(match.start() < bound < match.end() for bound in bounds):
                problems.append(LintProblem(
                    name, "split_tag",
                    _("{template}, {where}: the tag {tag} is split across Word runs (Word keeps parts of "
                      "it apart); select it, delete it and type it again in one go").format(
                        template=name, where=place.describe(), tag=match.group(0)),
                    match.group(0), None, place.describe(),
                ))
    return problems


def lint_docx(path: Path) -> list[LintProblem]:
    """Problems of a Word template, each with its paragraph or table cell and the text around it."""
    from docxtpl import DocxTemplate

    try:
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
        sources = [("body", tpl.patch_xml(tpl.get_xml()))]
        for uri, part_kind in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
            for _rel, part in tpl.get_headers_footers(uri):
                sources.append((part_kind, tpl.patch_xml(tpl.get_part_xml(part))))
        part_places = places(path)
    except Exception as error:  # a damaged file: python-docx raises many kinds
        return [_syntax_problem(path.name, error)]
    scopes = {
        "body": part_places[0][1],
        "header": [p for label, items in part_places[1:] if label == _("header") for p in items],
        "footer": [p for label, items in part_places[1:] if label == _("footer") for p in items],
    }
    problems = _word_problems(path.name, scopes["body"] + scopes["header"] + scopes["footer"])
    for part_kind, source in sources:
        lines_source = _split_source(source)
        locate = _locator(lines_source.split("\n"), scopes[part_kind])
        problems.extend(lint_source(lines_source, path.name, locate=locate))
    return problems
