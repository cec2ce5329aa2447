# SPDX-License-Identifier: Apache-2.0
# Violates `document-schema`: its document has a string where the schema wants an integer.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.captured(0, {"id": 1, "name": 42})
    fake_capture.checkpoint()


fake_capture.serve(on_open=on_open)
