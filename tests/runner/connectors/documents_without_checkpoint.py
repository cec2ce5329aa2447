# SPDX-License-Identifier: Apache-2.0
# Violates `uncommitted-documents`: it exits 0 after documents that no checkpoint follows.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.captured(0, {"id": 1})
    fake_capture.checkpoint()
    fake_capture.captured(0, {"id": 2})
    fake_capture.captured(0, {"id": 3})


fake_capture.serve(on_open=on_open)
