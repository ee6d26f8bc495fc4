"""A throw-away PostgreSQL that asks for passwords and speaks TLS with a self-signed certificate.

The session's usual cluster trusts every loopback connection; the credential and certificate tests
need a server as an office would run it: ``scram-sha-256`` passwords over TCP (``hostssl``), a
self-signed certificate made with ``openssl`` (which can be replaced to play a changed one), and the
``postgres`` superuser trusted on the Unix socket only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.pg import PostgresCluster, find_postgres_bin

BOSS_PASSWORD = "boss-secret"

HBA = """local all all trust
hostssl all all 127.0.0.1/32 scram-sha-256
hostnossl all all 127.0.0.1/32 reject
"""


def make_certificate(directory: Path, name: str, common_name: str = "crm-office") -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={common_name}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


class SecureCluster(PostgresCluster):
    def start(self) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.workdir, *self.workdir.parents):
                if path == Path("/"):
                    break
                os.chmod(path, os.stat(path).st_mode | 0o011)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )
        self.install_certificate("first")
        (self.datadir / "pg_hba.conf").write_text(HBA)
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
                       "password_encryption = 'scram-sha-256'\n")
        self._own(self.datadir / "pg_hba.conf", self.datadir / "postgresql.conf")
        options = (
            f"-k {self.workdir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.workdir / "log"), "-w", "-o", options,
            "start",
        )

    def _own(self, *paths: Path) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in paths:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def install_certificate(self, name: str) -> Path:
        """Make a new self-signed certificate and put it in place (reload to use it)."""
        cert, key = make_certificate(self.workdir, name)
        shutil.copy(cert, self.datadir / "server.crt")
        shutil.copy(key, self.datadir / "server.key")
        os.chmod(self.datadir / "server.key", 0o600)
        self._own(self.datadir / "server.crt", self.datadir / "server.key")
        return cert

    def reload(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "reload")

    def socket_url(self, database: str) -> str:
        """The superuser over the Unix socket (trusted): for the tests' own set-up."""
        return f"postgresql://postgres@/{database}?host={self.workdir}&port={self.port}"

    def tcp_url(self, login: str, database: str, **query: str) -> str:
        extra = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}" + (f"?{extra}" if extra else "")


@contextmanager
def secure_cluster() -> Iterator[SecureCluster]:
    bindir = find_postgres_bin()
    if bindir is None:
        if os.environ.get("CRM_REQUIRE_POSTGRES") == "1":
            pytest.fail("CRM_REQUIRE_POSTGRES=1 but PostgreSQL server binaries were not found")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    workdir = Path(tempfile.mkdtemp(prefix="crm-test-pg-tls-"))
    cluster = SecureCluster(bindir, workdir)
    try:
        cluster.start()
        yield cluster
    finally:
        if (cluster.datadir / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def office() -> Iterator[SecureCluster]:
    """The office server: database ``crm`` set up by ``server init``, a CRM user Alice (sign-in
    name ``arossi``), a disabled user, and ``boss``, an administrator who signs in with a password."""
    from desktop_crm._drivers import load_psycopg
    from desktop_crm.models import User, database
    from desktop_crm.models.db import open_database
    from desktop_crm.sync.server import init_server

    psycopg = load_psycopg()
    with secure_cluster() as cluster:
        with psycopg.connect(cluster.socket_url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE crm")
            conn.execute(f"CREATE ROLE boss LOGIN SUPERUSER PASSWORD '{BOSS_PASSWORD}'")
        init_server(cluster.socket_url("crm"))
        db = open_database(cluster.socket_url("crm"))
        User.create(name="Alice Rossi", email="alice@example.com", login="arossi")
        User.create(name="Gone", email="gone@example.com", active=False)
        db.close()
        database.initialize(None)
        yield cluster


@pytest.fixture
def fresh_credentials() -> Iterator[None]:
    """Passwords given in earlier tests of this process are forgotten."""
    from desktop_crm.models import credentials

    credentials._session.clear()
    credentials._keyring_problem.clear()
    yield
    credentials._session.clear()
    credentials._keyring_problem.clear()
