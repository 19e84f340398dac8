"""The pull-request comment (GitHub) or merge-request note (GitLab): the run's summary, posted once
and updated in place by every later run, which finds it by the hidden marker on its first line.

Commenting comes on top of the reports: whatever keeps it from happening (not a pull request, no
token, an HTTP error, a timeout) is said in one line and the run's verdict and exit code stand.
The token goes in a header, is masked in everything printed, and is sent only to the API's host
(no redirects are followed, and a `next` page on another host is not read).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from migtest.masking import mask, register_secret
from migtest.reports import markdown
from migtest.reports.github import cut, escape_data, in_actions
from migtest.results import RunResult

if TYPE_CHECKING:
    import requests

TIMEOUT = (5.0, 20.0)  # seconds to connect, then to wait for each answer
PER_PAGE = 100  # the most either API lists at once
PAGES = 20  # comments read at most: 2,000; past them a new comment is posted
GITHUB_LIMIT = 65536  # characters in a comment; the cut counts bytes, never more than characters
GITLAB_LIMIT = 1_000_000  # characters in a note
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class NoComment(Exception):
    """Why no comment was posted. `warn`: something is wrong (GitHub also shows it as a warning),
    rather than a run where commenting does not apply."""

    def __init__(self, reason: str, warn: bool = True) -> None:
        super().__init__(reason)
        self.warn = warn


@dataclass(frozen=True)
class Options:
    """`name` keeps one comment per migtest job of a pull request; `token_variable` names the
    environment variable holding the token (default: the platform's, see `thread`)."""

    name: str = ""
    token_variable: str = ""

    @property
    def marker(self) -> str:
        return f"<!-- migtest-report: {self.name} -->" if self.name else "<!-- migtest-report -->"


@dataclass(frozen=True)
class Thread:
    """A pull or merge request's comments as its platform's API reaches them."""

    platform: str
    title: str  # "pull request #7"
    comments: str  # the URL that lists (GET) and creates (POST) them
    item: str  # one comment's URL, with {id}
    update: str  # the method that edits one
    headers: dict[str, str]
    limit: int
    run_url: str
    denied: str  # what a refusal (401, 403, 404) usually means


def check_name(name: str) -> str:
    """A comment name as the marker can hold it (no `-->`, nothing Markdown reads)."""
    if not NAME.fullmatch(name):
        raise ValueError(f"use 1 to 64 letters, digits, '.', '_' or '-', got '{name}'")
    return name


def check_variable(name: str) -> str:
    if not VARIABLE.fullmatch(name):
        raise ValueError(f"expected an environment variable's name, got '{name}'")
    return name


def publish(result: RunResult, options: Options, environ: Mapping[str, str] = os.environ) -> None:
    """Post or update the comment; one line says which, or why there is none."""
    try:
        target = find_thread(environ, options.token_variable)
        print(f"migtest: {post(target, body(result, target, options), options.marker)}", flush=True)
    except NoComment as reason:
        line = mask(f"{reason}: no comment")
        if reason.warn and in_actions(environ):
            print(f"::warning title=migtest comment::{escape_data(line)}", flush=True)
        else:
            print(f"migtest: {line}", flush=True)


def find_thread(environ: Mapping[str, str], token_variable: str = "") -> Thread:
    """The pull request of this GitHub Actions run or the merge request of this GitLab pipeline."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return _github(environ, token_variable or "GITHUB_TOKEN")
    if environ.get("GITLAB_CI") == "true":
        return _gitlab(environ, token_variable or "MIGTEST_GITLAB_TOKEN")
    raise NoComment("not in GitHub Actions or GitLab CI")


def _github(environ: Mapping[str, str], variable: str) -> Thread:
    number = _pull_request(_required(environ, "GITHUB_EVENT_PATH"))
    token = _token(environ, variable, "the action's `token` input, or `GITHUB_TOKEN: ${{ github.token }}`")
    api = environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repository = _required(environ, "GITHUB_REPOSITORY")
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return Thread(
        platform="GitHub",
        title=f"pull request #{number}",
        comments=f"{api}/repos/{repository}/issues/{number}/comments",
        item=f"{api}/repos/{repository}/issues/comments/{{id}}",
        update="PATCH",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
        limit=GITHUB_LIMIT,
        run_url=f"{server}/{repository}/actions/runs/{environ['GITHUB_RUN_ID']}" if "GITHUB_RUN_ID" in environ else "",
        denied="the job needs `permissions: pull-requests: write` (a pull request from a fork gets a read-only token)",
    )


def _gitlab(environ: Mapping[str, str], variable: str) -> Thread:
    iid = environ.get("CI_MERGE_REQUEST_IID")
    if not iid:
        raise NoComment("not a merge request pipeline", warn=False)
    token = _token(environ, variable, "a project access token with the `api` scope, as a masked CI/CD variable")
    notes = f"{_required(environ, 'CI_API_V4_URL').rstrip('/')}/projects/{_required(environ, 'CI_PROJECT_ID')}"
    notes += f"/merge_requests/{iid}/notes"
    return Thread(
        platform="GitLab",
        title=f"merge request !{iid}",
        comments=notes,
        item=notes + "/{id}",
        update="PUT",
        headers={"PRIVATE-TOKEN": token},
        limit=GITLAB_LIMIT,
        run_url=environ.get("CI_JOB_URL", ""),
        denied=f"${variable} needs the `api` scope and the Reporter role (CI_JOB_TOKEN cannot write notes)",
    )


def _required(environ: Mapping[str, str], name: str) -> str:
    if not environ.get(name):
        raise NoComment(f"${name} is not set")
    return environ[name]


def _pull_request(event_path: str) -> int:
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise NoComment(f"cannot read the event payload {event_path}: {error}") from None
    number = (event.get("pull_request") or {}).get("number") if isinstance(event, dict) else None
    if not isinstance(number, int):
        raise NoComment("not a pull request", warn=False)
    return number


def _token(environ: Mapping[str, str], variable: str, source: str) -> str:
    token = environ.get(variable, "").strip()
    if not token:
        raise NoComment(f"no token in ${variable} (set it from {source})")
    register_secret(token)
    return token


def body(result: RunResult, thread: Thread, options: Options) -> str:
    """The marker, the summary cut to the platform's limit, and a footer naming the job and run."""
    job = f" `{options.name}`" if options.name else ""
    run = f" · [the run]({thread.run_url}) has the reports" if thread.run_url else ""
    footer = f"<sub>migtest{job} updates this comment on every run{run}.</sub>"
    room = thread.limit - len(options.marker.encode()) - len(footer.encode()) - 8
    summary = cut(markdown.render(result), room, f"{thread.platform}'s limit on a comment")
    return f"{options.marker}\n{summary.rstrip()}\n\n{footer}\n"


def post(thread: Thread, text: str, marker: str) -> str:
    """Update the comment that starts with `marker`, or post one; what was done. `requests` is
    imported here, not with the module: every command's parser reads this module's checks, and
    only this one posts (the import cost 34 ms of each start)."""
    import requests

    with requests.Session() as session:
        session.headers.update(thread.headers)
        found = _find(session, thread, marker)
        if found is None:
            _call(session, thread, "POST", thread.comments, text)
            return f"posted the report on {thread.title}"
        _call(session, thread, thread.update, thread.item.format(id=found), text)
        return f"updated the report on {thread.title}"


def _find(session: requests.Session, thread: Thread, marker: str) -> int | None:
    """The id of the comment whose first line is `marker`, reading at most PAGES pages."""
    url: str | None = f"{thread.comments}?per_page={PER_PAGE}"
    host = urlsplit(thread.comments).netloc
    for _page in range(PAGES):
        if url is None or urlsplit(url).netloc != host:
            return None
        response = _call(session, thread, "GET", url)
        for comment in _listed(response, thread):
            if str(comment.get("body") or "").split("\n", 1)[0].strip() == marker:
                return comment["id"]
        url = response.links.get("next", {}).get("url")
    return None


def _listed(response: requests.Response, thread: Thread) -> list[dict]:
    try:
        comments = response.json()
    except ValueError:
        comments = None
    if not isinstance(comments, list):
        raise NoComment(f"{thread.platform} listed the comments of {thread.title} in a form migtest cannot read")
    return [comment for comment in comments if isinstance(comment, dict) and "id" in comment]


def _call(
    session: requests.Session, thread: Thread, method: str, url: str, text: str | None = None
) -> requests.Response:
    import requests  # imported already by `post`

    where = f"{method} {urlsplit(url).path}"
    try:
        response = session.request(
            method, url, json=None if text is None else {"body": text}, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.Timeout:
        raise NoComment(f"{thread.platform} did not answer {where} within {TIMEOUT[1]:g}s") from None
    except requests.RequestException as error:
        raise NoComment(f"{where} failed: {error}") from None
    if response.status_code >= 300:
        hint = f"; {thread.denied}" if response.status_code in (401, 403, 404) else ""
        raise NoComment(f"{thread.platform} answered {response.status_code} to {where}{_message(response)}{hint}")
    return response


def _message(response: requests.Response) -> str:
    """The API's own explanation (GitHub and GitLab both answer {"message": ...}), shortened."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return f" ({str(message)[:200]})" if message else ""
