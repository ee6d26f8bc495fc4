"""The template linter: unknown fields and broken tags of a template, before a render fails.

Every field a template reads is checked against the shape of the data contract: the contexts of
the four bundled templates built with everything filled (:func:`contract_shape`). ``desktop-crm
templates --lint`` runs it over every template.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from desktop_crm.documents.render import jinja_environment
from desktop_crm.i18n import _


@dataclass(frozen=True)
class LintProblem:
    template: str
    kind: str  # "unknown_field" | "unknown_filter" | "syntax" | "split_tag" | "unbalanced" | "refused"
    message: str
    field: str = ""
    line: int | None = None
    location: str = ""  # where a person finds it: "line 3", "table 2, row 3, cell 1 («…»)"


Locate = Callable[[int | None], str]


def line_location(line: int | None) -> str:
    return _("line {line}").format(line=line)


_ANY = None
_SCALAR = "scalar"
_JINJA_NAMES = {
    "range", "loop", "namespace", "lipsum", "dict", "cycler", "joiner", "caller", "varargs", "kwargs",
}


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        # ``custom``: the business's own fields, whatever their keys
        return {key: _ANY if key == "custom" else _shape(item) for key, item in value.items()}
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
    from desktop_crm.documents.kinds import kinds

    png = base64.b64decode(qr_asset("lint")["src"].split(",", 1)[1])
    shapes = []
    for language in ("ru", "it"):
        for kind in kinds():
            data = sample_input(language, kind)
            seller = dataclasses.replace(data.seller, logo=png, stamp=png, signature=png)
            lines = [dataclasses.replace(line, image=png, natura="N4") for line in data.lines]
            data = dataclasses.replace(
                data, seller=seller, lines=lines, source_quote_number="1", source_kind="invoice",
                source_number="1", source_date=data.date,
                options={"logo": True, "stamp": True, "signature": True, "qr": True},
            )
            shapes.append(_shape(build_context(data)))
    return _merge_all(shapes)


class _Linter:
    """Walks a Jinja AST; ``scope`` maps local names to ``(shape, contract path)``."""

    def __init__(
        self, name: str, shape: Any, partial: bool = False, locate: Locate = line_location,
        filters: frozenset[str] = frozenset(), tests: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.shape = shape
        self.partial = partial  # an included fragment: its includer may set extra names
        self.locate = locate
        self.filters, self.tests = filters, tests
        self.problems: list[LintProblem] = []

    def unknown(self, path: str, line: int | None) -> None:
        where = self.locate(line)
        self.problems.append(
            LintProblem(
                self.name,
                "unknown_field",
                _("{template}, {where}: unknown field {field}").format(
                    template=self.name, where=where, field=path
                ),
                path,
                line,
                where,
            )
        )

    def unknown_filter(self, node: Any) -> None:
        """A filter or test the renderer does not have (the render would fail at issue time)."""
        from jinja2 import nodes

        is_filter = isinstance(node, nodes.Filter)
        if node.name in (self.filters if is_filter else self.tests):
            return
        where = self.locate(node.lineno)
        message = (
            _("{template}, {where}: unknown filter {name}") if is_filter
            else _("{template}, {where}: unknown test {name}")
        )
        self.problems.append(LintProblem(
            self.name, "unknown_filter", message.format(template=self.name, where=where, name=node.name),
            node.name, node.lineno, where,
        ))

    def resolve(self, node: Any, scope: dict[str, Any]) -> tuple[Any, str | None]:
        """The shape of an expression and its path; unknown fields are reported."""
        from jinja2 import nodes

        if isinstance(node, nodes.Name):
            if node.name in scope:
                bound: tuple[Any, str | None] = scope[node.name]
                return bound
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
            if not (isinstance(node, nodes.Name) and node.ctx != "load"):
                self.resolve(node, scope)
        elif isinstance(node, (nodes.Filter, nodes.Test)) and (self.filters or self.tests):
            self.unknown_filter(node)
            for child in node.iter_child_nodes():
                self.visit(child, scope)
        elif isinstance(node, nodes.For):
            self.visit_for(node, scope)
        elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            self.visit_assign(node, scope)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            self.visit_macro(node, scope)
        elif isinstance(node, (nodes.Import, nodes.FromImport)):
            names = [node.target] if isinstance(node, nodes.Import) else [
                n if isinstance(n, str) else n[1] for n in node.names
            ]
            for name in names:
                scope[name] = (_ANY, None)
        else:
            for child in node.iter_child_nodes():
                self.visit(child, scope)

    def visit_for(self, node: Any, scope: dict[str, Any]) -> None:
        """A loop binds its target(s) to the items of what it iterates."""
        from jinja2 import nodes

        shape, path = self.resolve(node.iter, scope)
        item = shape[1] if isinstance(shape, tuple) else _ANY
        inner = dict(scope)
        inner["loop"] = (_ANY, None)
        single_target = isinstance(node.target, nodes.Name)
        targets = [node.target] if single_target else list(node.target.find_all(nodes.Name))
        for target in targets:
            single = len(targets) == 1 and path is not None
            inner[target.name] = (item, f"{path}[]") if single else (_ANY, None)
        if node.test is not None:
            self.visit(node.test, inner)
        for child in node.body:
            self.visit(child, inner)
        for child in node.else_:
            self.visit(child, scope)

    def visit_assign(self, node: Any, scope: dict[str, Any]) -> None:
        """``{% set %}`` binds its names to the assigned value's shape (a block: to anything)."""
        from jinja2 import nodes

        bound: tuple[Any, str | None] = (_ANY, None)
        if isinstance(node, nodes.Assign):
            bound = self.resolve(node.node, scope)
        else:
            for child in node.body:
                self.visit(child, scope)
        targets = [node.target] if isinstance(node.target, nodes.Name) else node.target.find_all(nodes.Name)
        for target in targets:
            scope[target.name] = bound

    def visit_macro(self, node: Any, scope: dict[str, Any]) -> None:
        """A macro's or call block's arguments are unknown inside its body."""
        from jinja2 import nodes

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


def _syntax_problem(name: str, error: Exception, locate: Locate = line_location) -> LintProblem:
    line = getattr(error, "lineno", None)
    message = getattr(error, "message", None) or str(error)
    where = locate(line)
    return LintProblem(
        name,
        "syntax",
        _("{template}, {where}: broken tag: {reason}").format(
            template=name, where=where, reason=message
        ),
        "",
        line,
        where,
    )


def lint_source(
    source: str, name: str, partial: bool = False, locate: Locate = line_location
) -> list[LintProblem]:
    """Problems of a Jinja source against the data contract (``partial``: an included fragment);
    ``locate`` turns a source line into where a person finds it."""
    from jinja2 import TemplateSyntaxError

    env = jinja_environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as error:
        return [_syntax_problem(name, error, locate)]
    linter = _Linter(name, contract_shape(), partial, locate, frozenset(env.filters), frozenset(env.tests))
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


def _refusal(path: Path) -> LintProblem | None:
    """A template the renderer refuses outright: a link out of the user's folder, a Word file
    with a DTD (see ``render.inside_folder`` and ``render.check_docx``)."""
    from desktop_crm.documents.limits import TemplateError
    from desktop_crm.documents.render import check_docx, inside_folder, user_templates_dir

    try:
        folder = user_templates_dir()
        if path.parent == folder or path.is_symlink():
            inside_folder(folder if path.parent == folder else path.parent, path)
        if path.suffix == ".docx":
            check_docx(path)
    except TemplateError as error:
        return LintProblem(path.name, "refused", error.message)
    return None


def lint(path: Path) -> list[LintProblem]:
    """Lint an HTML or DOCX template file."""
    path = Path(path)
    refusal = _refusal(path)
    if refusal is not None:
        return [refusal]
    if path.suffix == ".docx":
        from desktop_crm.documents.lint_docx import lint_docx

        return lint_docx(path)
    source = path.read_text(encoding="utf-8")
    partial = path.name.startswith("_")
    return unbalanced_lines(source, path.name) + lint_source(source, path.name, partial=partial)


_DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_PAIRS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def unbalanced(text: str) -> tuple[str, int] | None:
    """The first delimiter of ``text`` without its partner (``{{ x }`` or ``x }}``) and its offset."""
    opened: tuple[str, int] | None = None
    for match in _DELIMITER.finditer(text):
        token = match.group(0)
        if opened is not None:
            if token == _PAIRS[opened[0]]:
                opened = None
            elif opened[0] != "{#" and token in _PAIRS and token != "{{":
                return opened  # a tag opened inside another tag
        elif token in _PAIRS:
            opened = (token, match.start())
        else:
            return token, match.start()
    return opened


def unbalanced_lines(source: str, name: str) -> list[LintProblem]:
    """A stray closing delimiter of an HTML template (Jinja prints it as text; an unclosed opening
    one is a syntax error the parser reports)."""
    found = unbalanced(source)
    if found is None or found[0] in _PAIRS:
        return []
    token, offset = found
    line = source.count("\n", 0, offset) + 1
    where = line_location(line)
    return [LintProblem(
        name, "unbalanced",
        _("{template}, {where}: unbalanced tag delimiter {token}").format(
            template=name, where=where, token=token),
        token, line, where,
    )]
