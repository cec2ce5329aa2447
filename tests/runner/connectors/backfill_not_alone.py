# SPDX-License-Identifier: Apache-2.0
# Violates `backfill-alone`: its backfillBegin shares a checkpoint with a captured document.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.captured(0, {"id": 1, "name": "one"})
    fake_capture.emit({"backfillBegin": {"binding": 0}})
    fake_capture.checkpoint()


fake_capture.serve(on_open=on_open)
