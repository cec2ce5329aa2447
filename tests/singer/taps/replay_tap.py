#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Replays a recorded Singer tap (../shared/fixtures/singer/<tap>/): `--discover` prints the
recorded discover output, a sync prints the recorded sync output (with state when --state is
given). REPLAY_DIR names the fixture folder."""
import os
import sys

folder = os.environ["REPLAY_DIR"]
args = sys.argv[1:]
if "--discover" in args:
    name = "discover.stdout.jsonl"
elif "--state" in args:
    name = "sync-with-state.stdout.jsonl"
else:
    name = "sync.stdout.jsonl"
with open(os.path.join(folder, name)) as f:
    sys.stdout.write(f.read())
