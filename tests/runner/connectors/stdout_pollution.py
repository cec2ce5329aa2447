# SPDX-License-Identifier: Apache-2.0
# Violates `response-json`: something prints plain text on stdout mid-session.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.emit("Connecting to the API...")
    fake_capture.checkpoint()


fake_capture.serve(on_open=on_open)
