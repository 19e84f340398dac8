"""Run by the version's own Python (`python -c`): each Alembic revision's offline SQL
(`alembic upgrade <down>:<rev> --sql`), oldest first, as JSON lines in the file argv[4].

argv: alembic.ini (or the script folder), the URL naming the dialect, the newest revision to lint.
A revision whose offline run fails (it reads the database, say) gets its error instead of SQL.
"""

import io
import json
import os
import sys
import traceback

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def configured(ini: str, url: str) -> Config:
    if os.path.isdir(ini):
        config = Config()
        config.set_main_option("script_location", ini)
    else:
        config = Config(ini)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def offline(config: Config, revision) -> dict:
    entry = {"revision": revision.revision, "path": revision.path}
    downs = revision.down_revision
    if isinstance(downs, (tuple, list)) and len(downs) > 1:
        entry["error"] = "a merge revision: its offline SQL has no single revision to start from"
        return entry
    down = downs[0] if isinstance(downs, (tuple, list)) else downs
    config.output_buffer = io.StringIO()
    try:
        command.upgrade(config, f"{down}:{revision.revision}" if down else revision.revision, sql=True)
    except BaseException as exc:
        entry["error"] = traceback.format_exception_only(type(exc), exc)[0].strip().splitlines()[0][:300]
        if isinstance(exc, KeyboardInterrupt):
            raise
    else:
        entry["sql"] = config.output_buffer.getvalue()
    return entry


def main() -> None:
    ini, url, head, out = sys.argv[1:5]
    config = configured(ini, url)
    script = ScriptDirectory.from_config(config)
    with open(out, "w") as results:
        for revision in reversed(list(script.walk_revisions("base", head))):
            results.write(json.dumps(offline(config, revision)) + "\n")
            results.flush()


main()
