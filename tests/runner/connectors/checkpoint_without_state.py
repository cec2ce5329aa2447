# SPDX-License-Identifier: Apache-2.0
# Violates `checkpoint-state`: its checkpoint has no `state`.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.captured(0, {"id": 1})
    fake_capture.emit({"checkpoint": {}})


fake_capture.serve(on_open=on_open)
