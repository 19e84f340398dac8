# migtest as a container image: the GitHub Action's image (action.yml), the image for GitLab CI,
# and for `docker run`:
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

FROM ${BASE_IMAGE} AS build
ARG WHEELS=""
COPY . /src
RUN python3 -m venv /opt/migtest \
    && if [ -n "${WHEELS}" ]; then \
        /opt/migtest/bin/pip install --no-cache-dir --no-index --find-links "/src/${WHEELS}" migtest; \
    else \
        /opt/migtest/bin/pip install --no-cache-dir /src; \
    fi

FROM ${BASE_IMAGE}
# git reads the versions given as `ref:`. The project is mounted from the host or CI runner and
# owned by another user than root here, which git refuses unless the folder is declared safe.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
COPY --from=build /opt/migtest /opt/migtest
COPY entrypoint.py /entrypoint.py
ENV PATH=/opt/migtest/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /work
ENTRYPOINT ["/opt/migtest/bin/python", "/entrypoint.py"]
