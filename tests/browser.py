"""Debian's Chromium (installed by scripts/install-test-machine.sh), headless, offline and bounded:
what the tests that screenshot a page and read the DOM it rendered share."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_SECONDS = 20
README_LIMIT = 200 * 1024  # bytes of a picture the README shows


def chromium(page: Path, profile: Path, window: tuple[int, int], *options: str) -> subprocess.CompletedProcess[str]:
    """Chromium on `page` in a `window` (width, height): no first run, sync, updates or background
    traffic, so it needs no network and ends within BROWSER_SECONDS."""
    assert CHROMIUM.is_file(), "run scripts/install-test-machine.sh (it installs Debian's chromium)"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",  # the tests run as root in CI, where Chromium refuses its sandbox
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={window[0]},{window[1]}",
        *options,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_SECONDS, check=True)


def readme_picture(screenshot: Path, picture: Path) -> None:
    """With MIGTEST_WRITE_README=1 the screenshot becomes the README's `picture`; either way the
    committed picture must be a PNG small enough to keep in the repository."""
    if os.environ.get("MIGTEST_WRITE_README") == "1":
        shutil.copyfile(screenshot, picture)
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size < README_LIMIT
