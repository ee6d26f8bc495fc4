"""Where the application keeps its files, and which database it opens by default."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "DesktopCRM"
APP_AUTHOR = "DesktopCRM"


def dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, APP_AUTHOR)


def data_dir() -> Path:
    """User data (the default database, user templates). ``CRM_DATA_DIR`` overrides it."""
    override = os.environ.get("CRM_DATA_DIR")
    return Path(override) if override else Path(dirs().user_data_dir)


def log_dir() -> Path:
    override = os.environ.get("CRM_DATA_DIR")
    return Path(override) / "logs" if override else Path(dirs().user_log_dir)


def default_database_url() -> str:
    return str(data_dir() / "crm.db")
