"""The layering rules, checked on the source (see ARCHITECTURE.md).

Every import counts, at module level or inside a function: a function-level import is as much a
dependency as one at the top, it is only hidden from the reader. The layers, bottom up:

* the core (top-level modules such as ``ids``, ``entities``, ``errors``, ``money``, ``i18n``);
* ``countries`` (the rules of each country), ``models`` (peewee, no Qt);
* ``documents`` (render a context) and ``sync`` (replicas and the server; talks to models);
* ``services`` (rules and use cases; DTOs in and out);
* ``views`` (the only widgets; no queries);
* the application shell (``app``, ``cli``, ``workers``, ``selftest``, ``commands``), which wires them.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from pathlib import Path

import peewee
import pytest
from radon.complexity import cc_visit

import desktop_crm.models

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_crm"

# views, and the application shell around them (_shiboken_files prepares Qt's import for app.py)
QT_ALLOWED = {"views", "workers.py", "app.py", "selftest.py", "_shiboken_files.py"}
VIEW_ALLOWED_MODEL_MODULES = {"desktop_crm.models.enums"}

LAYERS = ("models", "countries", "documents", "sync", "services", "views")
# top-level modules that belong to a layer above the core: the VAT maths follow each country's rules
TOP_LEVEL_IN_LAYER = {"pricing": "countries"}
SHELL = {"app", "cli", "workers", "selftest", "commands", "__main__", "_shiboken_files"}

# layer → the layers it must never import
FORBIDDEN: dict[str, set[str]] = {
    "core": {*LAYERS, *SHELL},
    "models": {"countries", "documents", "sync", "services", "views", *SHELL},
    "countries": {"documents", "sync", "services", "views", *SHELL},
    "documents": {"sync", "services", "views", *SHELL},
    "sync": {"documents", "services", "views", *SHELL},
    "services": {"sync", "views", *SHELL},
    "views": {"sync", *SHELL - {"workers"}},
}
# services reach sync through one facade only (the status, the round and the conflicts for the UI)
SERVICES_SYNC_FACADE = "services/system/sync.py"

MAX_MODULE_LINES = 720  # "about 700": a module past this wants splitting along its seams
MAX_COMPLEXITY = 25  # radon's cyclomatic complexity (boolean operators count)


def layer_of(relative: Path) -> str:
    """The layer of a file (relative to the package root) or of a module's dotted name parts."""
    head = relative.parts[0].removesuffix(".py")
    if head in TOP_LEVEL_IN_LAYER:
        return TOP_LEVEL_IN_LAYER[head]
    if head in LAYERS:
        return head
    if head in SHELL:
        return "shell"
    return "core"


def module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["desktop_crm", *parts])


def imported_modules(path: Path, package_root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every module a file imports (line, dotted name), at any depth, relative imports resolved.

    ``from a import b`` lists ``a`` and ``a.b`` (``b`` may be a module or a name).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    relative = path.relative_to(package_root)
    own = module_name(relative).split(".")
    package = own if relative.name == "__init__.py" else own[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def target_layer(module: str) -> str | None:
    """The layer an imported module belongs to (``None`` outside the package)."""
    parts = module.split(".")
    if parts[0] != "desktop_crm" or len(parts) == 1:
        return None
    return layer_of(Path(parts[1]))


def layer_violations(package_root: Path = PACKAGE) -> list[str]:
    offenders: list[str] = []
    for path in sorted(package_root.rglob("*.py")):
        relative = path.relative_to(package_root)
        layer = layer_of(relative)
        if layer == "shell":
            continue
        seen: set[int] = set()
        for line, module in imported_modules(path, package_root):
            target = target_layer(module)
            if target is None or target == layer or line in seen:
                continue
            if target == "sync" and layer == "services" and relative.as_posix() == SERVICES_SYNC_FACADE:
                continue
            if target in FORBIDDEN[layer] or (target == "shell" and layer != "views"):
                offenders.append(f"{relative}:{line} ({layer}) imports {module} ({target})")
                seen.add(line)
    return offenders


def test_each_layer_imports_only_what_is_below_it():
    assert layer_violations() == []


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("models/planted.py", "from desktop_crm.sync import capture\n", "(models) imports desktop_crm.sync"),
        (
            "models/planted.py",
            "def hook():\n    from desktop_crm.services.sales import deals\n",
            "(models) imports desktop_crm.services",
        ),
        ("documents/planted.py", "def f():\n    import desktop_crm.services\n", "(documents) imports"),
        ("sync/planted.py", "from desktop_crm.views import context\n", "(sync) imports desktop_crm.views"),
        ("services/planted.py", "def f():\n    from ..views import registry\n", "(services) imports"),
        (
            "services/planted.py",
            "from desktop_crm.sync import engine\n",
            "(services) imports desktop_crm.sync",
        ),
        ("ids.py", "from desktop_crm.models import Deal\n", "(core) imports desktop_crm.models"),
        ("views/planted.py", "from desktop_crm.sync import capture\n", "(views) imports desktop_crm.sync"),
    ],
)
def test_the_layer_check_sees_a_planted_import(tmp_path, where, source, expected):
    """The scanner flags a forbidden import at module level and inside a function, relative or not."""
    root = tmp_path / "desktop_crm"
    planted = root / where
    planted.parent.mkdir(parents=True)
    planted.write_text(source, encoding="utf-8")
    allowed = root / "services" / "system" / "sync.py"
    allowed.parent.mkdir(parents=True)
    allowed.write_text("from desktop_crm.sync import capture\n", encoding="utf-8")
    offenders = layer_violations(root)
    assert len(offenders) == 1 and expected in offenders[0]


def test_only_views_import_pyside6():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in QT_ALLOWED:
            continue
        for line, module in imported_modules(path):
            if module.split(".")[0] in {"PySide6", "shiboken6"}:
                offenders.append(f"{relative}:{line} imports {module}")
    assert offenders == []


def test_views_build_no_database_queries():
    offenders = []
    for path in (PACKAGE / "views").rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        for line, module in imported_modules(path):
            imports_orm = module.split(".")[0] == "peewee" or module.startswith("playhouse")
            imports_model = (
                module.startswith("desktop_crm.models")
                and module != "desktop_crm.models"  # "from desktop_crm.models import X" is listed as X
                and not any(
                    module == allowed or module.startswith(allowed + ".")
                    for allowed in VIEW_ALLOWED_MODEL_MODULES
                )
            )
            if imports_orm or imports_model:
                offenders.append(f"{relative}:{line} imports {module}")
    assert offenders == []


def test_the_check_sees_a_violation(tmp_path):
    """The scanner itself must flag what it is meant to flag."""
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtWidgets import QWidget\nimport peewee\n", encoding="utf-8")
    modules = {module for _line, module in imported_modules(bad, tmp_path)}
    assert "PySide6.QtWidgets" in modules and "peewee" in modules


def model_class_names() -> set[str]:
    return {
        name
        for name, value in vars(desktop_crm.models).items()
        if inspect.isclass(value) and issubclass(value, peewee.Model)
    }


@dataclass(frozen=True)
class RowLeak:
    where: str
    function: str
    model: str


def public_functions_returning_rows(services_root: Path, models: set[str]) -> list[RowLeak]:
    """Public functions (and methods of public classes) of the services whose result is a model row."""
    leaks: list[RowLeak] = []
    for path in sorted(services_root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        candidates: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                candidates.append(node)
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                candidates.extend(
                    item for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                )
        for function in candidates:
            if function.name.startswith("_") or function.returns is None:
                continue
            named = {n.id for n in ast.walk(function.returns) if isinstance(n, ast.Name)}
            named |= {n.attr for n in ast.walk(function.returns) if isinstance(n, ast.Attribute)}
            if isinstance(function.returns, ast.Constant) and isinstance(function.returns.value, str):
                named |= set(function.returns.value.replace("|", " ").replace("[", " ").split())
            for model in sorted(named & models):
                leaks.append(RowLeak(f"{path.name}:{function.lineno}", function.name, model))
    return leaks


def test_no_public_service_function_returns_a_model_row():
    """Services hand DTOs to views: a peewee row must not cross the service boundary."""
    assert public_functions_returning_rows(PACKAGE / "services", model_class_names()) == []


def test_the_row_check_sees_a_leak(tmp_path):
    (tmp_path / "planted.py").write_text(
        "def deal(deal_id) -> Deal:\n    ...\n\ndef _row(x) -> Deal:\n    ...\n"
        "class Service:\n    def find(self) -> list[Deal] | None:\n        ...\n",
        encoding="utf-8",
    )
    leaks = public_functions_returning_rows(tmp_path, {"Deal"})
    assert [leak.function for leak in leaks] == ["deal", "find"]


def test_no_module_is_too_long():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(PACKAGE)}: {lines} lines")
    assert too_long == []


def test_no_function_is_too_complex():
    too_complex = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > MAX_COMPLEXITY:
                too_complex.append(f"{path.relative_to(PACKAGE)}:{block.lineno} {block.fullname}")
    assert too_complex == []


def test_no_float_near_money():
    offenders = []
    for folder in ("models", "services", "documents", "countries"):
        for path in (PACKAGE / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), 1):
                if "FloatField" in line or "float(" in line:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_test_hooks_in_product_code():
    """Product code reads no test switches from the environment (tests use seams instead)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if "CRM_SYNC_CRASH_AT" in line or "CRM_EXIT_AFTER_FIRST_PAINT" in line:
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert offenders == []
