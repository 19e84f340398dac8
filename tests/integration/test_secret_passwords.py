"""Passwords that used to defeat masking, as logins of a real PostgreSQL 15: one holding every URL
delimiter, given raw through `${VAR}` in the password's place (migtest logs in with it, and no
output or report shows it or a piece of it), and one of a single letter (hidden where it stands as
a password, without masking every `b` in the output)."""

from __future__ import annotations

import urllib.parse

import psycopg
import pytest
import sqlalchemy
from psycopg import sql
from psycopg.conninfo import make_conninfo

from migtest.cli import EXIT_FAILED

AT_PASSWORD = "p@ss:w/rd#x?y%z 'q\"!"
LOGINS = {"migtest_at": AT_PASSWORD, "migtest_short": "b"}
PROBE = "probe: database.url, b-tree, table b"
REVISION = f"""
import os
from psycopg.conninfo import make_conninfo
url = op.get_bind().engine.url
print({PROBE!r})
print("connecting to", os.environ["DATABASE_URL"], "as", url.password)
print("dsn", make_conninfo("", user=url.username, password=url.password))
raise RuntimeError("cannot migrate " + url.render_as_string(hide_password=False))
"""


@pytest.fixture
def login(request, postgres_host):
    """A login with CREATEDB and the password of LOGINS[name], dropped afterwards."""
    name = request.param
    with psycopg.connect(postgres_host.url, autocommit=True) as admin:
        create = sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}")
        admin.execute(create.format(sql.Identifier(name), sql.Literal(LOGINS[name])))
        yield name
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def run_with_password(login, postgres_host, fixture_project, run_migtest, monkeypatch, tmp_path):
    """A failing migration that prints its URL, DSN and password; what every channel showed."""
    github = {name: tmp_path / name for name in ("step-summary.md", "github-output")}
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(github["step-summary.md"]))
    monkeypatch.setenv("GITHUB_OUTPUT", str(github["github-output"]))
    monkeypatch.setenv("MIGTEST_TEST_PASSWORD", LOGINS[login])
    server = sqlalchemy.engine.make_url(postgres_host.url)
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", REVISION)
    project.add_version("2.0", "0003")
    url = f"postgresql://{login}:${{MIGTEST_TEST_PASSWORD}}@{server.host}:{server.port}/postgres"
    project.configure(database={"engine": "postgres", "url": url})

    outcome = run_migtest(project.config, "--only", "upgrade-1.1-to-2.0")

    assert outcome.exit_code == EXIT_FAILED, outcome.output
    shown = {"output": "\n".join(x for x in outcome.output.splitlines() if not x.startswith("::add-mask::"))}
    shown |= {path.name: path.read_text() for path in [*outcome.report_dir.iterdir(), *github.values()]}
    assert {"output", "results.json", "junit.xml", "summary.md", "gl-code-quality-report.json"} <= set(shown)
    assert PROBE in shown["output"] and PROBE in shown["junit.xml"], shown["output"]
    return shown


@pytest.mark.parametrize("login", ["migtest_at"], indirect=True)
def test_a_raw_password_with_url_delimiters_logs_in_and_is_masked_whole(
    login, postgres_host, fixture_project, run_migtest, monkeypatch, tmp_path
):
    shown = run_with_password(login, postgres_host, fixture_project, run_migtest, monkeypatch, tmp_path)

    encoded = urllib.parse.quote(AT_PASSWORD, safe="")
    leaks = [AT_PASSWORD, encoded, urllib.parse.quote(AT_PASSWORD, safe=" +"), make_conninfo("", password=AT_PASSWORD)]
    leaks += ["ss:w", "rd#x", "ss%3Aw", "rd%23x", "q%22"]  # what followed the first @ when it ended the password
    for name, text in shown.items():
        for leak in leaks:
            assert leak not in text, f"{name} shows {leak!r}"
    assert "migtest_at:***@127.0.0.1" in shown["junit.xml"]


@pytest.mark.parametrize("login", ["migtest_short"], indirect=True)
def test_a_one_letter_password_is_hidden_where_it_stands_and_nowhere_else(
    login, postgres_host, fixture_project, run_migtest, monkeypatch, tmp_path
):
    shown = run_with_password(login, postgres_host, fixture_project, run_migtest, monkeypatch, tmp_path)

    for name, text in shown.items():
        assert ":b@" not in text and "password=b" not in text, name
        assert "***ase" not in text and "ta***le" not in text, name
    assert "migtest_short:***@127.0.0.1" in shown["junit.xml"] and "password=***" in shown["junit.xml"]
