# SPDX-License-Identifier: Apache-2.0
# Violates `unary-response`: it answers the spec request twice.
import fake_capture


def on_spec(_):
    fake_capture.emit({"spec": fake_capture.SPEC})
    fake_capture.emit({"spec": fake_capture.SPEC})


fake_capture.serve(on_spec=on_spec)
