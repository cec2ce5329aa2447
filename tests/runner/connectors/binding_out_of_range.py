# SPDX-License-Identifier: Apache-2.0
# Violates `binding-range`: it captures into binding 7 of a one-binding capture.
import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    fake_capture.captured(7, {"id": 1})
    fake_capture.checkpoint()


fake_capture.serve(on_open=on_open)
