# SPDX-License-Identifier: Apache-2.0
"""A minimal capture connector speaking the Flow JSON protocol, for flow-local's tests.

Each deliberately broken connector in this folder imports it and overrides one answer, so that
exactly one conformance rule is violated. By default it answers spec/discover/validate/apply
correctly and, on open, sends `opened`, two documents and a checkpoint, then exits 0.
"""
import json
import sys

SPEC = {
    "protocol": 3032023,
    "configSchema": {"type": "object"},
    "resourceConfigSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
    "documentationUrl": "https://example.com/fake",
    "resourcePathPointers": ["/name"],
}


def emit(message):
    """Writes one response line; a str is written verbatim (to break the framing on purpose)."""
    sys.stdout.write(message if isinstance(message, str) else json.dumps(message, separators=(",", ":")))
    sys.stdout.write("\n")
    sys.stdout.flush()


def captured(binding, doc):
    emit({"captured": {"binding": binding, "doc": doc}})


def checkpoint(updated=None, merge_patch=True):
    emit({"checkpoint": {"state": {"updated": updated or {}, "mergePatch": merge_patch}}})


def default_open(open_request):
    emit({"opened": {}})
    captured(0, {"id": 1, "name": "one"})
    captured(0, {"id": 2, "name": "two"})
    checkpoint({"cursor": 2})


def default_validated(bindings):
    return {"validated": {"bindings": [{"resourcePath": [b["resourceConfig"]["name"]]} for b in bindings]}}


DISCOVERED = {"discovered": {"bindings": [{
    "recommendedName": "things",
    "resourceConfig": {"name": "things"},
    "documentSchema": {"type": "object", "properties": {"id": {"type": "integer"}}},
    "key": ["/id"],
}]}}


def serve(spec=None, validated=default_validated, on_open=default_open, on_spec=None,
          discovered=None):
    """Answers requests until EOF (or until on_open returns: the session is over)."""
    for line in sys.stdin:
        request = json.loads(line)
        if "spec" in request:
            if on_spec is not None:
                on_spec(request["spec"])
            else:
                emit({"spec": spec or SPEC})
        elif "discover" in request:
            emit(discovered or DISCOVERED)
        elif "validate" in request:
            emit(validated(request["validate"].get("bindings", [])))
        elif "apply" in request:
            emit({"applied": {"actionDescription": ""}})
        elif "open" in request:
            on_open(request["open"])
            return
        else:
            sys.stderr.write('{"level":"error","message":"unexpected request"}\n')
            sys.exit(1)
