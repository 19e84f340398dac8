# The same with an init of its own in the entrypoint (build arg INIT: tini or dumb-init), as images
# that already solved the PID-1 problem have: it must still start and stop under Docker's init.
ARG APP=migtest-test/app:1
FROM ${APP}
ARG INIT=tini
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$INIT" \
    && rm -rf /var/lib/apt/lists/* && ln -s "/usr/bin/$INIT" /usr/local/bin/image-init
ENTRYPOINT ["/usr/local/bin/image-init", "--"]
CMD python3 -m app
