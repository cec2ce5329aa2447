#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A deliberately wrong materialization for flow-local's conformance checks. The mode is the
# first argument:
#   pointers        - its spec carries resourcePathPointers (a capture-only field)
#   flushed-first   - answers flush with flushed before it sent acknowledged... by never
#                     sending acknowledged at all, and flushed right after the first load
#   talks-in-stores - sends an acknowledged while stores arrive
#   stateful        - a correct one that counts stores in its state (startedCommit.state,
#                     merge patch) and logs the state it was opened with
import json
import sys

mode = sys.argv[1]

SPEC = {"protocol": 3032023, "configSchema": {"type": "object"},
        "resourceConfigSchema": {"type": "object"}}
if mode == "pointers":
    SPEC["resourcePathPointers"] = ["/table"]


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


stored = 0
for line in sys.stdin:
    request = json.loads(line)
    kind = next(iter(request))
    body = request[kind]
    if kind == "spec":
        send({"spec": SPEC})
    elif kind == "validate":
        out = []
        for b in body["bindings"]:
            constraints = [{"field": p["field"], "constraint": {"type": "FIELD_OPTIONAL"}}
                           for p in b["collection"].get("projections", [])]
            out.append({"projectionConstraints": constraints,
                        "resourcePath": [b["resourceConfig"].get("table", "t")]})
        send({"validated": {"bindings": out}})
    elif kind == "apply":
        send({"applied": {}})
    elif kind == "open":
        stored = body.get("state", {}).get("stored", 0)
        sys.stderr.write(json.dumps({"level": "info", "message": "opened with state",
                                     "fields": {"state": body.get("state", {})}}) + "\n")
        sys.stderr.flush()
        send({"opened": {}})
    elif kind == "acknowledge":
        if mode != "flushed-first":
            send({"acknowledged": {}})
    elif kind == "load":
        if mode == "flushed-first":
            send({"flushed": {}})
    elif kind == "flush":
        send({"flushed": {}})
    elif kind == "store":
        if mode == "talks-in-stores":
            send({"acknowledged": {}})
        stored = stored + 1 if mode == "stateful" else 0
    elif kind == "startCommit":
        if mode == "stateful":
            send({"startedCommit": {"state": {"updated": {"stored": stored}, "mergePatch": True}}})
        else:
            send({"startedCommit": {}})
