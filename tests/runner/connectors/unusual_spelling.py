# SPDX-License-Identifier: Apache-2.0
# A correct connector with unusual but valid JSON: spaces after separators, `doc` before
# `binding`, and the proto spelling `doc_json`. Its documents must be accepted and printed.
import json
import sys


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")  # default separators: ", " and ": "
    sys.stdout.flush()


import fake_capture

fake_capture.emit = emit


def on_open(_):
    emit({"opened": {}})
    emit({"captured": {"doc": {"id": 1, "name": "one"}, "binding": 0}})
    emit({"captured": {"binding": 0, "doc_json": {"id": 2}}})
    emit({"checkpoint": {"state": {"updated": {}, "mergePatch": True}}})


fake_capture.serve(on_open=on_open)
