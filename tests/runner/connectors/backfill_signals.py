# SPDX-License-Identifier: Apache-2.0
# A correct connector that signals a backfill window: backfillBegin and backfillComplete, each
# alone in its checkpoint, around the backfill's documents.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.emit({"backfillBegin": {"binding": 0}})
    fake_capture.checkpoint()
    fake_capture.captured(0, {"id": 1, "name": "one"})
    fake_capture.captured(0, {"id": 2, "name": "two"})
    fake_capture.checkpoint({"cursor": 2})
    fake_capture.emit({"backfillComplete": {"binding": 0}})
    fake_capture.checkpoint({"backfilled": True})


fake_capture.serve(on_open=on_open)
