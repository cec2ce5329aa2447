#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a Singer tap's stdout for the shim benchmark: a SCHEMA per stream, then RECORD lines
for three streams (the same records as ../shared/bench/gen_airbyte.py makes for Airbyte) with a
STATE every K records.

Usage: gen_singer.py N [STATE_EVERY] > transcript.jsonl
"""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
state_every = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rnd = random.Random(42)
streams = ["users", "orders", "events"]
words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "ünïcødé",
         "quote\"d", "tab\t"]
out = sys.stdout
schema = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
    "score": {"type": "number"}, "active": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "address": {"type": "object"}, "updated_at": {"type": "string", "format": "date-time"},
    "note": {"type": ["null", "string"]}}}
for s in streams:
    out.write(json.dumps({"type": "SCHEMA", "stream": s, "schema": schema,
                          "key_properties": ["id"]}, separators=(",", ":")) + "\n")
bookmarks = {}
for i in range(n):
    s = streams[i % 3]
    record = {
        "id": i, "name": " ".join(rnd.choice(words) for _ in range(3)),
        "email": f"user{i}@example.com", "score": rnd.random() * 1000, "active": i % 2 == 0,
        "tags": [rnd.choice(words) for _ in range(3)],
        "address": {"city": rnd.choice(words), "zip": f"{rnd.randint(10000, 99999)}",
                    "geo": {"lat": rnd.uniform(-90, 90), "lon": rnd.uniform(-180, 180)}},
        "updated_at": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}T12:34:56Z", "note": None}
    out.write(json.dumps({"type": "RECORD", "stream": s, "record": record,
                          "time_extracted": "2024-05-01T00:00:00.000000Z"},
                         ensure_ascii=False, separators=(",", ":")) + "\n")
    if (i + 1) % state_every == 0:
        bookmarks[s] = {"cursor": i}
        out.write(json.dumps({"type": "STATE", "value": {"bookmarks": bookmarks}},
                             separators=(",", ":")) + "\n")
