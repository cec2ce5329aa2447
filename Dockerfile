# syntax=docker/dockerfile:1
# A Flow connector image built from this repository: one example or shim, chosen by build args.
# README.md, "Connector images", has the command for each connector. For example:
#
#   docker build --build-arg CONNECTOR=source-hello-world --build-arg PROTOCOL=capture \
#     --build-arg CODEC=json -t ghcr.io/acme/source-hello-world:local .
#   docker build --build-context shared=../shared --build-arg CONNECTOR=flow-airbyte-shim \
#     --build-arg PROTOCOL=capture --build-arg CODEC=json \
#     --build-arg BASE_IMAGE=airbyte/source-faker:6.2.0 -t ghcr.io/acme/source-faker:local .
#
# The build stage runs cmake/build-image.sh, the script CI runs too (tests/image/run): it fails
# unless PROTOCOL and CODEC equal what the connector declares in its image.env, builds the
# connector in the release preset, runs the tests that cover it, and stages the connector with
# every shared library it needs except glibc's in /stage. The last stage copies that tree onto
# BASE_IMAGE: by default a slim Debian running as a non-root user; for a shim, the third-party
# image whose connector it wraps.
ARG DEBIAN_RELEASE=bookworm
ARG BASE_IMAGE=flow-runtime

# The steering repository's fixtures (../shared), which the shims' tests replay. Give them with
# --build-context shared=../shared, which replaces this stand-in; without them, building a
# connector whose tests need them fails with a message saying so.
FROM scratch AS shared
COPY .dockerignore /no-shared-fixtures

FROM debian:${DEBIAN_RELEASE} AS build
ARG CONNECTOR
ARG PROTOCOL
ARG CODEC
WORKDIR /src
COPY cmake/install-deps.sh cmake/install-deps.sh
RUN cmake/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY --from=shared / /shared/
COPY . .
RUN test -n "$CONNECTOR" && test -n "$PROTOCOL" && test -n "$CODEC" \
 || { echo "error: --build-arg CONNECTOR, PROTOCOL and CODEC are required (README.md, Connector images)" >&2; exit 1; }
RUN FLOW_IMAGE_BUILD_DIR=/src/build/image cmake/build-image.sh "$CONNECTOR" "$PROTOCOL" "$CODEC" /stage

# The default base: slim Debian with CA certificates, running as a non-root user.
FROM debian:${DEBIAN_RELEASE}-slim AS flow-runtime
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --no-create-home --shell /usr/sbin/nologin flow
USER 65532:65532

# A shim's base keeps its own user, environment (e.g. AIRBYTE_ENTRYPOINT) and files.
FROM ${BASE_IMAGE}
ARG PROTOCOL
ARG CODEC
# Shims only: the wrapped command (default for Airbyte: the base image's $AIRBYTE_ENTRYPOINT;
# required for Singer, e.g. tap-csv) and options for the shim, each split on spaces.
ARG WRAPPED_COMMAND=
ARG SHIM_ARGS=
COPY --from=build /stage /flow
ENV FLOW_WRAPPED_COMMAND="${WRAPPED_COMMAND}" FLOW_SHIM_ARGS="${SHIM_ARGS}"
# Fails the build here when the base image cannot run the connector (glibc older than
# /flow/image.env's GLIBC_MIN, no /bin/sh for a shim's launcher, no wrapped command).
RUN ["/flow/bin/connector", "--help"]
# The runtime rejects an image without FLOW_RUNTIME_PROTOCOL. It reads the codec from labels,
# then ENV; the connector process only sees ENV, so both are set from CODEC and always agree.
LABEL FLOW_RUNTIME_PROTOCOL=${PROTOCOL}
LABEL FLOW_RUNTIME_CODEC=${CODEC}
ENV FLOW_RUNTIME_CODEC=${CODEC}
# connector-init runs ENTRYPOINT (CMD is ignored when ENTRYPOINT is set); bin/connector is the
# connector itself, or for a shim a launcher that execs it with `-- <wrapped command>`.
ENTRYPOINT ["/flow/bin/connector"]
