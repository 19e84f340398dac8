"""Run the user's commands as argument lists, capturing output as evidence."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from migtest.errors import StepFailed
from migtest.masking import mask

TAIL_LINES = 40


def tail(text: str, lines: int = TAIL_LINES) -> str:
    kept = text.strip().splitlines()
    cut = len(kept) - lines
    body = "\n".join(kept[-lines:])
    return mask(f"... ({cut} earlier lines)\n{body}" if cut > 0 else body)


def split_command(command: str, placeholders: dict[str, str]) -> list[str]:
    """Split first, then fill placeholders, so a value with spaces stays one argument."""
    return [fill(part, placeholders) for part in shlex.split(command)]


def fill(text: str, placeholders: dict[str, str]) -> str:
    for key, value in placeholders.items():
        text = text.replace("{" + key + "}", value)
    return text


def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    what: str,
    timeout: float = 600,
) -> str:
    """Run to completion; return combined output, or raise StepFailed with its tail."""
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise StepFailed(f"{what}: command not found: {argv[0]}") from exc
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode(errors="replace")
        raise StepFailed(f"{what}: still running after {timeout:.0f}s", tail(output)) from exc
    if done.returncode != 0:
        raise StepFailed(f"{what}: exited with code {done.returncode}", tail(done.stdout))
    return done.stdout
