#!/bin/sh
# Regenerate constraints/<release>.txt: every dependency of the release resolved the way PyPI
# was on the day the release was uploaded (uv's --exclude-newer), for the oldest Python the
# release's Requires-Python allows (3.11 up to 1.0.7.post20260921, 3.12 from 1.0.8). That Python
# is written on the file's first line (`# python 3.12`): the pins hold for it only, so
# make-venv.sh builds the venv with it.
# Without them, pip takes today's newest dependencies and old releases no longer start
# (README.md, "Pins"). Needs network access to PyPI; uv is installed into a throw-away venv.
# usage: scripts/freeze-constraints.sh [RELEASE...]    (default: every release below)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
# release   the day after its upload to PyPI
uploaded() {
    case $1 in
        0.5.0) echo 2025-08-06 ;;
        0.6.0) echo 2025-08-23 ;;
        0.7.0) echo 2025-09-18 ;;
        0.8.0) echo 2025-10-22 ;;
        0.9.0) echo 2025-12-17 ;;
        1.0.0) echo 2026-05-20 ;;
        1.0.7.post20260921) echo 2026-09-22 ;;
        1.1.0) echo 2026-10-21 ;;
        *) echo "unknown release $1: add its upload day to $0" >&2; exit 2 ;;
    esac
}
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet --disable-pip-version-check uv packaging
[ $# -gt 0 ] || set -- 0.5.0 0.6.0 0.7.0 0.8.0 0.9.0 1.0.0 1.0.7.post20260921 1.1.0
for release in "$@"; do
    day=$(uploaded "$release")
    python=$("$tools/venv/bin/python" "$here/scripts/release-python.py" "$release")
    printf 'mcp-contextforge-gateway==%s\npsycopg[binary]\n' "$release" > "$tools/req.in"
    printf '# python %s\n' "$python" > "$here/constraints/$release.txt"
    "$tools/venv/bin/uv" pip compile --quiet --python-version "$python" --exclude-newer "$day" \
        --no-header --no-annotate "$tools/req.in" >> "$here/constraints/$release.txt"
    echo "constraints/$release.txt: $(grep -vc '^#' "$here/constraints/$release.txt") pins as of $day, Python $python"
done
