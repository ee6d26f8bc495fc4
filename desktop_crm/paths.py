"""Locations of bundled read-only files, from source and from a frozen (PyInstaller) bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def bundle_root() -> Path:
    """The folder holding ``templates/`` and ``resources/``: the repository or the bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    return bundle_root() / "templates"


def resources_dir() -> Path:
    return bundle_root() / "resources"
