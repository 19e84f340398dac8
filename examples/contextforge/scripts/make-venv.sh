#!/bin/sh
# A virtualenv with one release of mcp-contextforge-gateway, its dependencies pinned to what PyPI
# had the day the release came out (constraints/<release>.txt, made by freeze-constraints.sh).
# psycopg 3 is added so the release can reach PostgreSQL through migtest's postgresql+psycopg URL.
# usage: make-venv.sh ENV_DIR RELEASE
set -eu
env_dir=$1
release=$2
here=$(cd "$(dirname "$0")/.." && pwd)
python3.11 -m venv "$env_dir"
"$env_dir/bin/pip" install --quiet --disable-pip-version-check \
    -c "$here/constraints/$release.txt" "mcp-contextforge-gateway==$release" "psycopg[binary]"
