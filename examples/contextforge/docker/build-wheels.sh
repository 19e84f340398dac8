#!/bin/sh
# Fill docker/wheels/<release>/ with every wheel one release needs (pinned by
# constraints/<release>.txt), so its image installs with no network: containers cannot reach
# PyPI. Run on a host that can; folders already filled are kept. The wheels are not committed.
# usage: docker/build-wheels.sh [RELEASE...]    (default: the releases of docker/migtest.yml)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- 0.5.0 0.6.0 0.7.0 0.8.0 0.9.0
for release in "$@"; do
    out="$here/wheels/$release"
    if [ -f "$out/.complete" ]; then
        echo "wheels/$release: already there"
        continue
    fi
    rm -rf "$out"
    mkdir -p "$out"
    python3.11 -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$out" \
        -c "$here/../constraints/$release.txt" "mcp-contextforge-gateway==$release" "psycopg[binary]"
    touch "$out/.complete"
    echo "wheels/$release: $(ls "$out" | wc -l) wheels, $(du -sh "$out" | cut -f1)"
done
