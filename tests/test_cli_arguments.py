"""Every command refuses bad arguments with one translated line and a non-zero exit, never a
traceback: fixed cases from the issue, then hypothesis over every command with generated bad values
(in-process through ``cli.main``), then a few real subprocess runs.

``CRM_CLI_FUZZ_EXAMPLES`` raises the number of generated command lines per property (a soak).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_crm import i18n
from desktop_crm.cli import main
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.system import session
from tests.pg import free_port

EXAMPLES = int(os.environ.get("CRM_CLI_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parent.parent


def run(argv: list[str]) -> tuple[int, str, str]:
    """``desktop-crm ARGV`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    i18n.set_language("en")
    return code, out.getvalue(), err.getvalue()


def assert_refused(argv: list[str], result: tuple[int, str, str], expect: int | None = None) -> str:
    code, _out, err = result
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0, argv
    if expect is not None:
        assert code == expect, (argv, err)
    assert "Traceback" not in err, err
    assert len(lines) == 1, (argv, err)
    return lines[0]


def _digest(path: str) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, str]:
    """A real database with nothing in it, a folder and paths that do not exist."""
    base = tmp_path_factory.mktemp("cli")
    url = str(base / "crm.db")
    db = open_database(url)
    migrate(db)
    session.sign_in_for_tool()  # its first administrator, as the application's first run makes
    db.close()
    (base / "folder").mkdir()
    return {"db": url, "digest": _digest(url), "folder": str(base / "folder"),
            "missing": str(base / "missing" / "x.pdf"),
            "dead": f"postgresql://nobody@127.0.0.1:{free_port()}/crm", "base": str(base)}


# --- the cases of the issue --------------------------------------------------------------------------

def test_render_with_a_deal_that_is_not_an_id(world):
    argv = ["render", "--db", world["db"], "--deal", "not-a-uuid", "--kind", "quote", "--format",
            "pdf", "-o", str(Path(world["base"]) / "q.pdf")]
    line = assert_refused(argv, run(argv), expect=2)
    assert line == ("desktop-crm render: --deal: “not-a-uuid” is not an id (a UUID such as "
                    "0190f5e4-7d3a-7c41-9a52-3f0b2c8e6d10).")


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_render_into_a_missing_folder_or_onto_a_folder(world, where):
    argv = ["render", "--db", world["db"], "--deal", str(uuid.uuid4()), "--kind", "quote",
            "--format", "pdf", "-o", world[where]]
    line = assert_refused(argv, run(argv), expect=2)
    assert ("does not exist" if where == "missing" else "is a folder") in line


def test_render_of_a_deal_that_does_not_exist(world):
    argv = ["render", "--db", world["db"], "--deal", str(uuid.uuid4()), "--kind", "invoice",
            "--format", "pdf", "-o", str(Path(world["base"]) / "i.pdf")]
    assert_refused(argv, run(argv), expect=1)


def test_sync_with_a_server_that_is_not_a_url(world):
    argv = ["sync", "--db", world["db"], "--server", "not-a-url"]
    line = assert_refused(argv, run(argv), expect=2)
    assert "is not a server address" in line


def test_add_user_without_the_crm_user_is_a_wrong_command_line(world):
    argv = ["server", "add-user", "--server", world["dead"], "--login", "anna"]
    assert_refused(argv, run(argv), expect=2)


def test_purge_refuses_a_negative_age(world):
    argv = ["server", "purge", "--server", world["dead"], "--older-than-days", "-100"]
    assert "out of range" in assert_refused(argv, run(argv), expect=2)


def test_mistakes_are_translated(world):
    argv = ["--lang", "it", "server", "purge", "--server", world["dead"], "--older-than-days", "-1"]
    line = assert_refused(argv, run(argv), expect=2)
    assert "fuori intervallo" in line
    argv = ["--lang", "ru", "render", "--kind", "quote"]
    assert "не хватает" in assert_refused(argv, run(argv), expect=2)


def test_a_server_that_does_not_answer_is_one_line(world):
    argv = ["server", "purge", "--server", world["dead"]]
    assert_refused(argv, run(argv), expect=1)


# --- generated bad arguments for every command ---------------------------------------------------------

def _not_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        return True
    return False


junk = st.text(min_size=0, max_size=40).filter(lambda t: not t.startswith("-"))
not_an_id = junk.filter(_not_uuid)
not_a_url = junk.filter(lambda t: not t.startswith(("postgresql://", "postgres://")))
bad_number = st.one_of(st.integers(max_value=-1).map(str), junk.filter(lambda t: not t.strip().isdigit()))
bad_choice = junk.filter(lambda t: t not in ("quote", "invoice", "pdf", "docx", "xml", "ru", "it",
                                             "en", "both", "own", "team", "all"))


def _command_lines(w: dict[str, str]) -> st.SearchStrategy[list[str]]:
    deal = str(uuid.uuid4())
    out = str(Path(w["base"]) / "out.pdf")
    render = ["render", "--db", w["db"], "--kind", "quote", "--format", "pdf"]
    return st.one_of(
        not_an_id.map(lambda v: [*render, "--deal", v, "-o", out]),
        bad_choice.map(lambda v: ["render", "--db", w["db"], "--deal", deal, "--kind", v,
                                  "--format", "pdf", "-o", out]),
        bad_choice.map(lambda v: [*render, "--deal", deal, "-o", out, "--lang", v]),
        st.sampled_from([w["folder"], w["missing"], ""]).map(
            lambda v: [*render, "--deal", deal, "-o", v]),
        not_a_url.map(lambda v: ["sync", "--db", w["db"], "--server", v]),
        not_a_url.map(lambda v: ["server", "init", "--server", v]),
        junk.filter(lambda t: not t.replace(".", "").isdigit()).map(
            lambda v: ["server", "init", "--server", w["dead"], "--min-app-version", v]),
        not_an_id.map(lambda v: ["server", "add-user", "--server", w["dead"], "--login", "x",
                                 "--user", v]),
        bad_choice.map(lambda v: ["server", "add-user", "--server", w["dead"], "--login", "x",
                                  "--user", "anna", "--scope", v]),
        bad_number.map(lambda v: ["server", "purge", "--server", w["dead"], "--older-than-days", v]),
        bad_number.map(lambda v: ["server", "purge", "--server", w["dead"], "--stale-after-days", v]),
        bad_number.map(lambda v: ["check", "--db", w["db"], "--limit", v]),
        bad_number.map(lambda v: ["demo", "--db", w["missing"], "--deals", v]),
        bad_number.map(lambda v: ["demo", "--db", w["missing"], "--seed", v]),
        bad_choice.map(lambda v: ["demo", "--db", w["missing"], "--locale", v]),
        bad_choice.map(lambda v: ["screenshots", "--db", w["db"], "--out", w["folder"], "--lang", v]),
        bad_choice.map(lambda v: ["--lang", v, "check"]),
        junk.map(lambda v: ["templates", "--unknown", v]),
        junk.filter(lambda t: t not in ("migrate", "demo", "check", "screenshots", "server", "sync",
                                        "render", "templates") and t.strip() != "").map(lambda v: [v]),
        st.sampled_from(["migrate", "check", "render", "sync", "screenshots"]).map(
            lambda command: [command, "--db", w["missing"]] + (
                ["--server", w["dead"]] if command == "sync" else
                ["--deal", deal, "--kind", "quote", "--format", "pdf", "-o", out]
                if command == "render" else ["--out", w["folder"]] if command == "screenshots"
                else [])),
        st.just(["demo", "--db", w["folder"], "--deals", "1"]),
        st.sampled_from([w["folder"], w["dead"]]).map(lambda v: ["migrate", "--db", v]),
        st.just(["sync", "--db", w["dead"], "--server", w["dead"]]),
        st.just(["server", "purge", "--server", w["dead"]]),
    )


@pytest.fixture(scope="module")
def command_lines(world):
    return _command_lines(world)


@FUZZ
@given(data=st.data())
def test_every_command_refuses_bad_arguments_in_one_line(world, command_lines, data):
    argv = data.draw(command_lines)
    assert_refused(argv, run(argv))
    assert not Path(world["missing"]).parent.exists()  # nothing created in a missing folder
    assert _digest(world["db"]) == world["digest"]  # and the database is unchanged


@pytest.mark.parametrize("argv", [
    ["render", "--deal", "not-a-uuid", "--kind", "quote", "--format", "pdf", "-o", "x.pdf"],
    ["server", "purge", "--server", "postgresql://nobody@127.0.0.1:1/crm", "--older-than-days", "-100"],
    ["--lang", "ru", "sync", "--server", "not-a-url"],
])
def test_real_processes_print_one_line_and_no_traceback(argv, tmp_path):
    result = subprocess.run([sys.executable, "-m", "desktop_crm", *argv], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "CRM_DATA_DIR": str(tmp_path / "data")})
    assert_refused(argv, (result.returncode, result.stdout, result.stderr), expect=2)
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written
