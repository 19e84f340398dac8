#!/usr/bin/env bash
# Install the programs the tests drive for real: the Docker engine (dockerd), MariaDB, PostgreSQL,
# debootstrap (a base image, since no registry is reachable), node with the JUnit consumers of
# tests/consumers (pinned by its package-lock.json: about 40 MB, 8 s), and Debian's chromium for the
# HTML report's headless-browser test (25 packages, about 120 MB to download, 370 MB installed,
# 21 s to install on a 2-core machine from a near mirror) with fonts-noto-color-emoji, so the PR
# comment's screenshot shows its ✅/❌ as GitHub does (10 MB download, 11 MB installed, 2 s). Does
# nothing when all are there. The tests start and stop the servers themselves.
set -euo pipefail

consumers="$(cd "$(dirname "$0")/../tests/consumers" && pwd)"
install_consumers() {
    [ -d "$consumers/node_modules/junit-to-ctrf" ] && return 0
    echo "install-test-machine: installing the node JUnit consumers in tests/consumers"
    npm ci --prefix "$consumers" --no-audit --no-fund --loglevel=error
}

missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v initdb >/dev/null || [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v sqlite3 >/dev/null || missing+=(sqlite3)  # makes the .dump snapshots of seed.restore's tests
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)

[ ${#missing[@]} -eq 0 ] && install_consumers && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-test-machine: missing ${missing[*]}; install them (as root, with apt-get) for the server and Docker tests" >&2
    exit 0
fi
echo "install-test-machine: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages must not start their services here: the tests start their own servers.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_consumers
