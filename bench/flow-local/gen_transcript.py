# SPDX-License-Identifier: Apache-2.0
"""Writes a capture transcript for the flow-local benchmark: N `captured` lines (~300-byte
documents over three bindings) with a checkpoint every CHECKPOINT_EVERY documents and one at
the end, exactly what a connector would write after `opened`.

Usage: python3 gen_transcript.py N [CHECKPOINT_EVERY] > transcript.jsonl
"""
import json
import sys


def main():
    n = int(sys.argv[1])
    every = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    out = sys.stdout
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    for i in range(1, n + 1):
        binding = i % 3
        doc = {
            "id": i,
            "user": {"name": f"user-{i % 977}", "email": f"user{i % 977}@example.com", "tier": i % 4},
            "event": ["click", "view", "purchase"][binding],
            "amount": round(i * 0.37 % 1000, 2),
            "tags": ["alpha", "beta", "gamma"][: 1 + i % 3],
            "created_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z",
            "note": "Lorem ipsum dolor sit amet, consectetur adipiscing elit \u00e9\u00e8",
        }
        out.write('{"captured":{"binding":%d,"doc":%s}}\n' % (binding, dumps(doc)))
        if i % every == 0 or i == n:
            out.write('{"checkpoint":{"state":{"updated":{"cursor":%d},"mergePatch":true}}}\n' % i)


main()
