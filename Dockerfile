# syntax=docker/dockerfile:1
# A Flow connector image built from this repository.
#
#   docker build --build-arg CONNECTOR=source-hello-world -t ghcr.io/acme/source-hello-world:local .
#
# The build stage installs the Debian packages and runs tests/run, the same build-and-test
# script CI runs, in the release preset; an image is only produced when every test passes.
# The runtime stage is slim and non-root, and carries the labels the Flow runtime reads.
ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY cmake/install-deps.sh cmake/install-deps.sh
RUN cmake/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN tests/run release && cmake --install build/release --prefix /opt/flow

FROM debian:${DEBIAN_RELEASE}-slim
# Which built executable is the connector, and which protocol it speaks.
ARG CONNECTOR=source-hello-world
ARG PROTOCOL=capture
COPY --from=build /src/cmake/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
 && useradd --system --uid 65532 --no-create-home --shell /usr/sbin/nologin flow
COPY --from=build /opt/flow/bin/${CONNECTOR} /usr/local/bin/connector
USER 65532:65532
# The runtime rejects an image without FLOW_RUNTIME_PROTOCOL. It reads the codec from labels,
# then ENV; the connector process only sees ENV, so both are set and always agree.
LABEL FLOW_RUNTIME_PROTOCOL=${PROTOCOL}
LABEL FLOW_RUNTIME_CODEC=json
ENV FLOW_RUNTIME_CODEC=json
# connector-init runs ENTRYPOINT (CMD is ignored when ENTRYPOINT is set).
ENTRYPOINT ["/usr/local/bin/connector"]
