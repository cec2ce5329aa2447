#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Singer shim throughput against the simdjson splice ceiling, measured in the same run.

  run_bench.py SHIM_BIN LIMIT_SHIM_BIN [RECORDS]

Writes a Singer transcript (gen_singer.py) and the Airbyte transcript of the same record count
(../shared/bench/gen_airbyte.py), then times:
  - limit_shim < airbyte transcript > /dev/null        (the ceiling, ../shared/bench)
  - flow-singer-shim, opened with three bindings, its tap being `cat` of the Singer transcript,
    its responses to /dev/null as limit_shim's (a Python reader of the responses would be
    timed too: counting 100 MB of responses in Python took as long as the shim itself); one
    more, untimed run reads the responses and checks that every record was captured
and prints the ratio (ceiling time / shim time; 1.0 = as fast as the ceiling) and the shim's
peak RSS, for the full transcript and for a quarter of it (flat memory: the RSS should not grow
with the input). Besides its own lines it prints bench/run's ROW lines (format: the top of
bench/run).
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench"))


def time_limit(limit_bin, transcript):
    def once():
        with open(transcript, "rb") as stdin, open(os.devnull, "wb") as devnull:
            start = time.perf_counter()
            subprocess.run([limit_bin], stdin=stdin, stdout=devnull, stderr=subprocess.DEVNULL,
                           check=True)
            return time.perf_counter() - start
    return once


def run_shim(shim_bin, transcript, workdir, count=False):
    """Returns (seconds, peak RSS in KiB, captured docs, checkpoints); the responses go to
    /dev/null, or with `count` are read and counted (docs and checkpoints are None without)."""
    schema_path = os.path.join(workdir, "config-schema.json")
    with open(schema_path, "w") as f:
        json.dump({"type": "object"}, f)
    bindings = [{"resourceConfig": {"tap_stream_id": s, "stream": s},
                 "resourcePath": [s],
                 "collection": {"name": "bench/" + s, "writeSchema": {"type": "object"},
                                "key": ["/id"]},
                 "stateKey": s} for s in ("users", "orders", "events")]
    requests = (json.dumps({"spec": {"connectorType": "LOCAL", "config": {}}}) + "\n" +
                json.dumps({"open": {"capture": {"name": "bench/singer", "config": {},
                                                 "bindings": bindings},
                                     "range": {"keyEnd": 4294967295, "rClockEnd": 4294967295},
                                     "state": {}}}) + "\n")
    argv = [shim_bin, "--config-schema", schema_path, "--catalog-flag", "catalog",
            "--no-discover-on-open", "--", "sh", "-c", 'exec cat "$0"', transcript]
    devnull = open(os.devnull, "wb")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE if count else devnull,
                            stderr=subprocess.DEVNULL)
    proc.stdin.write(requests.encode())
    proc.stdin.flush()  # stdin stays open: EOF would end the session
    docs = checkpoints = None
    if count:
        docs = checkpoints = 0
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            docs += chunk.count(b'{"captured"')
            checkpoints += chunk.count(b'{"checkpoint"')
    _, status, usage = os.wait4(proc.pid, 0)
    devnull.close()
    elapsed = time.perf_counter() - start
    proc.stdin.close()
    if status != 0:
        sys.exit("flow-singer-shim failed (status %d)" % status)
    return elapsed, usage.ru_maxrss, docs, checkpoints


def row(measure, figure, unit, statistic, baseline="-", baseline_figure=None, target="-"):
    """One line of bench/run's table: ROW, then tab-separated fields."""
    fields = [measure, "%.4g" % figure, unit, statistic, baseline,
              "-" if baseline_figure is None else "%.4g" % baseline_figure, target]
    print("\t".join(["ROW"] + fields), flush=True)


def main():
    shim_bin, limit_bin = sys.argv[1], sys.argv[2]
    records = int(sys.argv[3]) if len(sys.argv) > 3 else 264313  # ~100 MB
    with tempfile.TemporaryDirectory(prefix="singer-bench-") as workdir:
        sizes = {}
        results = {}
        for label, n in (("quarter", records // 4), ("full", records)):
            singer = os.path.join(workdir, "singer-%s.jsonl" % label)
            airbyte = os.path.join(workdir, "airbyte-%s.jsonl" % label)
            with open(singer, "w") as f:
                subprocess.run([sys.executable, os.path.join(HERE, "gen_singer.py"), str(n)],
                               stdout=f, check=True)
            with open(airbyte, "w") as f:
                subprocess.run([sys.executable, os.path.join(SHARED, "gen_airbyte.py"), str(n)],
                               stdout=f, check=True)
            sizes[label] = (os.path.getsize(singer), os.path.getsize(airbyte))
            # Three interleaved rounds (a change in the machine's load hits both alike).
            limit_once = time_limit(limit_bin, airbyte)
            limit_times, shim_runs = [], []
            for _ in range(3):
                limit_times.append(limit_once())
                shim_runs.append(run_shim(shim_bin, singer, workdir))
            limit = min(limit_times)
            shim = min(r[0] for r in shim_runs)
            rss = max(r[1] for r in shim_runs)
            _, _, docs, checkpoints = run_shim(shim_bin, singer, workdir, count=True)
            if docs != n:
                sys.exit("expected %d documents, got %d" % (n, docs))
            results[label] = (limit, shim, rss, checkpoints)
            print("%-7s records=%d singer=%.1fMB airbyte=%.1fMB  limit_shim=%.3fs  "
                  "flow-singer-shim=%.3fs  ratio=%.2fx  shim MB/s=%.0f  peak RSS=%.1f MiB  "
                  "checkpoints=%d" % (label, n, sizes[label][0] / 1e6, sizes[label][1] / 1e6,
                                      limit, shim, limit / shim, sizes[label][0] / 1e6 / shim,
                                      rss / 1024.0, checkpoints))
        growth = results["full"][2] / results["quarter"][2]
        print("RSS full / quarter = %.2f (flat memory: close to 1)" % growth)
        limit, shim, rss, _ = results["full"]
        row("Singer shim: `flow-singer-shim` read, %d records (%.0f MB, `cat` tap)"
            % (records, sizes["full"][0] / 1e6), records / shim / 1e3, "k records/s", "best of 3",
            "`limit_shim` on the Airbyte transcript of the same records", records / limit / 1e3,
            ">= 0.5x")
        row("Singer shim: peak RSS, %d records" % records, rss / 1024.0, "MiB", "max of 3",
            "the same on a quarter of the records", results["quarter"][2] / 1024.0,
            "flat: ~1x")


if __name__ == "__main__":
    main()
