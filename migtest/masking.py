"""Keep secrets out of every line migtest prints or writes.

In GitHub Actions each secret is also announced with ::add-mask:: the moment it is known, before
anything could print it, so the runner hides it in every later log line, migtest's or not.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)(?P<password>[^@\s]+)(?=@)", re.I)
_secrets: set[str] = set()


def register_secret(secret: str) -> None:
    """Mask `secret`, and its form inside a JSON string (results.json) where that differs."""
    for form in (secret, json.dumps(secret)[1:-1]):
        if form and form not in _secrets:
            _secrets.add(form)
            if os.environ.get("GITHUB_ACTIONS") == "true":
                print(f"::add-mask::{form}", flush=True, file=sys.stdout)


def register_url_password(url: str) -> None:
    """Mask a URL's password on its own too: drivers and servers may echo it outside the URL."""
    match = _URL_PASSWORD.search(url)
    if match:
        register_secret(match["password"])
        register_secret(urllib.parse.unquote(match["password"]))


def mask(text: str) -> str:
    """Replace registered secrets and any password written inside a URL with ***."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + "***", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
