"""A release of a small app on PostgreSQL (DATABASE_URL): it migrates to its RELEASE when it
starts, then serves GET /health and GET /items on :8000. `python3 /app.py check URL` is its
verify.command: it reads the items as the app does.

Release 1 creates items (id, name); 2 adds a nullable note (harmless); 3 renames name to title,
then adds name back as a compatibility column: release 2 fails only while 3 migrates. Between the
two, 3 waits until release 2 has failed once (each failed read sends NOTIFY read_failed), so the
window the test looks at is certain to be seen, whatever the machine's speed; a fresh install,
which nobody serves, does not wait. Release 4's upgrade of a served database never ends (it fails
after WAIT_SECONDS): a run can be interrupted while it migrates.
"""

import json
import os
import select
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

RELEASE = int(os.environ["RELEASE"])
WAIT_SECONDS = 120  # for release 2 to fail once: the upgrade fails loudly after that


def connect(url=None):
    connection = psycopg2.connect(url or os.environ["DATABASE_URL"])
    connection.autocommit = True
    return connection


def version(db):
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS app_version (version integer NOT NULL)")
        cursor.execute("SELECT coalesce(max(version), 0) FROM app_version")
        return cursor.fetchone()[0]


def run(db, *statements):
    with db.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def wait_for_a_failure(db):
    """A notification LISTENed for before the rename (bounded: the upgrade fails loudly after)."""
    if not select.select([db], [], [], WAIT_SECONDS)[0]:
        sys.exit(f"release 3: release 2 did not fail within {WAIT_SECONDS}s of the rename")
    db.poll()


def migrate(db):
    at = version(db)
    if at < 1:
        run(db, "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)")
    if at < 2 <= RELEASE:
        run(db, "ALTER TABLE items ADD COLUMN note text")
    if at < 3 <= RELEASE:
        run(db, "LISTEN read_failed", "ALTER TABLE items RENAME COLUMN name TO title")
        if at == 2:
            wait_for_a_failure(db)
        run(db, "ALTER TABLE items ADD COLUMN name text", "UPDATE items SET name = title")
    if at == 3 and RELEASE >= 4:
        select.select([db], [], [], WAIT_SECONDS)
        sys.exit(f"release 4: still migrating after {WAIT_SECONDS}s")
    run(db, "DELETE FROM app_version", f"INSERT INTO app_version VALUES ({max(at, RELEASE)})")


def items(db):
    """The items as this release reads them; a failure is announced, then raised."""
    column = "title" if RELEASE >= 3 else "name"
    try:
        with db.cursor() as cursor:
            cursor.execute(f"SELECT id, {column} FROM items ORDER BY id")
            return [{"id": i, "name": name} for i, name in cursor.fetchall()]
    except psycopg2.Error:
        run(db, "NOTIFY read_failed")
        raise


class Api(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            return self.answer(200, {"status": "ok"})
        if self.path != "/items":
            return self.answer(404, {"detail": "no such path"})
        db = connect()
        try:
            self.answer(200, {"items": items(db)})
        except psycopg2.Error as error:
            self.answer(500, {"detail": str(error)})
        finally:
            db.close()

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 in a container: `docker stop` is instant
    if sys.argv[1] == "check":
        print(json.dumps(items(connect(sys.argv[2]))))
        sys.exit(0)
    migrate(connect())
    server = ThreadingHTTPServer(("0.0.0.0", 8000), Api)
    print(f"ready: release {RELEASE}", flush=True)
    server.serve_forever()
