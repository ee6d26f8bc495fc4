"""Credentials without a keyring and TLS with a pinned self-signed certificate (issue 17, points 3
and 5), against a real PostgreSQL that asks for passwords (scram) and speaks TLS only.

The commands run as real processes with keyring's ``fail`` or ``null`` backend (a computer without
a keyring): each failure is one clear line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_crm.models import credentials
from tests.sync.secure_pg import BOSS_PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("fresh_credentials")]

ROOT = Path(__file__).resolve().parents[2]
FAIL = "keyring.backends.fail.Keyring"
NULL = "keyring.backends.null.Keyring"


def run_cli(tmp_path, *args, stdin="", backend=FAIL, passfile=None):
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": backend, "CRM_DATA_DIR": str(tmp_path / "data"),
           "PGPASSFILE": str(passfile or tmp_path / "no-such-pgpass")}
    env.pop("PGPASSWORD", None)
    result = subprocess.run(
        [sys.executable, "-m", "desktop_crm", *args], input=stdin, capture_output=True, text=True,
        timeout=300, cwd=ROOT, env=env,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def one_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def pgpass(tmp_path, cluster, login, password):
    path = tmp_path / f"{login}.pgpass"
    path.write_text(f"127.0.0.1:{cluster.port}:*:{login}:{password}\n")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("backend", [FAIL, NULL])
def test_server_init_without_a_keyring_reads_the_password_from_stdin(office, tmp_path, backend):
    url = office.tcp_url("boss", "crm")
    result = run_cli(tmp_path, "server", "init", "--server", url, "--password-stdin",
                     stdin=BOSS_PASSWORD + "\n", backend=backend)
    assert result.returncode == 0, result.stderr
    assert "sync schema ready" in result.stdout


def test_server_init_without_any_password_says_how_to_give_one(office, tmp_path):
    result = run_cli(tmp_path, "server", "init", "--server", office.tcp_url("boss", "crm"))
    assert result.returncode == 1
    assert "--password-stdin" in one_line(result.stderr)
    empty = run_cli(tmp_path, "server", "init", "--server", office.tcp_url("boss", "crm"),
                    "--password-stdin", stdin="")
    assert empty.returncode == 1 and one_line(empty.stderr) == "No password on standard input."


def test_a_wrong_password_is_one_clear_line(office, tmp_path):
    result = run_cli(tmp_path, "server", "init", "--server", office.tcp_url("boss", "crm"),
                     "--password-stdin", stdin="wrong\n")
    assert result.returncode == 1
    assert one_line(result.stderr) == "The server refused the password of boss."


def add_user(tmp_path, office, *args, stdin="", lang=None):
    admin_pass = pgpass(tmp_path, office, "boss", BOSS_PASSWORD)  # the administrator: PGPASSFILE
    prefix = ["--lang", lang] if lang else []
    return run_cli(tmp_path, *prefix, "server", "add-user", "--server", office.tcp_url("boss", "crm"),
                   *args, stdin=stdin, passfile=admin_pass)


def mapped_logins(office):
    from desktop_crm._drivers import load_psycopg

    with load_psycopg().connect(office.socket_url("crm")) as conn:
        return dict(conn.execute("SELECT login, user_id FROM sync.login").fetchall())


def test_add_user_refuses_what_it_must_not_do(office, tmp_path):
    unknown = add_user(tmp_path, office, "--user", "nobody@example.com", "--password-stdin",
                       stdin="pw\n")
    assert unknown.returncode == 1
    assert one_line(unknown.stderr).startswith("There is no CRM user nobody@example.com.")
    disabled = add_user(tmp_path, office, "--user", "gone@example.com", "--password-stdin",
                        stdin="pw\n")
    assert disabled.returncode == 1 and "disabled" in one_line(disabled.stderr)
    superuser = add_user(tmp_path, office, "--user", "alice@example.com", "--login", "postgres",
                         "--password-stdin", stdin="pw\n")
    assert superuser.returncode == 1 and "cannot be used as a login" in one_line(superuser.stderr)
    admin = add_user(tmp_path, office, "--user", "alice@example.com", "--login", "boss",
                     "--password-stdin", stdin="pw\n")
    assert admin.returncode == 1
    assert "was not created by Desktop CRM" in one_line(admin.stderr)
    empty = add_user(tmp_path, office, "--user", "alice@example.com", "--password-stdin", stdin="")
    assert empty.returncode == 1 and "No password given" in one_line(empty.stderr)
    russian = add_user(tmp_path, office, "--user", "nobody@example.com", "--password-stdin",
                       stdin="pw\n", lang="ru")
    assert russian.returncode == 1 and "nobody@example.com" in one_line(russian.stderr)
    assert any("а" <= ch <= "я" for ch in russian.stderr.lower())
    assert "boss" not in mapped_logins(office) and "postgres" not in mapped_logins(office)
    # the administrator's password was left alone
    assert run_cli(tmp_path, "server", "init", "--server", office.tcp_url("boss", "crm"),
                   "--password-stdin", stdin=BOSS_PASSWORD + "\n").returncode == 0


def test_add_user_by_e_mail_creates_the_login_then_resets_its_password(office, tmp_path):
    from desktop_crm._drivers import load_psycopg

    created = add_user(tmp_path, office, "--user", "ALICE@example.com", "--login", "alice.r",
                       "--password-stdin", stdin="first-pw\n")
    assert created.returncode == 0, created.stderr
    assert one_line(created.stdout) == "Login alice.r created for Alice Rossi."
    reset = add_user(tmp_path, office, "--user", "alice@example.com", "--login", "alice.r",
                     "--password-stdin", stdin="second-pw\n")
    assert reset.returncode == 0
    assert one_line(reset.stdout).startswith("Password of login alice.r reset for Alice Rossi")
    with load_psycopg().connect(office.tcp_url("alice.r", "crm"), password="second-pw") as conn:
        assert conn.execute("SELECT session_user").fetchone() == ("alice.r",)
    (user_id,) = [v for k, v in mapped_logins(office).items() if k == "alice.r"]
    assert user_id is not None


def test_add_user_by_sign_in_name_takes_it_as_the_login(office, tmp_path):
    created = add_user(tmp_path, office, "--user", "ARossi", "--password-stdin", stdin="pw-1\n")
    assert created.returncode == 0, created.stderr
    assert one_line(created.stdout) == "Login arossi created for Alice Rossi."
    assert "arossi" in mapped_logins(office)


def test_sync_without_a_keyring(office, tmp_path):
    add_user(tmp_path, office, "--user", "alice@example.com", "--login", "alice.s",
             "--password-stdin", stdin="sync-pw\n")
    url = office.tcp_url("alice.s", "crm")
    local = str(tmp_path / "laptop.db")
    missing = run_cli(tmp_path, "sync", "--db", local, "--server", url)
    assert missing.returncode == 1
    assert one_line(missing.stderr).startswith("The server needs a password for alice.s.")
    given = run_cli(tmp_path, "sync", "--db", local, "--server", url, "--password-stdin",
                    stdin="sync-pw\n")
    assert given.returncode == 0, given.stderr
    assert "pushed 0, pulled" in given.stdout
    assert given.stderr.count("The password is not remembered") == 1
    from_file = run_cli(tmp_path, "sync", "--db", local, "--server", url,
                        passfile=pgpass(tmp_path, office, "alice.s", "sync-pw"), backend=NULL)
    assert from_file.returncode == 0, from_file.stderr
    assert "not remembered" not in from_file.stderr


# --- in process: the keyring absent, TLS pinning ---------------------------------------------------


def test_no_keyring_is_not_an_error(monkeypatch):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        url = "postgresql://alice@db.example.com:5432/crm"
        assert credentials.stored_password(url) is None
        assert credentials.remember_password(url, "pw") is False
        assert credentials.keyring_problem()
        assert credentials.stored_password(url) == "pw"  # kept for this session
    finally:
        keyring.set_keyring(previous)


def test_default_tls_prefer_on_loopback_verify_full_elsewhere():
    local, _kwargs = credentials.conninfo("postgresql://a@127.0.0.1:5432/crm")
    assert "sslmode=prefer" in local
    remote, _kwargs = credentials.conninfo("postgresql://a@crm.example.com:5432/crm")
    assert "sslmode=verify-full" in remote


def server_fingerprint(office):
    pem = (office.datadir / "server.crt").read_text()
    return credentials.fingerprint(ssl.PEM_cert_to_DER_cert(pem))


def test_a_pinned_self_signed_certificate_is_trusted_and_a_changed_one_refused(
    office, tmp_path, monkeypatch
):
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    url = office.tcp_url("boss", "crm", sslmode="verify-full")
    der = credentials.fetch_certificate(url)
    assert credentials.fingerprint(der) == server_fingerprint(office)
    with pytest.raises(psycopg.OperationalError) as refused:
        credentials.connect(url, password=BOSS_PASSWORD).close()
    assert "not signed by an authority" in credentials.explain_connection_error(url, refused.value)
    pinned = credentials.trust_certificate(url, der)
    assert "sslmode=verify-ca" in pinned
    assert credentials.pinned_fingerprint(pinned) == server_fingerprint(office)
    with credentials.connect(pinned, password=BOSS_PASSWORD) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    office.install_certificate("second")  # the server's certificate is replaced
    office.reload()
    try:
        with pytest.raises(psycopg.OperationalError) as changed:
            credentials.connect(pinned, password=BOSS_PASSWORD).close()
        message = credentials.explain_connection_error(pinned, changed.value)
        assert "has changed since you trusted it" in message
        assert credentials.fingerprint(der) in message
    finally:
        office.install_certificate("third")
        office.reload()


def test_the_database_page_connection_test_without_a_keyring(office):
    import keyring
    from keyring.backends import fail

    from desktop_crm.errors import ValidationError
    from desktop_crm.services.system import admin

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        url = office.tcp_url("boss", "crm")
        with pytest.raises(ValidationError) as missing:
            admin.test_connection(url)
        assert missing.value.message.startswith("The server needs a password for boss.")
        kept = admin.store_connection(url, BOSS_PASSWORD)  # typed on the page: kept this session
        assert kept == url
        assert admin.test_connection(kept).startswith("Connected: PostgreSQL")
    finally:
        keyring.set_keyring(previous)
