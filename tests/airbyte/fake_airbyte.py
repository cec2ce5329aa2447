#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in Airbyte source for the shim tests: it replays recorded stdout transcripts.

    fake_airbyte.py spec|check|discover|read [--config F] [--catalog F] [--state F]

Environment:
  FAKE_SPEC, FAKE_CHECK, FAKE_DISCOVER, FAKE_READ  transcript printed for that command
  FAKE_EXIT                                        exit code after printing (default 0)
  FAKE_MODE  hang       (read) print the transcript, then sleep (never exit)
             huge       print one RECORD of stream FAKE_STREAM whose data holds a string of
                        FAKE_HUGE_BYTES bytes, then a STREAM STATE
             sigkill    (read) print the transcript, then kill itself with SIGKILL
  FAKE_RECORD_DIR  for each run, append a JSON line to runs.jsonl there: the command, and
                   for --config/--catalog/--state the path, contents and file/dir modes
"""
import json
import os
import signal
import stat
import sys
import time


def record_run(command, args):
    record_dir = os.environ.get("FAKE_RECORD_DIR")
    if not record_dir:
        return
    run = {"command": command}
    for flag in ("--config", "--catalog", "--state"):
        if flag in args:
            path = args[args.index(flag) + 1]
            with open(path) as f:
                contents = json.load(f)
            run[flag[2:]] = {
                "path": path,
                "contents": contents,
                "mode": oct(stat.S_IMODE(os.stat(path).st_mode)),
                "dir_mode": oct(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)),
            }
    with open(os.path.join(record_dir, "runs.jsonl"), "a") as f:
        f.write(json.dumps(run) + "\n")


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    record_run(command, sys.argv[2:])
    mode = os.environ.get("FAKE_MODE", "")
    out = sys.stdout
    if mode == "huge" and command == "read":
        stream = os.environ.get("FAKE_STREAM", "FileRevisions")
        size = int(os.environ.get("FAKE_HUGE_BYTES", str(100 << 20)))
        out.write('{"type":"RECORD","record":{"stream":"%s","emitted_at":1,"data":{"id":1,"blob":"' % stream)
        chunk = "x" * (1 << 20)
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write("x" * (size % len(chunk)))
        out.write('"}}}\n')
        out.write('{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"%s"},"stream_state":{"done":true}}}}\n' % stream)
    else:
        transcript = os.environ.get("FAKE_" + command.upper())
        if transcript:
            with open(transcript) as f:
                out.write(f.read())
    out.flush()
    if mode == "hang" and command == "read":
        time.sleep(600)
    if mode == "sigkill" and command == "read":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.exit(int(os.environ.get("FAKE_EXIT", "0")))


if __name__ == "__main__":
    main()
