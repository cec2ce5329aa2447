#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds one connector for a container image, runs the tests that cover it, and stages it,
# self-contained, in an output dir. The Dockerfile's build stage runs exactly this script, and
# CI runs it too (tests/image/run), so the image recipe is tested without a Docker daemon.
#
#   cmake/build-image.sh CONNECTOR PROTOCOL CODEC OUT_DIR
#
# CONNECTOR is an executable with an image declaration (image.env) next to its sources:
# examples/<name>/image.env or shims/<name>/image.env, whose TARGET= line names it. The
# declaration's PROTOCOL and CODEC must equal the arguments (which become the image's labels),
# so an image whose labels contradict its connector cannot be built.
#
# Steps: configure the release preset in FLOW_IMAGE_BUILD_DIR (default build/image; benchmarks
# off), build only the connector and its declared TESTS, run those tests, then stage:
#   OUT_DIR/bin/<connector>   the executable (debug info stripped), RPATH $ORIGIN/../lib
#   OUT_DIR/bin/connector     what the image's ENTRYPOINT runs: a symlink to the executable, or
#                             for a shim (WRAPS=airbyte|singer) a /bin/sh launcher that adds
#                             `-- <wrapped command>`
#   OUT_DIR/lib/              every shared library it links except glibc's, RPATH $ORIGIN
#   OUT_DIR/image.env         the declaration, plus SYSTEM_LIBS and GLIBC_MIN: what the image's
#                             base must provide
# and finally check the staged tree with tests/image/check-stage (a copy of it, run elsewhere,
# with the system's non-glibc libraries hidden when the machine allows a mount namespace).
# Environment: FLOW_IMAGE_BUILD_DIR, FLOW_IMAGE_JOBS (default: nproc).
set -euo pipefail

die() {
  echo "build-image: error: $*" >&2
  exit 1
}

if (($# != 4)); then
  echo "usage: $0 CONNECTOR PROTOCOL CODEC OUT_DIR" >&2
  exit 2
fi
connector=$1 protocol=$2 codec=$3 out=$4
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${FLOW_IMAGE_BUILD_DIR:-$root/build/image}
jobs=${FLOW_IMAGE_JOBS:-$(nproc)}

# --- The connector's declaration --------------------------------------------------------------
# KEY=value lines (no quoting, no expansion) and # comments. Read into decl[KEY].
declare -A decl=()
read_declaration() {
  local file=$1 line key number=0
  decl=()
  while IFS= read -r line || [[ -n "$line" ]]; do
    number=$((number + 1))
    [[ -z "$line" || "$line" == \#* ]] && continue
    [[ "$line" =~ ^([A-Z_]+)=(.*)$ ]] || die "$file:$number: expected KEY=value, got: $line"
    key=${BASH_REMATCH[1]}
    [[ -v "decl[$key]" ]] && die "$file:$number: $key is declared twice"
    decl[$key]=${BASH_REMATCH[2]}
  done <"$file"
}

declaration=""
known=()
for file in examples/*/image.env shims/*/image.env; do
  [[ -f "$file" ]] || continue
  target=$(sed -n 's/^TARGET=//p' "$file")
  known+=("$target")
  if [[ "$target" == "$connector" ]]; then
    declaration=$file
  fi
done
[[ -n "$declaration" ]] ||
  die "no connector named '$connector' (declared connectors: ${known[*]})"
read_declaration "$declaration"

for key in TARGET PROTOCOL CODEC TESTS; do
  [[ -n "${decl[$key]:-}" ]] || die "$declaration does not declare $key"
done
case "${decl[PROTOCOL]}" in capture | materialize | derive) ;; *)
  die "$declaration: PROTOCOL must be capture, materialize or derive, not '${decl[PROTOCOL]}'" ;;
esac
case "${decl[CODEC]}" in json | proto) ;; *)
  die "$declaration: CODEC must be json or proto, not '${decl[CODEC]}'" ;;
esac
case "${decl[WRAPS]:-}" in "" | airbyte | singer) ;; *)
  die "$declaration: WRAPS must be airbyte or singer, not '${decl[WRAPS]}'" ;;
esac
if [[ "$protocol" != "${decl[PROTOCOL]}" ]]; then
  die "$connector is a ${decl[PROTOCOL]} connector ($declaration) but the image would be" \
    "labelled FLOW_RUNTIME_PROTOCOL=$protocol: build with --build-arg PROTOCOL=${decl[PROTOCOL]}"
fi
if [[ "$codec" != "${decl[CODEC]}" ]]; then
  die "$connector speaks the ${decl[CODEC]} codec ($declaration) but the image would be" \
    "labelled FLOW_RUNTIME_CODEC=$codec: build with --build-arg CODEC=${decl[CODEC]}"
fi
echo "build-image: $connector: FLOW_RUNTIME_PROTOCOL=$protocol FLOW_RUNTIME_CODEC=$codec" >&2

# --- What the tests need besides the build ----------------------------------------------------
if [[ "${decl[NEEDS_SHARED_FIXTURES]:-}" == yes && ! -d "$root/../shared/fixtures" ]]; then
  die "the tests of $connector replay the steering repository's fixtures, which are not at" \
    "$root/../shared/fixtures. For docker build, add --build-context shared=../shared"
fi
if [[ -n "${decl[NPM_CI]:-}" ]]; then
  dir=${decl[NPM_CI]}
  if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules" ]]; then
    echo "build-image: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
      die "npm ci in $dir failed: the tests of $connector need its packages"
  fi
fi

# --- Configure, build, test -------------------------------------------------------------------
# The release preset's settings in our own build dir. -U resets a narrowed FLOW_SDK_TEST_AREAS.
read -r -a tests <<<"${decl[TESTS]}"
cmake --preset release -B "$build" -U FLOW_SDK_TEST_AREAS -DFLOW_SDK_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --parallel "$jobs" --target "$connector" "${tests[@]}"
for test in "${tests[@]}"; do
  echo "build-image: test $test" >&2
  "$build/bin/$test" --gtest_brief=1 || die "$test failed: no image for $connector"
done

# --- Stage ------------------------------------------------------------------------------------
# glibc stays with the base image (its loader, libc and friends must match each other and the
# system's NSS configuration); every other shared library travels with the connector.
is_glibc() {
  case "$1" in
    ld-linux*.so.* | libc.so.* | libm.so.* | libmvec.so.* | libpthread.so.* | libdl.so.* | \
      librt.so.* | libresolv.so.* | libutil.so.* | libanl.so.* | libnss_*.so.* | \
      libBrokenLocale.so.* | libthread_db.so.* | libc_malloc_debug.so.*) return 0 ;;
  esac
  return 1
}

command -v patchelf >/dev/null || die "patchelf is missing: run cmake/install-deps.sh"
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
binary=$out/bin/$connector
cp "$build/bin/$connector" "$binary"
strip --strip-debug "$binary"

system_libs=()
while read -r name arrow path _; do
  [[ "$arrow" == "=>" ]] || continue # linux-vdso and the loader's own line
  [[ "$path" == "not" ]] && die "$connector links $name, which is not found"
  if is_glibc "$name"; then
    system_libs+=("$name")
    continue
  fi
  cp -L "$path" "$out/lib/$name"
  chmod 0644 "$out/lib/$name"
  strip --strip-debug "$out/lib/$name"
  # RPATH (not RUNPATH): searched before LD_LIBRARY_PATH, so a base image that sets
  # LD_LIBRARY_PATH cannot swap a bundled library for its own.
  patchelf --force-rpath --set-rpath '$ORIGIN' "$out/lib/$name"
done < <(env -u LD_LIBRARY_PATH ldd "$binary")
system_libs+=("$(basename "$(patchelf --print-interpreter "$binary")")")
patchelf --force-rpath --set-rpath '$ORIGIN/../lib' "$binary"

# The newest glibc symbol version anything staged needs: the base image's glibc must be at least
# this (the Dockerfile's last stage runs the connector once to prove it).
glibc_min=$(objdump -T "$binary" "$out"/lib/* | sed -n 's/.*GLIBC_\([0-9][0-9.]*\).*/\1/p' |
  sort -uV | tail -n 1)

case "${decl[WRAPS]:-}" in
  "")
    ln -s "$connector" "$out/bin/connector"
    ;;
  airbyte | singer)
    if [[ "${decl[WRAPS]}" == airbyte ]]; then
      default='$AIRBYTE_ENTRYPOINT'
      missing='the base image sets no AIRBYTE_ENTRYPOINT; set FLOW_WRAPPED_COMMAND (build arg WRAPPED_COMMAND) to the Airbyte source command'
    else
      default=''
      missing='FLOW_WRAPPED_COMMAND (build arg WRAPPED_COMMAND) is empty; set it to the Singer tap command, e.g. tap-csv'
    fi
    cat >"$out/bin/connector" <<EOF
#!/bin/sh
# The entrypoint of a $connector image (written by cmake/build-image.sh): runs the shim around
# the base image's ${decl[WRAPS]} connector. The command and options are split on spaces.
#   FLOW_WRAPPED_COMMAND  the wrapped command${default:+; default: $default}
#   FLOW_SHIM_ARGS        $connector options, before --
# Arguments given to this script also go to $connector, before --.
set -f
command=\${FLOW_WRAPPED_COMMAND:-$default}
if [ -z "\$command" ]; then
  printf '{"level":"error","message":"%s"}\\n' '$connector image: $missing' >&2
  exit 1
fi
case \$0 in
  */*) here=\${0%/*} ;;
  *) here=\$(command -v -- "\$0") && here=\${here%/*} ;;
esac
exec "\$here/$connector" \$FLOW_SHIM_ARGS "\$@" -- \$command
EOF
    chmod 0755 "$out/bin/connector"
    ;;
esac

{
  echo "# The declaration of $connector ($declaration), as built into this tree."
  grep -v '^#' "$declaration" | grep -v '^$'
  echo "# What the base image must provide: these glibc libraries, glibc >= GLIBC_MIN."
  echo "SYSTEM_LIBS=${system_libs[*]}"
  echo "GLIBC_MIN=$glibc_min"
} >"$out/image.env"

echo "build-image: staged $connector in $out ($(du -sh "$out" | cut -f1)): bundled" \
  "$(find "$out/lib" -type f | wc -l) libraries; needs glibc >= $glibc_min" >&2
"$root/tests/image/check-stage" "$out"
