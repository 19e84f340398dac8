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
    # The image runs Debian bookworm's python3, 3.11: a release pinned for another Python
    # (constraints' first line, `# python 3.12` for 1.1.0) has no image form here.
    python=$(sed -n '1s/^# python \([0-9][0-9.]*\)$/\1/p' "$here/../constraints/$release.txt")
    if [ "$python" != 3.11 ]; then
        echo "build-wheels.sh: $release is pinned for Python ${python:-?} (constraints/$release.txt); the image has 3.11" >&2
        exit 2
    fi
    rm -rf "$out"
    mkdir -p "$out"
    python3.11 -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$out" \
        -c "$here/../constraints/$release.txt" "mcp-contextforge-gateway==$release" "psycopg[binary]"
    touch "$out/.complete"
    echo "wheels/$release: $(ls "$out" | wc -l) wheels, $(du -sh "$out" | cut -f1)"
done
