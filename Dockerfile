# migtest as a container image: the GitHub Action's image (action.yml runs the one the release
# workflow, .github/workflows/release.yml, builds from this file and pushes to ghcr.io), the image
# for GitLab CI, and for `docker run`:
#
#   docker build -t migtest .
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -v "$PWD:/work" migtest run
#
# With the engine's socket mounted, migtest starts the app and database containers as siblings of
# its own, joins its container to each run's network and reaches them by name (no port is
# published, nothing is bind-mounted). It runs as root: the socket is root's.
#
# Where no package index is reachable during the build, build from a local base image and a
# folder of wheels (migtest's and its dependencies', `pip wheel --wheel-dir wheels .`) in the
# build context, named `wheels` (the folder .dockerignore lets in):
#
#   docker build --build-arg BASE_IMAGE=my/python:3.12 --build-arg WHEELS=wheels -t migtest .
#
# BASE_IMAGE may be any Debian-based image with Python 3.11 or newer and its venv module.
ARG BASE_IMAGE=python:3.12-slim

# The virtualenv without pip and setuptools: they install, they never run. The bytecode stays: it
# is 23 MB, but without it every start compiles SQLAlchemy, sqlglot, alembic and docker again
# (importing them took 1.5 s instead of 0.7 s).
FROM ${BASE_IMAGE} AS build
ARG WHEELS=""
COPY . /src
RUN python3 -m venv /opt/migtest \
    && if [ -n "${WHEELS}" ]; then \
        /opt/migtest/bin/pip install --no-cache-dir --no-index --find-links "/src/${WHEELS}" migtest; \
    else \
        /opt/migtest/bin/pip install --no-cache-dir /src; \
    fi \
    && /opt/migtest/bin/python -m pip uninstall --yes --quiet pip setuptools

# git reads the versions given as `ref:` (rev-parse and archive of local objects: both built into
# the one `git` program, which needs only libc, zlib and PCRE2, already in the base). Debian's
# package would bring 196 MB with it: Perl, curl and its TLS and LDAP libraries, the remote helpers,
# the manual; so the image takes the program alone from a stage that installed the package.
FROM ${BASE_IMAGE} AS git
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git

# seed.restore's clients: psql and pg_restore for PostgreSQL snapshots, mariadb (also as mysql)
# for mysqldump files. Debian's packages would bring Perl with them (postgresql-client-common's
# pg_wrapper), so the image takes the three programs, the client plugins mariadb loads for MySQL 8
# logins (caching_sha2_password), and the libraries they link that the base lacks (libpq, LDAP,
# Kerberos, libedit...), found by ldd and compared with the base's own files.
FROM ${BASE_IMAGE} AS clients
RUN find / -xdev -name '*.so*' > /tmp/base-libraries \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client mariadb-client-core \
    && postgres="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)" \
    && mkdir -p /clients/usr/bin \
    && cp "$postgres/psql" "$postgres/pg_restore" /usr/bin/mariadb /clients/usr/bin/ \
    && ln -s mariadb /clients/usr/bin/mysql \
    && for plugin in /usr/lib/*/libmariadb3/plugin; do cp -a --parents "$plugin" /clients; done \
    && for library in $(ldd /clients/usr/bin/* /clients/usr/lib/*/libmariadb3/plugin/*.so | awk '$3 ~ /^\// {print $3}' | sort -u); do \
        real="$(readlink -f "$library")"; \
        grep -qxF "$real" /tmp/base-libraries || { mkdir -p "/clients$(dirname "$real")" && cp -L "$library" "/clients$(dirname "$real")/"; }; \
    done

FROM ${BASE_IMAGE}
COPY --from=git /usr/bin/git /usr/bin/git
COPY --from=clients /clients /
# The project is mounted from the host or CI runner and owned by another user than root here,
# which git refuses unless the folder is declared safe (this also proves the program runs here).
RUN git config --system --add safe.directory '*'
COPY --from=build /opt/migtest /opt/migtest
COPY entrypoint.py /entrypoint.py
ENV PATH=/opt/migtest/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /work
ENTRYPOINT ["/opt/migtest/bin/python", "/entrypoint.py"]
