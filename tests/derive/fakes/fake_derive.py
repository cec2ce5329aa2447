#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A derive connector that misbehaves on purpose (argv[1] picks how), for flow-local's
conformance checks. Mode "ok" is a correct pass-through derivation."""
import json
import sys

mode = sys.argv[1] if len(sys.argv) > 1 else "ok"


def send(message):
    print(json.dumps(message, separators=(",", ":")), flush=True)


for line in sys.stdin:
    request = json.loads(line)
    if "spec" in request:
        spec = {"protocol": 3032023, "configSchema": {}, "resourceConfigSchema": {}}
        if mode == "spec-pointers":
            spec["resourcePathPointers"] = ["/x"]
        send({"spec": spec})
    elif "validate" in request:
        count = len(request["validate"]["transforms"]) + (1 if mode == "validated-count" else 0)
        send({"validated": {"transforms": [{} for _ in range(count)]}})
    elif "open" in request:
        send({"opened": {}})
    elif "read" in request:
        send({"published": {"doc": request["read"]["doc"]}})
    elif "flush" in request:
        send({"flushed": {}})
        if mode == "published-after-flushed":
            send({"published": {"doc": {"id": 9}}})
    elif "startCommit" in request:
        if mode == "state-not-object":
            send({"startedCommit": {"state": "x"}})
        elif mode == "exit-mid-transaction":
            sys.exit(0)
        else:
            send({"startedCommit": {"state": {"updated": {"n": 1}, "mergePatch": True}}})
