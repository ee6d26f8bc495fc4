"""What Help → About shows: the versions of the parts the application runs on and its folders."""

from __future__ import annotations

import platform
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop_crm import __version__, config
from desktop_crm.models.base import database
from desktop_crm.models.db import engine

_PACKAGES = ("peewee", "WeasyPrint", "docxtpl", "psycopg")


@dataclass(frozen=True)
class AboutInfo:
    version: str
    components: tuple[tuple[str, str], ...]  # (name, version)
    data_dir: Path
    log_dir: Path
    engine: str


def _package_version(name: str) -> str:
    from importlib import metadata  # tens of milliseconds: only when "About" is opened

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def about() -> AboutInfo:
    parts = [("Python", platform.python_version()), ("SQLite", sqlite3.sqlite_version)]
    parts += [(name, v) for name in _PACKAGES if (v := _package_version(name))]
    parts.append(("OS", f"{platform.system()} {platform.release()}"))
    kind = engine(database) if database.obj is not None else ""
    return AboutInfo(__version__, tuple(parts), config.data_dir(), config.log_dir(), kind)


__all__ = ["AboutInfo", "about"]
