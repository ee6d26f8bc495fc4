"""A throwaway PostgreSQL cluster for the test session."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

CANDIDATE_BINDIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


def find_postgres_bin() -> Path | None:
    for candidate in CANDIDATE_BINDIRS:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """initdb + pg_ctl on a free loopback port; as the ``postgres`` user when we are root."""

    def __init__(self, bindir: Path, workdir: Path) -> None:
        self.bindir = bindir
        self.workdir = workdir
        self.datadir = workdir / "data"
        self.port = free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
                self.user = "postgres"
            except KeyError:
                self.user = "nobody"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.workdir, *self.workdir.parents):
                if path == Path("/"):
                    break
                os.chmod(path, os.stat(path).st_mode | 0o011)  # let the server user traverse
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )
        options = (
            f"-k {self.workdir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.workdir / "log"), "-w", "-o", options,
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


def _admin(url: str, sql: str) -> None:
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


_counter = iter(range(1, 10**9))


def create_database(server_url: str, test_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", test_name.lower())[:40]
    name = f"t{os.getpid()}_{next(_counter)}_{slug}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    parsed = urlparse(server_url)
    return urlunparse(parsed._replace(path=f"/{name}"))


def drop_database(server_url: str, url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    for _attempt in range(20):
        try:
            _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except Exception:  # the test's own connection may still be closing
            time.sleep(0.05)
    _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
