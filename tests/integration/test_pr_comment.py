"""The pull-request comment and merge-request note, posted by real runs of SQLite projects to a
real HTTP server on this machine that answers as GitHub's and GitLab's APIs do (paginated lists
with Link headers, create, edit) and records every call."""

from __future__ import annotations

import html
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from browser import chromium, readme_picture
from http_server import Handler, Server, serving
from markdown_it import MarkdownIt
from png_pixels import colours
from test_ci_reports import dropping_project, passing_project

from migtest.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from migtest.commands import action
from migtest.reports import comment

TOKEN = "ghs_Test0Token1That2Must3Stay4Hidden"
PAGE_SIZE = 2  # so a handful of comments spans pages
GITHUB_THREAD = "/repos/octo/shop/issues/7/comments"
GITLAB_THREAD = "/api/v4/projects/42/merge_requests/3/notes"
README = Path(__file__).parent.parent.parent / "README.md"


class Forge(Handler):
    """GitHub's issue comments and GitLab's merge-request notes, kept in memory."""

    server: ForgeServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if not self._allowed(url.path):
            return
        listed = self.server.threads.get(url.path, [])
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        chunk = listed[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        headers = {}
        if page * PAGE_SIZE < len(listed):
            base = f"http://127.0.0.1:{self.server.server_address[1]}{url.path}"
            headers["Link"] = f'<{base}?per_page=100&page={page + 1}>; rel="next"'
        self.json(200, chunk, headers)

    def do_POST(self) -> None:
        if self._allowed(self.path):
            created = {"id": next(self.server.ids), "body": self.body()["body"]}
            self.server.threads.setdefault(self.path, []).append(created)
            self.json(201, created)

    def do_PATCH(self) -> None:
        self._edit()

    def do_PUT(self) -> None:
        self._edit()

    def _edit(self) -> None:
        if not self._allowed(self.path):
            return
        wanted = int(self.path.rsplit("/", 1)[1])
        for listed in self.server.threads.values():
            for item in listed:
                if item["id"] == wanted:
                    item["body"] = self.body()["body"]
                    self.json(200, item)
                    return
        self.json(404, {"message": "Not Found"})

    def _allowed(self, path: str) -> bool:
        """Record the call; answer the failure asked for, or 401 without the token."""
        self.server.received.append((self.command, path, dict(self.headers)))
        if self.server.hold.get(self.command):
            self.server.hold[self.command].wait(10)  # until the test is done, then close unanswered
            return False
        status, message = self.server.fail.get(self.command, (0, ""))
        if status:
            self.json(status, {"message": message})
            return False
        given = self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN")
        if given not in (f"Bearer {TOKEN}", TOKEN):
            self.json(401, {"message": "Bad credentials"})
            return False
        return True


class ForgeServer(Server):
    threads: dict[str, list[dict[str, Any]]]
    fail: dict[str, tuple[int, str]]
    hold: dict[str, threading.Event]
    ids: Iterator[int]


@pytest.fixture
def forge() -> Iterator[ForgeServer]:
    with serving(Forge) as server:
        server.threads, server.fail, server.hold, server.ids = {}, {}, {}, iter(range(1001, 2000))
        yield server
        for event in server.hold.values():
            event.set()


def github_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: Server, event: dict[str, Any]) -> None:
    """A GitHub Actions step of a workflow run for `event`, its API at the local server."""
    (tmp_path / "event.json").write_text(json.dumps(event))
    for name in ("summary", "output"):
        (tmp_path / name).write_text("")
    variables = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REPOSITORY": "octo/shop",
        "GITHUB_API_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_TOKEN": TOKEN,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def pull_request(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, forge: ForgeServer) -> ForgeServer:
    github_env(monkeypatch, tmp_path, forge, {"pull_request": {"number": 7}})
    return forge


def migtest(config: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str]:
    """`migtest run --comment` with these options; its exit code and everything it printed."""
    code = main(["run", "-c", str(config), "--comment", *options])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def calls(server: Server) -> list[tuple[str, str]]:
    called = [(method, path) for method, path, _headers in server.received]
    server.received.clear()
    return called


def hides_token(output: str) -> bool:
    """No line shows the token but the ::add-mask:: lines that tell the runner to hide it."""
    return all(line.startswith("::add-mask::") for line in output.splitlines() if TOKEN in line)


def test_first_run_posts_the_comment_and_the_next_updates_it(tmp_path, capsys, pull_request):
    humans = [{"id": n, "body": f"review {n}\n<!-- migtest-report -->"} for n in range(1, 6)]
    pull_request.threads[GITHUB_THREAD] = list(humans)  # the marker must start a comment to count
    config = dropping_project(tmp_path / "project", releases=3)

    code, output = migtest(config, capsys)
    assert code == EXIT_FAILED
    assert "migtest: posted the report on pull request #7" in output
    pages = [(method, path) for method, path in calls(pull_request) if method == "GET"]
    assert len(pages) == 3  # every page read before posting: 5 comments, 2 a page
    posted = pull_request.threads[GITHUB_THREAD][-1]
    assert posted["body"].startswith("<!-- migtest-report -->\n## migtest: ❌ migrations broke\n")
    assert "| **1** | · | ❌" in posted["body"]
    assert "- **content**: 1 change(s) to existing data" in posted["body"]
    assert posted["body"].endswith("[the run](https://github.com/octo/shop/actions/runs/4242) has the reports.</sub>\n")

    code, output = migtest(config, capsys)
    assert code == EXIT_FAILED
    assert "migtest: updated the report on pull request #7" in output
    assert calls(pull_request)[-1] == ("PATCH", f"/repos/octo/shop/issues/comments/{posted['id']}")
    assert pull_request.threads[GITHUB_THREAD][:5] == humans
    assert len(pull_request.threads[GITHUB_THREAD]) == 6
    assert hides_token(output)


def test_the_action_comments_with_its_token_input(tmp_path, capsys, pull_request, monkeypatch):
    """As GitHub runs the action: inputs as INPUT_*, the token from the `token` input only."""
    dropping_project(tmp_path / "project", releases=3)
    monkeypatch.delenv("GITHUB_TOKEN")
    inputs = {"working_directory": str(tmp_path / "project"), "comment": "true", "fail_on_failure": "false"}
    for name, value in {**inputs, "comment_name": "sqlite", "token": TOKEN}.items():
        monkeypatch.setenv(f"INPUT_{name.upper()}", value)
    monkeypatch.chdir(tmp_path)
    assert action.main([]) == EXIT_OK
    output = capsys.readouterr().out
    assert "migtest run -c migtest.yml --comment --comment-name sqlite --comment-token-variable INPUT_TOKEN" in output
    assert "migtest: posted the report on pull request #7" in output
    assert pull_request.threads[GITHUB_THREAD][0]["body"].startswith("<!-- migtest-report: sqlite -->\n")
    assert hides_token(output)


def test_named_comments_are_kept_apart(tmp_path, capsys, pull_request):
    config = passing_project(tmp_path / "project")
    for name in ("postgres", "mysql", "postgres"):
        assert migtest(config, capsys, "--comment-name", name)[0] == EXIT_OK
    bodies = [item["body"] for item in pull_request.threads[GITHUB_THREAD]]
    markers = [body.splitlines()[0] for body in bodies]
    assert markers == ["<!-- migtest-report: postgres -->", "<!-- migtest-report: mysql -->"]
    assert [method for method, _path in calls(pull_request) if method != "GET"] == ["POST", "POST", "PATCH"]
    assert "<sub>migtest `mysql` updates this comment" in bodies[1]
    with pytest.raises(SystemExit) as usage:
        migtest(config, capsys, "--comment-name", "a -->")
    assert usage.value.code == EXIT_USAGE
    assert "argument --comment-name: use 1 to 64 letters" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("method", "status", "message", "said"),
    [
        ("POST", 500, "Server Error", "GitHub answered 500 to POST /repos/octo/shop/issues/7/comments (Server Error)"),
        ("GET", 403, f"Resource not accessible by integration ({TOKEN})", "needs `permissions: pull-requests: write`"),
    ],
)
def test_an_api_error_is_said_and_leaves_the_exit_code(tmp_path, capsys, pull_request, method, status, message, said):
    pull_request.fail[method] = (status, message)
    for config, expected in ((passing_project(tmp_path / "ok"), EXIT_OK), (dropping_project(tmp_path / "bad", 3), 1)):
        code, output = migtest(config, capsys)
        assert code == expected
        warning = next(line for line in output.splitlines() if line.startswith("::warning title=migtest comment::"))
        assert said in warning and warning.endswith(": no comment")
        assert hides_token(output)
    assert pull_request.threads == {}


def test_a_silent_api_is_given_up_on_after_the_timeout(tmp_path, capsys, pull_request, monkeypatch):
    monkeypatch.setattr(comment, "TIMEOUT", (5.0, 0.5))
    pull_request.hold["GET"] = threading.Event()  # the server takes the request and never answers
    code, output = migtest(passing_project(tmp_path), capsys)
    assert code == EXIT_OK
    assert "GitHub did not answer GET /repos/octo/shop/issues/7/comments within 0.5s: no comment" in output


def test_outside_a_pull_request_nothing_is_called(tmp_path, capsys, forge, monkeypatch):
    github_env(monkeypatch, tmp_path, forge, {"ref": "refs/heads/main", "commits": []})
    config = passing_project(tmp_path / "project")
    code, output = migtest(config, capsys)
    assert (code, forge.received) == (EXIT_OK, [])
    assert "migtest: not a pull request: no comment" in output

    github_env(monkeypatch, tmp_path, forge, {"pull_request": {"number": 7}})
    monkeypatch.delenv("GITHUB_TOKEN")
    code, output = migtest(config, capsys)
    assert (code, forge.received) == (EXIT_OK, [])
    assert "no token in $GITHUB_TOKEN" in output

    monkeypatch.delenv("GITHUB_ACTIONS")
    assert "migtest: not in GitHub Actions or GitLab CI: no comment" in migtest(config, capsys)[1]


def test_gitlab_merge_request_note_is_posted_then_updated(tmp_path, capsys, forge, monkeypatch):
    for name in [name for name in os.environ if name.startswith("GITHUB_")]:
        monkeypatch.delenv(name)
    variables = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": f"http://127.0.0.1:{forge.server_address[1]}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_JOB_URL": "https://gitlab.example.com/shop/-/jobs/99",
        "CI_JOB_TOKEN": "job-token-that-cannot-write",
        "REVIEW_BOT_TOKEN": TOKEN,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    config = dropping_project(tmp_path / "project", releases=3)
    code, output = migtest(config, capsys, "--comment-token-variable", "REVIEW_BOT_TOKEN")
    assert (code, forge.received) == (EXIT_FAILED, [])
    assert "migtest: not a merge request pipeline: no comment" in output

    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "3")
    forge.threads[GITLAB_THREAD] = [{"id": n, "body": "looks good", "system": False} for n in range(1, 4)]
    for done in ("posted", "updated"):
        code, output = migtest(config, capsys, "--comment-token-variable", "REVIEW_BOT_TOKEN")
        assert code == EXIT_FAILED
        assert f"migtest: {done} the report on merge request !3" in output
        assert TOKEN not in output
    assert [method for method, _path in calls(forge) if method != "GET"] == ["POST", "PUT"]
    assert all(headers["PRIVATE-TOKEN"] == TOKEN for _m, _p, headers in forge.received)
    note = forge.threads[GITLAB_THREAD][-1]
    assert note["body"].startswith("<!-- migtest-report -->\n## migtest: ❌")
    assert "[the run](https://gitlab.example.com/shop/-/jobs/99)" in note["body"]

    monkeypatch.delenv("REVIEW_BOT_TOKEN")
    output = migtest(config, capsys, "--comment-token-variable", "REVIEW_BOT_TOKEN")[1]
    assert "migtest: no token in $REVIEW_BOT_TOKEN" in output


def test_a_comment_over_githubs_limit_is_cut_with_a_note(tmp_path, capsys, pull_request):
    """Evidence as long as an app's traceback or a dumped table, through `migtest merge --comment`."""
    config = dropping_project(tmp_path / "project", releases=4)
    assert main(["run", "-c", str(config), "--report-dir", str(tmp_path / "run")]) == EXIT_FAILED
    results = json.loads((tmp_path / "run/results.json").read_text())
    for check in (check for scenario in results["scenarios"] for check in scenario["checks"]):
        check["evidence"] = [f"row {n}: " + "value " * 160 for n in range(40)]
    (tmp_path / "run/results.json").write_text(json.dumps(results))

    merged = ["merge", str(tmp_path / "run"), "--report-dir", str(tmp_path / "merged"), "--comment"]
    assert main(merged) == EXIT_FAILED
    body = pull_request.threads[GITHUB_THREAD][0]["body"]
    assert len(body) <= comment.GITHUB_LIMIT < len((tmp_path / "merged/summary.md").read_text())
    assert "**Summary cut at 63 KiB** (GitHub's limit on a comment)" in body
    assert body.startswith("<!-- migtest-report -->\n") and body.endswith("has the reports.</sub>\n")


def contacts_project(root: Path) -> Path:
    """Releases 1 and 2 hold; release 3 moves e-mail addresses to contacts and drops users.email,
    which loses the data of rows that had an address before the move existed."""
    config = passing_project(root)
    (root / "db/V3__contacts.sql").write_text(
        "CREATE TABLE contacts (user_id INTEGER NOT NULL, email TEXT NOT NULL);\nALTER TABLE users DROP COLUMN email;\n"
    )
    (root / "seed-2.sql").write_text("INSERT INTO users (id, name, email) VALUES (3, 'Edsger', 'ewd@example.com');")
    settings = yaml.safe_load(config.read_text())
    settings["versions"].append({"name": "3", "revision": "3"})
    settings["seed"] = {"sql": "seed-{version}.sql"}
    for version in ("1", "3"):
        (root / f"seed-{version}.sql").write_text((root / "seed.sql").read_text())
    config.write_text(yaml.safe_dump(settings))
    return config


@pytest.fixture
def readme_comment(tmp_path: Path, capsys: pytest.CaptureFixture[str], pull_request: ForgeServer) -> str:
    """The comment a failing run of the contacts project posts: the README's example and picture."""
    config = contacts_project(tmp_path / "project")
    assert migtest(config, capsys)[0] == EXIT_FAILED
    return pull_request.threads[GITHUB_THREAD][0]["body"]


def test_readme_shows_the_comment_a_run_posts(readme_comment):
    """The README's example is a real comment: regenerate it with MIGTEST_WRITE_README=1."""
    posted = "\n".join(f"> {line}".rstrip() for line in readme_comment.splitlines())
    start, end = "<!-- pr-comment-example -->\n", "\n<!-- /pr-comment-example -->"
    readme = README.read_text()
    begin, finish = readme.index(start) + len(start), readme.index(end)
    shown = readme[begin:finish]
    if os.environ.get("MIGTEST_WRITE_README") == "1":
        README.write_text(readme[:begin] + posted + readme[finish:])
        shown = posted

    def timeless(text: str) -> str:
        return re.sub(r"\d+\.\d+s", "…s", text)

    assert timeless(shown) == timeless(posted)


COMMENT_WINDOW = (860, 610)
COMMENT_PICTURE = Path(__file__).parents[2] / "docs/pr-comment.png"
COMMENT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>migtest comment</title><style>
body { margin: 0; padding: 16px; background: #fff; color: #1f2328; font: 14px/1.5 -apple-system,
  "Segoe UI", "Noto Sans", Helvetica, Arial, "DejaVu Sans", sans-serif; }
.comment { border: 1px solid #d0d7de; border-radius: 6px; }
.header { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; color: #59636e;
  border-radius: 6px 6px 0 0; }
.header b { color: #1f2328; }
.body { padding: 0 16px 8px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0b3; padding-bottom: .3em; margin: 16px 0; }
h3 { font-size: 1.25em; margin: 24px 0 16px; } h4 { font-size: 1em; margin: 24px 0 16px; }
table { border-collapse: collapse; margin-bottom: 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; } tr:nth-child(2n) { background: #f6f8fa; }
code, pre { font: 12px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; }
a { color: #0969da; text-decoration: none; } sub { color: #59636e; }
</style></head><body><div class="comment">
<div class="header"><b>github-actions</b> bot commented</div>
<div class="body"><!-- comment --></div></div></body></html>
"""


def test_readme_pictures_the_comment_as_github_renders_it(readme_comment, tmp_path):
    """The README's picture of the comment is the real body rendered as Markdown (tables on, as on
    GitHub) in a page styled like a GitHub comment, screenshot in headless Chromium: regenerate it
    with MIGTEST_WRITE_README=1."""
    page, screenshot = tmp_path / "comment.html", tmp_path / "comment.png"
    rendered = MarkdownIt("commonmark").enable("table").render(readme_comment)
    page.write_text(COMMENT_PAGE.replace("<!-- comment -->", rendered))
    chromium(page, tmp_path / "profile", COMMENT_WINDOW, f"--screenshot={screenshot}")
    dom = chromium(page, tmp_path / "profile", COMMENT_WINDOW, "--dump-dom").stdout
    print(f"screenshot of the comment: {screenshot}")

    shown = colours(screenshot)
    assert len(shown) > 50  # text, borders and shaded rows, not a blank page
    assert any(red - max(green, blue) > 120 for red, green, blue, *_ in shown)  # ❌ drawn, not a box
    assert any(green - max(red, blue) > 40 for red, green, blue, *_ in shown)  # and ✅
    text = html.unescape(re.sub(r"<[^>]*>", "", dom))
    assert "migtest: ❌ migrations broke" in text and "upgrade 2 -> 3" in text
    assert "content: 1 change(s) to existing data" in text  # the failing check, by name
    assert "<table>" in dom and "<th><strong>3</strong></th>" in dom  # the matrix is a table
    readme_picture(screenshot, COMMENT_PICTURE)
