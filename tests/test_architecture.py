"""The layering rules, checked on the source: only views/ touch Qt widgets; views build no queries."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_crm"
# views, and the application shell around them (_shiboken_files prepares Qt's import for app.py)
QT_ALLOWED = {"views", "workers.py", "app.py", "selftest.py", "_shiboken_files.py"}
VIEW_ALLOWED_MODEL_MODULES = {"desktop_crm.models.enums"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_only_views_import_pyside6():
    offenders = []
    for path in python_files():
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
            if module.split(".")[0] == "peewee" or module.startswith("playhouse"):
                offenders.append(f"{relative}:{line} imports {module}")
            elif module.startswith("desktop_crm.models") and not any(
                module == allowed or module.startswith(allowed + ".")
                for allowed in VIEW_ALLOWED_MODEL_MODULES
            ):
                if module != "desktop_crm.models":  # "from desktop_crm.models import X" is listed as X
                    offenders.append(f"{relative}:{line} imports {module}")
    assert offenders == []


def test_the_check_sees_a_violation(tmp_path):
    """The scanner itself must flag what it is meant to flag."""
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtWidgets import QWidget\nimport peewee\n", encoding="utf-8")
    modules = {module for _line, module in imported_modules(bad)}
    assert "PySide6.QtWidgets" in modules and "peewee" in modules


def test_no_float_near_money():
    offenders = []
    for folder in ("models", "services", "documents"):
        for path in (PACKAGE / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), 1):
                if "FloatField" in line or "float(" in line:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []
