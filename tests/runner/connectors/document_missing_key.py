# SPDX-License-Identifier: Apache-2.0
# Violates `document-key`: its document has no value at the collection key /id.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.captured(0, {"name": "no id here"})
    fake_capture.checkpoint()


fake_capture.serve(on_open=on_open)
