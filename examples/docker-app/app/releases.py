"""Which Alembic revisions and which API fields each release of the example app has.

One source tree holds every release; the image of a release is built with `--build-arg RELEASE=N`,
which keeps only that release's revisions (`python3 -m app.releases keep-only N`) and tells the
code which fields to use (APP_RELEASE).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"

# The revisions of each release, oldest first; a revision's file is migrations/versions/<id>.py.
REVISIONS = {
    "1": ["r1_items"],
    "2": ["r1_items", "r2_price_cents"],
    "3": ["r1_items", "r2_price_cents", "r3_tags"],
    "4": ["r1_items", "r2_price_cents", "r3_tags", "r4_description"],
    "5": ["r1_items", "r2_price_cents", "r3_tags", "r4_description", "r5_title"],
    # Release 1's code and schema plus a revision that fails on a database holding two items or more.
    "broken": ["r1_items", "broken_unique_sku"],
    # Release 1, but it needs a SECRET_KEY that nobody gives it: it dies before migrating.
    "crash": ["r1_items"],
}

# The release whose API a release's code speaks ("broken" and "crash" run release 1's code).
API_LEVEL = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "broken": 1, "crash": 1}

# The release that introduced each optional part of the API.
FEATURES = {"price_cents": 2, "tags": 3, "description": 4, "title": 5}


@dataclass(frozen=True)
class Release:
    name: str

    @property
    def revisions(self) -> list[str]:
        return REVISIONS[self.name]

    @property
    def head(self) -> str:
        return self.revisions[-1]

    @property
    def needs_secret_key(self) -> bool:
        return self.name == "crash"

    def has(self, feature: str) -> bool:
        return API_LEVEL[self.name] >= FEATURES[feature]


def keep_only(name: str) -> None:
    """Delete the revision files that are not part of release `name` (a build step)."""
    keep = set(REVISIONS[name])
    for path in VERSIONS.glob("*.py"):
        if path.stem not in keep:
            path.unlink()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "keep-only" or sys.argv[2] not in REVISIONS:
        sys.exit(f"usage: python3 -m app.releases keep-only {{{','.join(REVISIONS)}}}")
    keep_only(sys.argv[2])
