"""Runs one Alembic command for migtest in a separate interpreter (the version's own, when it
has a `setup:` environment), so every version's env.py and models import fresh.

Usage: python -c "$(cat alembic_driver.py)" ALEMBIC_INI upgrade|downgrade TARGET DATABASE_URL PREFIX
Run as `-c` text, so this folder (whose alembic.py would shadow Alembic) is not on sys.path.
Only the standard library and alembic may be imported here. PREFIX marks the line that
reports which revision(s) the target resolved to.
"""

import sys

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def main(ini: str, direction: str, target: str, url: str, prefix: str) -> None:
    config = Config(ini)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    getattr(command, direction)(config, target)
    try:
        revisions = ScriptDirectory.from_config(config).get_revisions(target)
    except Exception:  # relative targets such as "-1" resolve only against a database
        return
    print(prefix + " ".join(sorted(r.revision for r in revisions if r is not None)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
