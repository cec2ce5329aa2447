#!/usr/bin/env bash
# Installs the Debian packages this project needs, skipping those already present.
# Used by tests/run, examples/source-hello-world/run, .ci/run and the Dockerfile.
#   cmake/install-deps.sh            build + test dependencies
#   cmake/install-deps.sh --runtime  only what a built connector needs at run time
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config ccache git python3
  libsimdjson-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev libvalijson-dev libsqlite3-dev zlib1g-dev libcurl4-openssl-dev
  protobuf-compiler libprotobuf-dev
  patchelf
  clang-format clang-tidy clang libclang-rt-14-dev
)
runtime_packages=(libsimdjson14 libspdlog1.10 libfmt9 libprotobuf32 libyaml-cpp0.7 libsqlite3-0 zlib1g libcurl4 ca-certificates)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--runtime" ]]; then
  packages=("${runtime_packages[@]}")
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js and npm run the live Airbyte CDK test; any install on PATH will do.
if [[ "${1:-}" != "--runtime" ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "Installing Debian packages: ${missing[*]}" >&2
sudo=()
if [[ "$(id -u)" != 0 ]]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
