#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small Singer tap (stdlib only) for the Singer shim's live tests.

Streams:
  users   FULL_TABLE, keyed by id, versioned: RECORDs carry `version`, then ACTIVATE_VERSION.
  events  INCREMENTAL on `ts` (bookmarked in STATE, resumed from --state).
  files   FULL_TABLE, keyed by name, delivered as a BATCH message naming a real jsonl.gz file.

Config: {"users": [ids...], "users_after_resume": [ids...], "events": N, "batch_dir": "/path",
         "version": V,
         "fault": "" | "record_before_schema" | "unknown_stream" | "malformed" | "crash" |
                  "missing_batch" | "hang"}
"""
import argparse
import gzip
import json
import os
import sys
import time

SETTINGS = {
    "type": "object",
    "properties": {
        "users": {"type": "array", "items": {"type": "integer"}},
        "events": {"type": "integer"},
        "batch_dir": {"type": "string"},
        "version": {"type": "integer"},
        "fault": {"type": "string"},
        "api_key": {"type": "string", "secret": True},
    },
    "required": ["batch_dir"],
}

SCHEMAS = {
    "users": {"type": "object", "properties": {"id": {"type": ["null", "integer"]},
                                               "name": {"type": ["null", "string"]}}},
    "events": {"type": "object", "properties": {"seq": {"type": "integer"},
                                                "ts": {"type": "string", "format": "date-time"}}},
    "files": {"type": "object", "properties": {"name": {"type": "string"},
                                               "size": {"type": "integer"}}},
}


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def metric(name, value, stream):
    sys.stderr.write("INFO METRIC: " + json.dumps(
        {"type": "counter", "metric": name, "value": value, "tags": {"endpoint": stream}}) + "\n")


def discover():
    streams = []
    for name, schema in SCHEMAS.items():
        key = {"users": ["id"], "events": ["seq"], "files": ["name"]}[name]
        meta = {"inclusion": "available", "table-key-properties": key,
                "selected-by-default": True}
        if name == "events":
            meta["valid-replication-keys"] = ["ts"]
        else:
            meta["forced-replication-method"] = "FULL_TABLE"
        streams.append({"tap_stream_id": name, "stream": name, "schema": schema,
                        "metadata": [{"breadcrumb": [], "metadata": meta}] + [
                            {"breadcrumb": ["properties", p], "metadata": {
                                "inclusion": "automatic" if p in key else "available"}}
                            for p in schema["properties"]]})
    # Pretty-printed over many lines, as many taps do.
    print(json.dumps({"streams": streams}, indent=2))


def selected_streams(catalog):
    chosen = {}
    for entry in catalog.get("streams", []):
        for item in entry.get("metadata", []):
            if item.get("breadcrumb") == [] and item.get("metadata", {}).get("selected"):
                chosen[entry["tap_stream_id"]] = item["metadata"]
    return chosen


def sync(config, catalog, state):
    selected = selected_streams(catalog)
    fault = config.get("fault", "")
    bookmarks = state.get("bookmarks", {})
    # A resumed full-table sync writes the next table version (as singer-io taps do), and
    # `users_after_resume` lets a test remove rows between sessions.
    resumed = "version" in bookmarks.get("users", {})
    version = bookmarks["users"]["version"] + 1 if resumed else int(config.get("version", 1))
    users = config.get("users_after_resume" if resumed else "users", [1, 2, 3])
    sys.stderr.write("INFO Starting sync of %s\n" % ",".join(sorted(selected)))

    if fault == "record_before_schema":
        emit({"type": "RECORD", "stream": "users", "record": {"id": 1}})
    if fault == "hang":
        time.sleep(3600)

    if "users" in selected:
        emit({"type": "SCHEMA", "stream": "users", "schema": SCHEMAS["users"],
              "key_properties": ["id"]})
        for uid in users:
            emit({"type": "RECORD", "stream": "users", "record": {"id": uid, "name": "user%d" % uid},
                  "version": version, "time_extracted": "2024-05-01T00:00:00.000000Z"})
        emit({"type": "ACTIVATE_VERSION", "stream": "users", "version": version})
        bookmarks["users"] = {"version": version}
        emit({"type": "STATE", "value": {"bookmarks": bookmarks, "currently_syncing": "events"}})
        metric("record_count", len(users), "users")

    if fault == "unknown_stream":
        emit({"type": "SCHEMA", "stream": "ghosts", "schema": {}, "key_properties": []})
        emit({"type": "RECORD", "stream": "ghosts", "record": {"boo": True}})
    if fault == "malformed":
        sys.stdout.write('{"type": "RECORD", "stream": "users", "record": {"id": 9\n')
        sys.stdout.flush()
    if fault == "crash":
        sys.stderr.write("ERROR something broke in the API client\n")
        sys.stderr.flush()
        os._exit(3)

    if "events" in selected:
        emit({"type": "SCHEMA", "stream": "events", "schema": SCHEMAS["events"],
              "key_properties": ["seq"], "bookmark_properties": ["ts"]})
        start = int(bookmarks.get("events", {}).get("seq", 0))
        sys.stderr.write("INFO events resume after seq %d\n" % start)
        for seq in range(start + 1, start + 1 + int(config.get("events", 5))):
            emit({"type": "RECORD", "stream": "events",
                  "record": {"seq": seq, "ts": "2024-05-01T00:00:%02dZ" % (seq % 60)}})
            if seq % 2 == 0:
                bookmarks["events"] = {"seq": seq, "ts": "2024-05-01T00:00:%02dZ" % (seq % 60)}
                emit({"type": "STATE", "value": {"bookmarks": bookmarks,
                                                 "currently_syncing": "events"}})
        bookmarks["events"] = {"seq": start + int(config.get("events", 5))}
        emit({"type": "STATE", "value": {"bookmarks": bookmarks, "currently_syncing": None}})

    if "files" in selected:
        emit({"type": "SCHEMA", "stream": "files", "schema": SCHEMAS["files"],
              "key_properties": ["name"]})
        path = os.path.join(config["batch_dir"], "files batch.jsonl.gz")
        if fault != "missing_batch":
            with gzip.open(path, "wt") as out:
                for i in range(3):
                    out.write(json.dumps({"name": "f%d.txt" % i, "size": 100 * i}) + "\n")
        uri = "file://" + path.replace(" ", "%20")
        emit({"type": "BATCH", "stream": "files",
              "encoding": {"format": "jsonl", "compression": "gzip"}, "manifest": [uri]})
        emit({"type": "STATE", "value": {"bookmarks": bookmarks}})
    sys.stderr.write("INFO Sync completed\n")


def main():
    parser = argparse.ArgumentParser(prog="tap-fixture")
    parser.add_argument("-c", "--config")
    parser.add_argument("-s", "--state")
    parser.add_argument("-p", "--properties")
    parser.add_argument("--catalog")
    parser.add_argument("-d", "--discover", action="store_true")
    parser.add_argument("--about", action="store_true")
    parser.add_argument("--format")
    parser.add_argument("--test", action="store_true")
    args = parser.parse_args()
    if args.about:
        print(json.dumps({"name": "tap-fixture", "capabilities": ["catalog", "discover", "state"],
                          "settings": SETTINGS}))
        return
    if not args.config:
        parser.error("--config is required")
    with open(args.config) as f:
        config = json.load(f)
    # The shim must hand us private files.
    if os.stat(args.config).st_mode & 0o077:
        sys.exit("config file is readable by others")
    if args.discover:
        discover()
        return
    if args.test:  # Meltano-style connection test: one record, or a failure
        if config.get("fault") == "test_fails":
            sys.stderr.write("ERROR invalid api_key: 401 Unauthorized\n")
            sys.exit(1)
        emit({"type": "SCHEMA", "stream": "users", "schema": SCHEMAS["users"],
              "key_properties": ["id"]})
        emit({"type": "RECORD", "stream": "users", "record": {"id": 1}})
        return
    catalog_path = args.catalog or args.properties
    with open(catalog_path) as f:
        catalog = json.load(f)
    state = {}
    if args.state:
        with open(args.state) as f:
            state = json.load(f)
    sync(config, catalog, state)


if __name__ == "__main__":
    main()
