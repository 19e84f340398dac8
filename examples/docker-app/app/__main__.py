"""Start the app: check its configuration, migrate the database to this release's head, serve.

Exit codes: 0 stopped by SIGTERM or SIGINT, 1 the migration failed, 3 bad configuration.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import traceback

from app.releases import REVISIONS, Release

PORT = 8000


def configured_release() -> Release:
    name = os.environ.get("APP_RELEASE", "")
    if name not in REVISIONS:
        raise RuntimeError(f"APP_RELEASE={name!r} is not one of {', '.join(REVISIONS)}")
    if not os.environ.get("DATABASE_URL"):
        raise RuntimeError("DATABASE_URL is not set")
    release = Release(name)
    if release.needs_secret_key and not os.environ.get("SECRET_KEY"):
        raise RuntimeError(f"release {name}: missing SECRET_KEY")
    return release


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 in a container: `docker stop` is instant
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        release = configured_release()
    except RuntimeError:
        traceback.print_exc()
        return 3

    from werkzeug.serving import make_server

    from app.api import create_app
    from app.migrate import create_db_engine, upgrade_on_start

    engine = create_db_engine()
    try:
        revision = upgrade_on_start(engine, release)
    except Exception:
        traceback.print_exc()
        print(f"release {release.name}: the migration failed, not serving", file=sys.stderr, flush=True)
        return 1
    logging.getLogger("app").info("database at revision %s", revision)
    server = make_server("0.0.0.0", PORT, create_app(release, engine), threaded=True)
    print(f"ready: release {release.name} serving on :{PORT}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C in `docker run -it`
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
