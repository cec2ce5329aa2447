#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of flow-airbyte-shim's read path, against the baselines of ../shared/bench measured
# in the same run:
#   - a child that `cat`s a ~100 MB Airbyte transcript (gen_airbyte.py: three streams, a STREAM
#     STATE every 1000 records) through the real protocol: open with 3 bindings, every
#     captured document and checkpoint to /dev/null;
#   - limit_shim.cpp (the ceiling), limit_dom.cpp, py_shim.py (a minimal Python shim) and
#     `cat | cat` on the same bytes;
#   - peak RSS of the shim on a ~1 GB transcript (the 100 MB one 10 times).
# Targets: shim >= 0.5x limit_shim throughput, >= 20x py_shim; RSS <= 64 MB + largest record.
# Besides its own lines it prints bench/run's ROW lines (format: the top of bench/run).
#
# Usage: bench/airbyte-shim/run.sh [records]   (from the repository root; default 264313)
# With FLOW_BENCH_BUILD=<dir> (as bench/run sets it) it uses the already built
# <dir>/bin/{flow-airbyte-shim,bench-limit-shim,bench-limit-dom} and builds nothing.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="$repo/../shared/bench"
records="${1:-264313}"
work="$(mktemp -d "${TMPDIR:-/tmp}/airbyte-bench-XXXXXX")"
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$work"' EXIT

if [[ -n "${FLOW_BENCH_BUILD:-}" ]]; then
  build="$FLOW_BENCH_BUILD"
  limit_shim="$build/bin/bench-limit-shim"
  limit_dom="$build/bin/bench-limit-dom"
else
  build="$repo/build/airbyte-rel"
  echo "== building (release preset) in $build"
  if [[ ! -f "$build/build.ninja" ]]; then
    cmake --preset release -B "$build" >/dev/null
  fi
  ninja -C "$build" -j2 flow-airbyte-shim >/dev/null
  limit_shim="$build/limit_shim"
  limit_dom="$build/limit_dom"
  g++ -O2 -std=c++17 "$shared/limit_shim.cpp" -lsimdjson -o "$limit_shim"
  g++ -O2 -std=c++17 "$shared/limit_dom.cpp" -lsimdjson -o "$limit_dom"
fi
shim="$build/bin/flow-airbyte-shim"
for bin in "$shim" "$limit_shim" "$limit_dom"; do
  [[ -x "$bin" ]] || { echo "run.sh: $bin is not built" >&2; exit 1; }
done

echo "== generating the transcript ($records records)"
python3 "$shared/gen_airbyte.py" "$records" > "$work/ab.jsonl"
bytes=$(stat -c %s "$work/ab.jsonl")
echo "   $((bytes / 1000000)) MB"

binding() {
  printf '{"resourceConfig":{"stream":"%s","syncMode":"incremental","cursorField":["updated_at"]},"resourcePath":["%s"],"collection":{"name":"acmeCo/%s","key":["/id"],"writeSchema":{"type":"object"}},"stateKey":"%s"}' "$1" "$1" "$1" "$1"
}
open_request="{\"open\":{\"capture\":{\"name\":\"acmeCo/bench\",\"config\":{},\"bindings\":[$(binding users),$(binding orders),$(binding events)]},\"range\":{\"keyEnd\":4294967295,\"rClockEnd\":4294967295},\"state\":{}}}"

# Wall seconds since $1 (an $EPOCHREALTIME), microsecond resolution.
elapsed_since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.6f", e - s }'; }

# Runs the shim on $1 with stdin kept open (a FIFO held by fd 3) so the session ends when the
# read does, its output to $2 (default /dev/null); prints "<seconds> <max RSS KiB>".
run_shim() {
  local transcript="$1" output="${2:-/dev/null}" start
  rm -f "$work/requests"
  mkfifo "$work/requests"
  exec 3<>"$work/requests"
  echo "$open_request" >&3
  start=$EPOCHREALTIME
  AIRBYTE_TRANSCRIPT="$transcript" LOG_LEVEL=warn /usr/bin/time -f "%M" -o "$work/time" \
    "$shim" -- "$repo/bench/airbyte-shim/cat_source.sh" < "$work/requests" > "$output"
  echo "$(elapsed_since "$start") $(cat "$work/time")"
  exec 3>&-
}

# Runs "$@" on stdin $1, stdout to /dev/null; prints "<seconds> <max RSS KiB>".
run_baseline() {
  local input="$1" start
  shift
  start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$work/time" "$@" < "$input" > /dev/null 2>"$work/baseline.err"
  echo "$(elapsed_since "$start") $(cat "$work/time")"
}

# The lower of two times; "" (no time yet) loses.
min_time() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

# `cat transcript | cat`, stdout to /dev/null; prints "<seconds> <max RSS KiB>" of the pipeline.
run_cat_pipe() {
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$work/time" sh -c 'cat "$1" | cat > /dev/null' sh "$1"
  echo "$(elapsed_since "$start") $(cat "$work/time")"
}

# Three rounds, each running every program once (so a change in the machine's load hits them
# alike); each program's best (lowest) time counts.
echo "== $((bytes / 1000000)) MB: best of 3 interleaved rounds"
t_cat="" t_pipe="" t_limit="" t_dom="" t_shim="" t_py=""
for _ in 1 2 3; do
  line=$(run_baseline "$work/ab.jsonl" cat); t_cat=$(min_time "$t_cat" "${line%% *}")
  line=$(run_cat_pipe "$work/ab.jsonl"); t_pipe=$(min_time "$t_pipe" "${line%% *}")
  line=$(run_baseline "$work/ab.jsonl" "$limit_shim"); t_limit=$(min_time "$t_limit" "${line%% *}")
  line=$(run_baseline "$work/ab.jsonl" "$limit_dom"); t_dom=$(min_time "$t_dom" "${line%% *}")
  line=$(run_shim "$work/ab.jsonl"); t_shim=$(min_time "$t_shim" "${line%% *}")
  line=$(run_baseline "$work/ab.jsonl" python3 "$shared/py_shim.py"); t_py=$(min_time "$t_py" "${line%% *}")
done

run_shim "$work/ab.jsonl" "$work/shim.out" > /dev/null  # once more, to check its output
captured=$(grep -c '"captured"' "$work/shim.out" || true)
checkpoints=$(grep -c '"checkpoint"' "$work/shim.out" || true)
echo "   shim output: $captured captured, $checkpoints checkpoints"
rm -f "$work/shim.out"
if [[ "$captured" -ne "$records" ]]; then
  echo "run.sh: expected $records captured documents, got $captured" >&2
  exit 1
fi
printf '   cat %.3fs | cat|cat %.3fs | limit_shim %.3fs | limit_dom %.3fs | flow-airbyte-shim %.3fs | py_shim %.3fs\n' \
  "$t_cat" "$t_pipe" "$t_limit" "$t_dom" "$t_shim" "$t_py"
awk -v l="$t_limit" -v s="$t_shim" -v p="$t_py" -v b="$bytes" 'BEGIN {
  printf "   shim throughput %.0f MB/s\n", b / s / 1e6;
  printf "   shim vs limit_shim: %.2fx (target >= 0.5x)\n", l / s;
  printf "   shim vs py_shim:    %.1fx (target >= 20x)\n", p / s }'
size_label="$((bytes / 1000000)) MB transcript"
mbps() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.4g", b / t / 1e6 }'; }
row() { local IFS=$'\t'; echo "ROW	$*"; }
row "Airbyte shim: \`flow-airbyte-shim\` read, $size_label (\`cat\` child)" "$(mbps "$t_shim")" MB/s \
  "best of 3" "\`limit_shim\` (simdjson splice ceiling)" "$(mbps "$t_limit")" ">= 0.5x"
row "Airbyte shim: the same" "$(mbps "$t_shim")" MB/s "best of 3" \
  "\`limit_dom\` (simdjson DOM parse + minify)" "$(mbps "$t_dom")" "-"
row "Airbyte shim: the same" "$(mbps "$t_shim")" MB/s "best of 3" \
  "\`py_shim.py\` ($(python3 --version 2>&1))" "$(mbps "$t_py")" ">= 20x"
row "Airbyte shim: the same" "$(mbps "$t_shim")" MB/s "best of 3" \
  "\`cat | cat\` of the transcript" "$(mbps "$t_pipe")" "-"

echo "== ~10x (the transcript 10 times): peak RSS"
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$work/ab.jsonl"; done > "$work/ab1g.jsonl"
rm -f "$work/ab.jsonl"
line=$(run_shim "$work/ab1g.jsonl")
largest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$work/ab1g.jsonl")
printf '   %s bytes in %ss, peak RSS %d KiB (%.1f MB); largest record %d bytes (target <= 64 MB + that)\n' \
  "$(stat -c %s "$work/ab1g.jsonl")" "${line%% *}" "${line##* }" "$(awk -v k="${line##* }" 'BEGIN{print k/1024}')" "$largest"
big_mb=$(( $(stat -c %s "$work/ab1g.jsonl") / 1000000 ))
row "Airbyte shim: peak RSS, $big_mb MB transcript" \
  "$(awk -v k="${line##* }" 'BEGIN { printf "%.4g", k / 1024 }')" MiB "1 run" \
  "the target: 64 MiB + the largest record" \
  "$(awk -v l="$largest" 'BEGIN { printf "%.4g", 64 + l / 1048576 }')" "<= 1x"
