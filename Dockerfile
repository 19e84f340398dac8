# migtest as a container image, for `docker run` and as the image of the GitHub Action:
#
#   docker build -t migtest .
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -v "$PWD:/work" migtest run
#
# With the engine's socket mounted, migtest starts the app and database containers as siblings of
# its own, joins its container to each run's network and reaches them by name (no port is
# published). It runs as root: the socket is root's.
#
# Where no package index is reachable during the build, put migtest's wheel and those of its
# dependencies in a `wheels/` folder of the build context (`pip wheel --wheel-dir wheels .`):
# they are installed instead of the source, with no index. BASE may be any Debian-based image
# with Python 3.11 or newer and its venv module.
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
COPY . /src
RUN python3 -m venv /opt/migtest \
    && if [ -d /src/wheels ]; then \
        /opt/migtest/bin/pip install --no-cache-dir --no-index --find-links /src/wheels migtest; \
    else \
        /opt/migtest/bin/pip install --no-cache-dir /src; \
    fi

FROM ${BASE}
# git reads the versions given as `ref:`. The project is mounted from the host or CI runner and
# owned by another user than root here, which git refuses unless the folder is declared safe.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
COPY --from=build /opt/migtest /opt/migtest
ENV PATH=/opt/migtest/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /work
ENTRYPOINT ["migtest"]
CMD ["run"]
