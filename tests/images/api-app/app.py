"""A small REST app on SQLite (DATABASE_URL sqlite:////path): creates its tables on start, then
serves :8000. The admin password comes from ADMIN_PASSWORD; the token a login gives is derived
from it, and a refused request echoes the Authorization header it got (as careless apps do)."""

import hashlib
import json
import os
import re
import signal
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PASSWORD = os.environ["ADMIN_PASSWORD"]
TOKEN = "tok-" + hashlib.sha256(PASSWORD.encode()).hexdigest()[:24]
DATABASE = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
PAGE = 2


def connect():
    return sqlite3.connect(DATABASE)


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Api(BaseHTTPRequestHandler):
    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def allowed(self):
        given = self.headers.get("Authorization", "")
        if given == f"Bearer {TOKEN}" and not self.path.startswith("/audit"):
            return True
        self.answer(403 if given else 401, {"detail": f"refused: Authorization '{given}'"})
        return False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
        path = urlsplit(self.path).path
        if path == "/auth/login":
            if body == {"email": "admin@example.com", "password": PASSWORD}:
                self.answer(200, {"access_token": TOKEN, "token_type": "bearer"})
            else:
                self.answer(401, {"detail": "bad credentials"})
            return
        if not self.allowed():
            return
        with connect() as db:
            if path == "/tools":
                tool = body["tool"]
                cursor = db.execute(
                    "INSERT INTO tools (name, display_name) VALUES (?, ?)", (slug(tool["name"]), tool["display_name"])
                )
                self.answer(201, {"tool": {"id": cursor.lastrowid, "name": slug(tool["name"])}})
            elif path == "/servers":
                cursor = db.execute(
                    "INSERT INTO servers (name, tool_ids) VALUES (?, ?)", (body["name"], json.dumps(body["tool_ids"]))
                )
                self.answer(201, {"id": cursor.lastrowid})
            else:
                self.answer(404, {"detail": "no such path"})

    def do_GET(self):
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/health":
            self.answer(200, {"status": "ok"})
            return
        if not self.allowed():
            return
        with connect() as db:
            if url.path == "/tools":
                after = int(query.get("cursor", 0))
                rows = db.execute(
                    "SELECT id, name, display_name FROM tools WHERE id > ? ORDER BY id LIMIT ?", (after, PAGE)
                ).fetchall()
                more = db.execute(
                    "SELECT count(*) FROM tools WHERE id > ?", (rows[-1][0] if rows else after,)
                ).fetchone()[0]
                tools = [{"id": i, "name": n, "displayName": d} for i, n, d in rows]
                self.answer(200, {"tools": tools, "nextCursor": str(rows[-1][0]) if more else None})
            elif url.path == "/servers":
                start = int(query.get("start", 0))
                rows = db.execute(
                    "SELECT id, name, tool_ids FROM servers ORDER BY id LIMIT ? OFFSET ?", (PAGE, start)
                ).fetchall()
                total = db.execute("SELECT count(*) FROM servers").fetchone()[0]
                links = [("Link", f'</servers?start={start + PAGE}>; rel="next"')] if start + PAGE < total else []
                self.answer(200, [{"id": i, "name": n, "toolIds": json.loads(t)} for i, n, t in rows], links)
            elif re.fullmatch(r"/servers/\d+/tools", url.path):
                (ids,) = db.execute(
                    "SELECT tool_ids FROM servers WHERE id = ?", (int(url.path.split("/")[2]),)
                ).fetchone()
                wanted = json.loads(ids) if query.get("include_inactive") == "true" else []
                rows = db.execute("SELECT id, name, display_name FROM tools ORDER BY id").fetchall()
                self.answer(200, {"data": [{"id": i, "name": n, "displayName": d} for i, n, d in rows if i in wanted]})
            else:
                self.answer(404, {"detail": "no such path"})

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    with connect() as db:
        db.execute("CREATE TABLE IF NOT EXISTS tools (id INTEGER PRIMARY KEY, name TEXT NOT NULL, display_name TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS servers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tool_ids TEXT)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # as PID 1 it would otherwise ignore docker stop
    server = ThreadingHTTPServer(("0.0.0.0", 8000), Api)
    print("ready: serving on :8000", flush=True)
    server.serve_forever()
