# SPDX-License-Identifier: Apache-2.0
# Violates `validated-bindings`: the second binding gets the first one's resource path.
import fake_capture

fake_capture.serve(validated=lambda bindings: {
    "validated": {"bindings": [{"resourcePath": ["a"]} for _ in bindings]}})
