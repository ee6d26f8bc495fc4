"""``desktop-crm server backup``: a PostgreSQL database dumped with pg_dump in its custom format
(compressed, restored selectively with pg_restore), to a temporary file renamed at the end.

pg_dump is looked for on ``PATH`` and in the usual installation folders of each platform (the
newest version first: pg_dump must be at least as new as the server); ``--pg-dump`` names it. The
password never goes on pg_dump's command line (other users could read it there): it is handed
over in ``PGPASSWORD``. Logins are global to the server and are not in the dump
(``pg_dumpall --roles-only`` keeps them; see the README).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _

#: where PostgreSQL's client programs are installed when they are not on PATH (newest first)
SEARCH_PATTERNS = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
    "/usr/pgsql-*/bin",  # RHEL, Fedora (PGDG)
    "/opt/homebrew/opt/postgresql@*/bin",  # macOS, Homebrew
    "/usr/local/opt/postgresql@*/bin",
    "/Applications/Postgres.app/Contents/Versions/*/bin",
    "C:/Program Files/PostgreSQL/*/bin",  # Windows, EDB installer
)


class ServerBackupRefused(CrmError):
    """pg_dump is missing or failed: the message says why."""


@dataclass(frozen=True)
class ServerBackup:
    path: Path
    size: int


def _version_key(folder: str) -> tuple[int, ...]:
    digits = [part for part in folder.replace("\\", "/").split("/") if part[:1].isdigit()]
    number = digits[-1] if digits else "0"
    return tuple(int(piece) for piece in number.split(".") if piece.isdigit())


def find_tool(name: str, given: str | None = None) -> Path:
    """``pg_dump`` or ``pg_restore``: ``given``, else on PATH, else in a usual folder."""
    suffix = ".exe" if os.name == "nt" else ""
    if given:
        path = Path(given)
        if path.is_file():
            return path
        raise ServerBackupRefused(_("{path} does not exist.").format(path=given))
    found = shutil.which(name)
    if found:
        return Path(found)
    folders = [folder for pattern in SEARCH_PATTERNS for folder in glob.glob(pattern)]
    for folder in sorted(folders, key=_version_key, reverse=True):
        candidate = Path(folder) / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise ServerBackupRefused(_(
        "{name} was not found. Install PostgreSQL's client programs (the same version as the "
        "server or newer), or name the program with --pg-dump.").format(name=name))


def _without_password(url: str) -> tuple[str, str | None]:
    parsed = urlparse(url)
    if parsed.password is None:
        return url, None
    netloc = parsed.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parsed.username:
        netloc = f"{parsed.username}@{netloc}"
    if parsed.port:
        netloc = f"{netloc}:{parsed.port}"
    return urlunparse(parsed._replace(netloc=netloc)), unquote(parsed.password)


def dump_server(url: str, target: Path, pg_dump: str | None = None) -> ServerBackup:
    """Dump the database of ``url`` into ``target`` (custom format); nothing half-written is left."""
    program = find_tool("pg_dump", pg_dump)
    address, password = _without_password(url)
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = password
    temp = target.with_name(f".{target.name}.part")
    try:
        result = subprocess.run(
            [str(program), "--format=custom", "--no-password", f"--file={temp}",
             f"--dbname={address}"],
            capture_output=True, text=True, env=environment, timeout=24 * 3600, check=False)
    except OSError as error:
        raise ServerBackupRefused(_("{name} could not be started: {reason}").format(
            name=program, reason=error.strerror or error)) from error
    if result.returncode != 0:
        temp.unlink(missing_ok=True)
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise ServerBackupRefused(_("pg_dump failed: {reason}").format(
            reason=lines[-1] if lines else result.returncode))
    os.replace(temp, target)
    return ServerBackup(target, target.stat().st_size)
