"""Print the oldest Python (3.11, 3.12, 3.13) a release of mcp-contextforge-gateway allows, read
from its Requires-Python on PyPI: freeze-constraints.sh resolves the release's pins for it.
usage: python release-python.py RELEASE   (needs `packaging`)"""

from __future__ import annotations

import json
import sys
import urllib.request

from packaging.specifiers import SpecifierSet

CANDIDATES = ("3.11", "3.12", "3.13")


def oldest_allowed(requires_python: str) -> str | None:
    """The first candidate the specifier admits; None if it admits none."""
    spec = SpecifierSet(requires_python)
    return next((minor for minor in CANDIDATES if spec.contains(f"{minor}.0")), None)


def main(release: str) -> int:
    # The project's page: the per-release JSON URL is not served everywhere (404 on some mirrors).
    with urllib.request.urlopen("https://pypi.org/pypi/mcp-contextforge-gateway/json", timeout=60) as answer:
        files = json.load(answer)["releases"].get(release)
    if not files:
        print(f"release {release} of mcp-contextforge-gateway is not on PyPI", file=sys.stderr)
        return 2
    requires = files[0]["requires_python"] or ""
    minor = oldest_allowed(requires)
    if minor is None:
        print(f"release {release} requires Python {requires!r}: none of {', '.join(CANDIDATES)}", file=sys.stderr)
        return 2
    print(minor)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
