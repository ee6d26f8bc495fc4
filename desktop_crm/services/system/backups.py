"""Backups of a SQLite database: made with sqlite3's online backup API while the app runs, checked,
thinned out by a retention rule, and put back (File › Restore, ``desktop-crm restore``).

A backup is a complete SQLite file named ``<database>-<YYYYMMDD-HHMMSS>-<reason>.db`` in the
database's own subfolder of the backup folder (``<folder>/<database stem>-<8 hex digits of its
path>``, so two ``crm.db`` files in different places never mix their backups). Reasons: ``daily``
(the app makes one a day while it runs), ``manual`` (``desktop-crm backup``, never removed by the
retention), ``import``, ``merge``, ``upgrade`` (before a risky operation: :func:`before_risky_operation`)
and ``restore`` (the file that was replaced by a restore).

Retention (:func:`apply_retention`): the newest backup of each of the last ``keep_daily`` days that
have one, the newest of each of the last ``keep_weekly`` ISO weeks, every backup younger than
``keep_daily`` days made before a risky operation, and every manual one; the rest is deleted.

The settings (folder, daily on or off, the retention's numbers) belong to this computer, not to the
database: they are a small JSON file in the data folder (:func:`load_settings`).

Nothing here touches the peewee connection of the caller: each backup opens its own sqlite3
connections, so it runs in a worker thread while the GUI goes on (SQLite in WAL mode lets readers
and the writer work side by side). PostgreSQL is backed up by ``desktop-crm server backup``
(pg_dump), not here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from desktop_crm import config
from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _

log = logging.getLogger(__name__)

REASONS = {
    "daily": N_("daily"),
    "manual": N_("by hand"),
    "import": N_("before an import"),
    "merge": N_("before a merge"),
    "upgrade": N_("before an upgrade"),
    "restore": N_("before a restore"),
}
RISKY_REASONS = ("import", "merge", "upgrade", "restore")
#: a risky operation repeated within this time is covered by the backup made before the first
RISKY_INTERVAL = dt.timedelta(minutes=15)
#: what the list of backups counts in each one (tables of every schema version)
COUNTED_TABLES = ("contact", "company", "deal", "invoice")
SETTINGS_FILE = "backup-settings.json"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})-(?P<reason>[a-z]+)\.db$")

Clock = Callable[[], dt.datetime]


class BackupRefused(CrmError):
    """A backup that cannot be made, or a file that cannot be put back."""


@dataclass(frozen=True)
class BackupSettings:
    folder: str = ""  # empty: the default folder beside the data folder
    daily: bool = True
    keep_daily: int = 7
    keep_weekly: int = 4

    @property
    def folder_path(self) -> Path:
        return Path(self.folder) if self.folder.strip() else default_folder()


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime  # local time, from the file name
    reason: str
    size: int

    @property
    def reason_text(self) -> str:
        return _(REASONS.get(self.reason, self.reason))


@dataclass(frozen=True)
class BackupCheck:
    """What :func:`check_backup` found in a file that can be put back."""

    path: Path
    schema_version: int
    app_version: str
    counts: dict[str, int]


# --- settings -------------------------------------------------------------------------------------


def default_folder() -> Path:
    """Beside the data folder (``…/DesktopCRM`` → ``…/DesktopCRM-backups``): on another disk the user
    can choose a folder in Settings › Backups. ``CRM_BACKUP_DIR`` overrides it (the tests' own)."""
    override = os.environ.get("CRM_BACKUP_DIR")
    if override:
        return Path(override)
    data = config.data_dir()
    return data.with_name(f"{data.name}-backups")


def _settings_path() -> Path:
    return config.data_dir() / SETTINGS_FILE


def load_settings() -> BackupSettings:
    try:
        raw = json.loads(_settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BackupSettings()
    if not isinstance(raw, dict):
        return BackupSettings()
    base = BackupSettings()
    try:
        return BackupSettings(
            folder=str(raw.get("folder", base.folder)),
            daily=bool(raw.get("daily", base.daily)),
            keep_daily=max(1, int(raw.get("keep_daily", base.keep_daily))),
            keep_weekly=max(0, int(raw.get("keep_weekly", base.keep_weekly))),
        )
    except (TypeError, ValueError):
        return base


def settings_errors(settings: BackupSettings) -> dict[str, str]:
    """Field name → translated problem; empty when the settings can be saved."""
    errors: dict[str, str] = {}
    folder = settings.folder.strip()
    if folder and "\x00" in folder:
        errors["folder"] = _("This is not a folder name.")
    elif folder and Path(folder).exists() and not Path(folder).is_dir():
        errors["folder"] = _("{path} is a file, not a folder.").format(path=folder)
    if not 1 <= settings.keep_daily <= 365:
        errors["keep_daily"] = _("Keep from 1 to 365 daily backups.")
    if not 0 <= settings.keep_weekly <= 520:
        errors["keep_weekly"] = _("Keep from 0 to 520 weekly backups.")
    return errors


def save_settings(settings: BackupSettings) -> BackupSettings:
    errors = settings_errors(settings)
    if errors:
        raise BackupRefused(next(iter(errors.values())))
    cleaned = replace(settings, folder=settings.folder.strip())
    path = _settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".part")
    temp.write_text(json.dumps(asdict(cleaned), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temp, path)
    return cleaned


# --- where the backups of one database are ---------------------------------------------------------


def _local_now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def database_folder(database: Path, folder: Path) -> Path:
    """The subfolder of ``folder`` holding the backups of ``database``."""
    resolved = str(database.resolve()).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(resolved).hexdigest()[:8]
    return folder / f"{database.stem}-{digest}"


def list_backups(database: Path, folder: Path | None = None) -> list[BackupInfo]:
    """The backups of ``database`` in ``folder`` (default: the configured one), newest first."""
    where = database_folder(database, folder or load_settings().folder_path)
    found: list[BackupInfo] = []
    if not where.is_dir():
        return found
    for path in where.iterdir():
        match = _NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        try:
            taken = dt.datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
            size = path.stat().st_size
        except (ValueError, OSError):
            continue
        found.append(BackupInfo(path, taken, match["reason"], size))
    return sorted(found, key=lambda info: (info.taken_at, info.path.name), reverse=True)


def latest_backup(database: Path, folder: Path | None = None) -> BackupInfo | None:
    found = list_backups(database, folder)
    return found[0] if found else None


# --- making one -------------------------------------------------------------------------------------


def backup_database(
    database: Path,
    folder: Path | None = None,
    reason: str = "manual",
    now: Clock = _local_now,
    progress: Callable[[int, int], None] | None = None,
) -> BackupInfo:
    """Copy ``database`` into its backup folder with the online backup API (consistent even while
    other connections write), check the copy and return it. Nothing is left of a failed copy."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    if not database.is_file():
        raise BackupRefused(_("There is no database file {path} to back up.").format(path=database))
    where = database_folder(database, folder or load_settings().folder_path)
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupRefused(_("The backup folder {path} cannot be created: {reason}").format(
            path=where, reason=error.strerror or error)) from error
    taken = now().replace(microsecond=0)
    target = where / f"{database.stem}-{taken:%Y%m%d-%H%M%S}-{reason}.db"
    serial = 1
    while target.exists():  # two backups in the same second
        taken += dt.timedelta(seconds=1)
        target = where / f"{database.stem}-{taken:%Y%m%d-%H%M%S}-{reason}.db"
        serial += 1
    temp = target.with_name(target.name + ".part")

    def step(status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)

    try:
        with closing(_connect_read_only(database)) as source, \
                closing(sqlite3.connect(temp)) as copy:
            source.backup(copy, pages=1024, progress=step)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        os.replace(temp, target)
    except sqlite3.DatabaseError as error:
        temp.unlink(missing_ok=True)
        raise BackupRefused(_("The backup of {path} failed: {reason}").format(
            path=database, reason=error)) from error
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise BackupRefused(_("The backup could not be written to {path}: {reason}").format(
            path=where, reason=error.strerror or error)) from error
    log.info("backup of %s (%s) written to %s", database, reason, target)
    return BackupInfo(target, taken, reason, target.stat().st_size)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    uri = "file:" + _uri_path(path) + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=30)


def _uri_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(path.resolve()).replace(os.sep, "/"), safe="/:")


def daily_backup_due(database: Path, folder: Path | None = None, now: Clock = _local_now) -> bool:
    """No backup of ``database`` made today (any reason but a restore's)."""
    today = now().date()
    return not any(info.taken_at.date() == today and info.reason != "restore"
                   for info in list_backups(database, folder))


def run_daily(database: Path, settings: BackupSettings | None = None,
              now: Clock = _local_now) -> BackupInfo | None:
    """The app's daily backup: made when due (and switched on), then the retention applied."""
    settings = settings or load_settings()
    if not settings.daily or not daily_backup_due(database, settings.folder_path, now):
        return None
    info = backup_database(database, settings.folder_path, "daily", now)
    apply_retention(database, settings, now)
    return info


def apply_retention(database: Path, settings: BackupSettings | None = None,
                    now: Clock = _local_now) -> list[Path]:
    """Delete the backups the retention does not keep (see the module); returns the deleted."""
    settings = settings or load_settings()
    backups = list_backups(database, settings.folder_path)  # newest first
    keep: set[Path] = set()
    days: list[dt.date] = []
    weeks: list[tuple[int, int]] = []
    young = now().date() - dt.timedelta(days=settings.keep_daily)
    for info in backups:
        if info.reason == "manual":
            keep.add(info.path)
            continue
        if info.reason in RISKY_REASONS and info.taken_at.date() > young:
            keep.add(info.path)
        day = info.taken_at.date()
        if day not in days and len(days) < settings.keep_daily:
            days.append(day)
            keep.add(info.path)
        week = tuple(day.isocalendar())[:2]
        if week not in weeks and len(weeks) < settings.keep_weekly:
            weeks.append(week)  # type: ignore[arg-type]
            keep.add(info.path)
    deleted = []
    for info in backups:
        if info.path not in keep:
            try:
                info.path.unlink()
                deleted.append(info.path)
            except OSError as error:
                log.warning("old backup %s not deleted: %s", info.path, error)
    return deleted


def bound_database_path() -> Path | None:
    """The SQLite file the models are bound to (``None``: PostgreSQL, or nothing open)."""
    from desktop_crm.models import database
    from desktop_crm.models.db import engine

    db = database.obj
    if db is None or engine(db) != "sqlite":
        return None
    name = str(db.database)
    return None if name in ("", ":memory:") else Path(name)


def before_risky_operation(reason: str, database: Path | None = None,
                           now: Clock = _local_now) -> BackupInfo | None:
    """A backup of the open SQLite database before an import, a merge, an upgrade or a restore.

    Call it *before* the operation's transaction begins. A backup made for the same reason less
    than :data:`RISKY_INTERVAL` ago covers this one (merging ten pairs makes one backup). On
    PostgreSQL it does nothing (the server's backups are ``desktop-crm server backup``). A failed
    backup is logged and refuses nothing: the operation's own transaction keeps it safe."""
    if reason not in RISKY_REASONS:
        raise ValueError(f"unknown risky operation {reason!r}")
    path = database or bound_database_path()
    if path is None or not path.is_file():
        return None
    settings = load_settings()
    moment = now()
    recent = [info for info in list_backups(path, settings.folder_path)
              if info.reason == reason and moment - info.taken_at < RISKY_INTERVAL
              and info.taken_at <= moment]
    if recent:
        return recent[0]
    try:
        return backup_database(path, settings.folder_path, reason, now)
    except BackupRefused as error:
        log.warning("no backup before %s: %s", reason, error.message)
        return None


@dataclass(frozen=True)
class BackupEntry:
    """A backup as the restore dialog lists it: its file, and what is in it (``counts`` empty and
    ``problem`` set when it cannot even be read)."""

    info: BackupInfo
    counts: dict[str, int]
    problem: str = ""


def describe_backups(database: Path, folder: Path | None = None,
                     cancelled: Callable[[], bool] | None = None) -> list[BackupEntry]:
    """The backups of ``database``, newest first, with a quick count of their main tables (the
    full check is made on the one chosen, before it is put back)."""
    entries = []
    for info in list_backups(database, folder):
        if cancelled is not None and cancelled():
            break
        try:
            with closing(_connect_read_only(info.path)) as conn:
                counts = {table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                          for table in COUNTED_TABLES}
            entries.append(BackupEntry(info, counts))
        except sqlite3.DatabaseError as error:
            entries.append(BackupEntry(info, {}, _("cannot be read: {reason}").format(
                reason=error)))
    return entries


def latest_sound_backup(database: Path) -> Path | None:
    """The newest backup of ``database`` that passes :func:`check_backup`: those of the backup
    folder and the copies the schema upgrade leaves beside the file (for a damaged database)."""
    from desktop_crm.models.schema import backups_of

    try:
        candidates = [(info.taken_at.timestamp(), info.path) for info in list_backups(database)]
    except OSError:
        candidates = []
    candidates += [(path.stat().st_mtime, path) for path in backups_of(database)]
    for _when, path in sorted(candidates, key=lambda pair: pair[0], reverse=True):
        try:
            check_backup(path)
        except BackupRefused as error:
            log.warning("backup %s not offered: %s", path, error.message)
            continue
        return path
    return None


# --- checking and putting one back ------------------------------------------------------------------


def check_backup(path: Path) -> BackupCheck:
    """Refuse (:class:`BackupRefused`, before anything is switched) a file that is not a sound
    Desktop CRM database this version can open: damaged, another application's, or newer."""
    from desktop_crm.models.schema import LATEST_VERSION

    if not path.is_file():
        raise BackupRefused(_("There is no backup file {path}.").format(path=path))
    try:
        with closing(_connect_read_only(path)) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if [tuple(row) for row in result] != [("ok",)]:
                raise BackupRefused(_("The backup {name} is damaged ({reason}); it is not put "
                                      "back.").format(name=path.name, reason=result[0][0]))
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"schema_version", "contact", "deal"} <= tables:
                raise BackupRefused(_("{name} is not a Desktop CRM database; it is not put "
                                      "back.").format(name=path.name))
            version, app_version = conn.execute(
                "SELECT version, app_version FROM schema_version ORDER BY id LIMIT 1").fetchone()
            counts = {table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                      for table in COUNTED_TABLES if table in tables}
    except sqlite3.DatabaseError as error:
        raise BackupRefused(_("The backup {name} is damaged or is not a database ({reason}); it "
                              "is not put back.").format(name=path.name, reason=error)) from error
    except TypeError as error:  # no schema_version row
        raise BackupRefused(_("{name} is not a Desktop CRM database; it is not put back.").format(
            name=path.name)) from error
    if int(version) > LATEST_VERSION:
        raise BackupRefused(_("The backup {name} was made by a newer version of Desktop CRM "
                              "(schema {found}, this version knows {known}); update the "
                              "application to put it back.").format(
                                  name=path.name, found=version, known=LATEST_VERSION))
    return BackupCheck(path, int(version), str(app_version or ""), counts)


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    restored_from: Path
    previous: BackupInfo | None  # the replaced database, kept as a backup
    schema_version: int


def restore(backup: Path, database: Path, folder: Path | None = None,
            now: Clock = _local_now) -> RestoreResult:
    """Put ``backup`` in the place of ``database``: checked first (a damaged or foreign file is
    refused and nothing changes), the current database kept as a backup (reason ``restore``), then
    copied page by page with the backup API into the database file itself, so other connections
    see the restored data (their caches are reset by SQLite). The caller reopens and migrates an
    older schema (``schema.migrate``)."""
    checked = check_backup(backup)
    previous = None
    if database.exists():
        if backup.resolve() == database.resolve():
            raise BackupRefused(_("This is the database itself, not a backup of it."))
        previous = backup_database(database, folder, "restore", now)
    else:
        database.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(_connect_read_only(backup)) as source, \
                closing(sqlite3.connect(database, timeout=30)) as target:
            source.backup(target)
    except sqlite3.DatabaseError as error:
        raise BackupRefused(_("The backup could not be put back: {reason}. The database was "
                              "kept as {path}.").format(
                                  reason=error, path=previous.path if previous else database)
                            ) from error
    log.warning("database %s restored from %s (previous file kept as %s)", database, backup,
                previous.path if previous else None)
    return RestoreResult(database, backup, previous, checked.schema_version)


def restore_open_database(backup: Path, folder: Path | None = None) -> RestoreResult:
    """File › Restore: put ``backup`` in place of the open SQLite database (a right of those who
    may change the settings). The caller reopens the database and rebuilds its windows."""
    from desktop_crm.models.enums import Action
    from desktop_crm.services.system import rights

    rights.require(Action.CHANGE_SETTINGS)
    database = bound_database_path()
    if database is None:
        raise BackupRefused(_("Only a database file on this computer can be restored here; a "
                              "server is restored with pg_restore."))
    return restore(backup, database, folder)
