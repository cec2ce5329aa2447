#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# flow-local preview throughput against the raw cost of reading the connector's stdout.
#
#   bench/flow-local/run.sh [FLOW_LOCAL_BIN] [DOCS]
#
# Builds the release preset (build/release) unless FLOW_LOCAL_BIN is given, generates a
# transcript of DOCS captured documents (default 400000, ~130 MB), and times, best of 3
# interleaved rounds:
#   baseline    cat transcript | cat > /dev/null        (reading the connector's raw stdout)
#   no-validate flow-local --no-validate preview        (envelope, binding, key checks, printing)
#   validate    flow-local preview                      (+ JSON-schema validation per document)
# and prints each as a ratio to the baseline. Target: no-validate <= 1.3x.
# Besides its own lines it prints bench/run's ROW lines (format: the top of bench/run).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
docs=${2:-400000}
if [ $# -ge 1 ]; then
  flow_local=$1
else
  cmake --preset release -S "$root" >/dev/null
  ninja -C "$root/build/release" -j2 flow-local >/dev/null
  flow_local="$root/build/release/bin/flow-local"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/flow-local-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_transcript.py" "$docs" > "$work/transcript.jsonl"
sed -e "s#@CONNECTOR@#$here/replay_connector.sh#" -e "s#@TRANSCRIPT@#$work/transcript.jsonl#" \
  "$here/bench.flow.yaml.in" > "$work/bench.flow.yaml"
bytes=$(wc -c < "$work/transcript.jsonl")

# "wall cpu" seconds of a shell command (cpu = user+sys of everything it ran, connector
# included; steadier than wall time on a busy machine). bash's `time` keyword gives
# milliseconds where /usr/bin/time gives hundredths.
measure() {
  { TIMEFORMAT='%3R %3U %3S'; time sh -c "$1" >/dev/null; } 2>&1 | tail -1 |
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
}
min_time() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

# Sanity: every document comes out.
out_lines=$("$flow_local" --no-validate preview --source "$work/bench.flow.yaml" | wc -l)
[ "$out_lines" -eq "$docs" ] || { echo "expected $docs output lines, got $out_lines" >&2; exit 1; }

# Three rounds, each running every command once (a change in the machine's load hits them
# alike); the best (lowest) wall and cpu time of each command count.
base_cmd="cat '$work/transcript.jsonl' | cat > /dev/null"
fast_cmd="'$flow_local' --no-validate preview --source '$work/bench.flow.yaml' > /dev/null"
full_cmd="'$flow_local' preview --source '$work/bench.flow.yaml' > /dev/null"
base_w="" base_c="" fast_w="" fast_c="" full_w="" full_c=""
for _ in 1 2 3; do
  set -- $(measure "$base_cmd"); base_w=$(min_time "$base_w" "$1"); base_c=$(min_time "$base_c" "$2")
  set -- $(measure "$fast_cmd"); fast_w=$(min_time "$fast_w" "$1"); fast_c=$(min_time "$fast_c" "$2")
  set -- $(measure "$full_cmd"); full_w=$(min_time "$full_w" "$1"); full_c=$(min_time "$full_c" "$2")
done

mb=$(echo "$bytes / 1048576" | bc -l)
ratio() { echo "if ($2 > 0) $1 / $2 else 0" | bc -l; }
printf 'flow-local preview, %d documents, %.1f MiB (best of 3; cpu = user+sys incl. connector)\n' "$docs" "$mb"
printf '  %-28s %7s %7s %8s %8s\n' "" "wall s" "cpu s" "wall x" "cpu x"
printf '  %-28s %7.3f %7.3f %8.2f %8.2f\n' "baseline: cat | cat" "$base_w" "$base_c" 1 1
printf '  %-28s %7.3f %7.3f %8.2f %8.2f\n' "preview --no-validate" "$fast_w" "$fast_c" "$(ratio "$fast_w" "$base_w")" "$(ratio "$fast_c" "$base_c")"
printf '  %-28s %7.3f %7.3f %8.2f %8.2f\n' "preview (schema validation)" "$full_w" "$full_c" "$(ratio "$full_w" "$base_w")" "$(ratio "$full_c" "$base_c")"
row() { printf 'ROW\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
label="$docs documents, $(printf '%.0f' "$mb") MiB"
row "flow-local: \`preview --no-validate\`, $label, CPU (incl. connector)" "$fast_c" "s CPU" "best of 3" \
  "\`cat | cat\` of the connector's stdout" "$base_c" "<= 1.3x"
row "flow-local: the same, wall time" "$fast_w" "s" "best of 3" \
  "\`cat | cat\` of the connector's stdout" "$base_w" "-"
row "flow-local: \`preview\` with schema validation, CPU" "$full_c" "s CPU" "best of 3" \
  "\`cat | cat\` of the connector's stdout" "$base_c" "-"
