#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of flow-airbyte-shim's read path, against the baselines of ../shared/bench measured
# in the same run:
#   - a child that `cat`s a ~100 MB Airbyte transcript (gen_airbyte.py: three streams, a STREAM
#     STATE every 1000 records) through the real protocol: open with 3 bindings, every
#     captured document and checkpoint to /dev/null;
#   - limit_shim.cpp (the ceiling) and py_shim.py (a minimal Python shim) on the same bytes;
#   - peak RSS of the shim on a ~1 GB transcript.
# Targets: shim >= 0.5x limit_shim throughput, >= 20x py_shim; RSS <= 64 MB + largest record.
#
# Usage: bench/airbyte-shim/run.sh [records]   (from the repository root; default 264313)
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="$repo/../shared/bench"
build="$repo/build/airbyte-rel"
records="${1:-264313}"
work="$(mktemp -d "${TMPDIR:-/tmp}/airbyte-bench-XXXXXX")"
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== building (release preset) in $build"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake --preset release -B "$build" >/dev/null
fi
ninja -C "$build" -j2 flow-airbyte-shim >/dev/null
shim="$build/bin/flow-airbyte-shim"
g++ -O2 -std=c++17 "$shared/limit_shim.cpp" -lsimdjson -o "$build/limit_shim"

echo "== generating the transcript ($records records)"
python3 "$shared/gen_airbyte.py" "$records" > "$work/ab.jsonl"
bytes=$(stat -c %s "$work/ab.jsonl")
echo "   $((bytes / 1000000)) MB"

binding() {
  printf '{"resourceConfig":{"stream":"%s","syncMode":"incremental","cursorField":["updated_at"]},"resourcePath":["%s"],"collection":{"name":"acmeCo/%s","key":["/id"],"writeSchema":{"type":"object"}},"stateKey":"%s"}' "$1" "$1" "$1" "$1"
}
open_request="{\"open\":{\"capture\":{\"name\":\"acmeCo/bench\",\"config\":{},\"bindings\":[$(binding users),$(binding orders),$(binding events)]},\"range\":{\"keyEnd\":4294967295,\"rClockEnd\":4294967295},\"state\":{}}}"

# Runs the shim on $1 with stdin kept open (a FIFO held by fd 3) so the session ends when the
# read does, its output to $2 (default /dev/null); prints "<seconds> <max RSS KiB>".
run_shim() {
  local transcript="$1" output="${2:-/dev/null}"
  rm -f "$work/requests"
  mkfifo "$work/requests"
  exec 3<>"$work/requests"
  echo "$open_request" >&3
  AIRBYTE_TRANSCRIPT="$transcript" LOG_LEVEL=warn /usr/bin/time -f "%e %M" -o "$work/time" \
    "$shim" -- "$repo/bench/airbyte-shim/cat_source.sh" < "$work/requests" > "$output"
  exec 3>&-
  cat "$work/time"
}

# Runs "$@" on stdin $1, stdout to /dev/null; prints "<seconds> <max RSS KiB>".
run_baseline() {
  local input="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" < "$input" > /dev/null 2>"$work/baseline.err"
  cat "$work/time"
}

best() {  # best (lowest) time of 3 runs of "$@"
  local best_time="" line t
  for _ in 1 2 3; do
    line=$("$@")
    t=${line%% *}
    if [[ -z "$best_time" ]] || awk "BEGIN{exit !($t < $best_time)}"; then
      best_time=$t
    fi
  done
  echo "$best_time"
}

echo "== 100 MB: best of 3"
t_cat=$(best run_baseline "$work/ab.jsonl" cat)
t_limit=$(best run_baseline "$work/ab.jsonl" "$build/limit_shim")
t_shim=$(best run_shim "$work/ab.jsonl")
t_py=$(run_baseline "$work/ab.jsonl" python3 "$shared/py_shim.py")
t_py=${t_py%% *}

run_shim "$work/ab.jsonl" "$work/shim.out" > /dev/null  # once more, to check its output
captured=$(grep -c '"captured"' "$work/shim.out" || true)
checkpoints=$(grep -c '"checkpoint"' "$work/shim.out" || true)
echo "   shim output: $captured captured, $checkpoints checkpoints"
rm -f "$work/shim.out"
printf '   cat %.2fs | limit_shim %.2fs | flow-airbyte-shim %.2fs | py_shim %.2fs\n' \
  "$t_cat" "$t_limit" "$t_shim" "$t_py"
awk -v l="$t_limit" -v s="$t_shim" -v p="$t_py" -v b="$bytes" 'BEGIN {
  printf "   shim throughput %.0f MB/s\n", b / s / 1e6;
  printf "   shim vs limit_shim: %.2fx (target >= 0.5x)\n", l / s;
  printf "   shim vs py_shim:    %.1fx (target >= 20x)\n", p / s }'

echo "== ~1 GB (the 100 MB transcript 10 times): peak RSS"
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$work/ab.jsonl"; done > "$work/ab1g.jsonl"
rm -f "$work/ab.jsonl"
line=$(run_shim "$work/ab1g.jsonl")
largest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$work/ab1g.jsonl")
printf '   %s bytes in %ss, peak RSS %d KiB (%.1f MB); largest record %d bytes (target <= 64 MB + that)\n' \
  "$(stat -c %s "$work/ab1g.jsonl")" "${line%% *}" "${line##* }" "$(awk -v k="${line##* }" 'BEGIN{print k/1024}')" "$largest"
