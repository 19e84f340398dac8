"""The app: refuses to start unless its companion answers at $COMPANION_URL; then creates its
table in the SQLite database at $DATABASE_URL (migrating on start) and serves /health, whose
body is what the companion answered."""

import http.server
import os
import signal
import sqlite3
import sys
import urllib.request

# As PID 1 nothing would end it on SIGTERM: each stop would wait out Docker's 10 s grace.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

url = os.environ["COMPANION_URL"]
try:
    with urllib.request.urlopen(url, timeout=5) as response:
        answer = response.read()
except OSError as exc:
    sys.exit(f"cannot reach my companion at {url}: {exc}")
print(f"companion at {url} answered {len(answer)} bytes")

path = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
with sqlite3.connect(path) as database:
    database.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
        self.wfile.write(answer)


http.server.HTTPServer(("0.0.0.0", 8000), Health).serve_forever()
