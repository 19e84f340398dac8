"""Keep secrets out of every line migtest prints or writes.

Two rules, applied to every text before it is shown or written:
- Where a password stands is masked whatever it is: the password of any URL
  (`scheme://user:***@host`, up to the last `@` before the host) and the value after `password=`
  (libpq DSNs, query strings) or `NAME_PASSWORD=` (`PGPASSWORD=`, `MYSQL_PASSWORD=`).
- A registered secret (a password, a `${NAME}` value, a token) is masked in each form it takes
  (as is, URL-encoded, as SQLAlchemy renders it, in a libpq DSN, inside a JSON string) where that
  form stands as a whole token: not glued to a letter, digit or `_` on a side where the form itself
  starts or ends with one, so password `postgres` hides `:postgres@` and `'postgres'` but not
  `postgresql://`. A form of 16 characters or more is masked anywhere, even glued to a word (no
  unrelated text has it), and one shorter than 4 is not registered at all: masking every `b` would
  make output unreadable, and so short a password is guessed at once anyway; the first rule still
  hides it in a URL or after `password=`.

In GitHub Actions each registered form is also announced with ::add-mask:: the moment it is known,
before anything could print it, so the runner hides it in every later log line, migtest's or not.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse

MIN_LENGTH = 4
ANYWHERE_LENGTH = 16

_URL_PASSWORD = re.compile(r"(?P<head>(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^\s/?#\"'<>]*(?=@)", re.I)
# `password=`, `--password=`, `PGPASSWORD=`, `spring.datasource.password=`; not `hide_password=`.
_KEY_PASSWORD = re.compile(
    r"""(?P<head>(?<!\w)(?:[Pp]assword|PASSWORD|[A-Z][A-Z0-9_]*PASSWORD)=)"""
    r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;'"]+)"""
)
# A URL's login as SQLAlchemy reads it: the user name ends at the first ':', the password at the first '@'.
URL_LOGIN = re.compile(r"[a-z][a-z0-9+.-]*://(?P<user>[^:/@]*)(?::(?P<password>[^@]*))?@", re.I)
# Before a token: no word character, unless it ends an escape (JSON `\n`, `\u2019`, URL `%20`).
_TOKEN_START = r"(?:(?<!\w)|(?<=\\[nrtbf])|(?<=\\u[0-9a-fA-F]{4})|(?<=%[0-9a-fA-F]{2}))"

_secrets: set[str] = set()
_pattern: tuple[frozenset[str], re.Pattern[str] | None] = (frozenset(), None)


def _forms(secret: str) -> set[str]:
    """`secret` as it may appear in output: as is, URL-encoded (by hand, by SQLAlchemy, in a
    query string), in a libpq DSN, and each of these inside a JSON string."""
    written = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret, safe=" +"),
        urllib.parse.quote_plus(secret),
        secret.replace("\\", "\\\\").replace("'", "\\'"),
    }
    return written | {json.dumps(form)[1:-1] for form in written}


def register_secret(secret: str) -> None:
    """Mask `secret` in each of its forms long enough to be told from ordinary text."""
    for form in sorted(_forms(secret)):
        if len(form) >= MIN_LENGTH and form not in _secrets:
            _secrets.add(form)
            if os.environ.get("GITHUB_ACTIONS") == "true":
                print(f"::add-mask::{form}", flush=True, file=sys.stdout)


def register_url_password(url: str) -> None:
    """Mask a URL's password on its own too (as SQLAlchemy reads it: up to the first `@`):
    drivers and servers may echo it outside the URL."""
    match = URL_LOGIN.match(url)
    if match and match["password"]:
        register_secret(match["password"])
        register_secret(urllib.parse.unquote(match["password"]))


def mask(text: str) -> str:
    """`text` with every registered secret and every password where it stands replaced by ***."""
    pattern = _secrets_pattern()
    if pattern is not None:
        text = pattern.sub("***", text)
    if "://" in text:  # what each rule's pattern cannot match without: a scan of the text in C, not a regex search
        text = _URL_PASSWORD.sub(lambda m: m["head"] + "***", text)
    if "assword=" in text or "ASSWORD=" in text:
        text = _KEY_PASSWORD.sub(lambda m: m["head"] + "***", text)
    return text


def _secrets_pattern() -> re.Pattern[str] | None:
    """One pattern for all registered secrets, longest first; rebuilt only when one was added."""
    global _pattern
    known = frozenset(_secrets)
    if _pattern[0] != known:
        tokens = [_token(secret) for secret in sorted(known, key=len, reverse=True)]
        _pattern = (known, re.compile("|".join(tokens)) if tokens else None)
    return _pattern[1]


def _token(secret: str) -> str:
    pattern = re.escape(secret)
    if len(secret) >= ANYWHERE_LENGTH:
        return pattern
    if re.match(r"\w", secret):
        pattern = _TOKEN_START + pattern
    if re.search(r"\w\Z", secret):
        pattern += r"(?!\w)"
    return pattern
