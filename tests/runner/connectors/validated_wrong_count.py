# SPDX-License-Identifier: Apache-2.0
# Violates `validated-bindings`: validated returns no binding for a one-binding request.
import fake_capture

fake_capture.serve(validated=lambda bindings: {"validated": {"bindings": []}})
