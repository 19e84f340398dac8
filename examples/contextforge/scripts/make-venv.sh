#!/bin/sh
# A virtualenv with one release of mcp-contextforge-gateway, its dependencies pinned to what PyPI
# had the day the release came out (constraints/<release>.txt, made by freeze-constraints.sh),
# built with the Python those pins were resolved for (the file's first line, `# python 3.12`):
# 1.0.8 and later require Python >= 3.12, older releases were pinned for 3.11.
# psycopg 3 is added so the release can reach PostgreSQL through migtest's postgresql+psycopg URL.
# usage: make-venv.sh ENV_DIR RELEASE
set -eu
env_dir=$1
release=$2
here=$(cd "$(dirname "$0")/.." && pwd)
constraints="$here/constraints/$release.txt"
[ -f "$constraints" ] || { echo "make-venv.sh: no $constraints: run scripts/freeze-constraints.sh $release" >&2; exit 2; }
version=$(sed -n '1s/^# python \([0-9][0-9.]*\)$/\1/p' "$constraints")
[ -n "$version" ] || { echo "make-venv.sh: $constraints does not start with '# python X.Y'" >&2; exit 2; }
# python3.12 on PATH, else the newest pyenv-installed 3.12.x (pyenv's shim answers only for
# the versions pyenv has selected).
python=python$version
if ! "$python" -c '' 2>/dev/null; then
    python=
    if command -v pyenv >/dev/null 2>&1; then
        installed=$(pyenv versions --bare | grep -E "^$version\.[0-9]+$" | sort -t. -k3,3n | tail -n 1)
        [ -z "$installed" ] || python="$(pyenv root)/versions/$installed/bin/python$version"
    fi
    [ -n "$python" ] || { echo "make-venv.sh: release $release needs Python $version ($constraints); no python$version here" >&2; exit 2; }
fi
"$python" -m venv "$env_dir"
"$env_dir/bin/pip" install --quiet --disable-pip-version-check \
    -c "$constraints" "mcp-contextforge-gateway==$release" "psycopg[binary]"
