# SPDX-License-Identifier: Apache-2.0
# Violates `opened-first`: it sends a document before `opened`.
import fake_capture


def on_open(_):
    fake_capture.captured(0, {"id": 1})
    fake_capture.emit({"opened": {}})
    fake_capture.checkpoint()


fake_capture.serve(on_open=on_open)
