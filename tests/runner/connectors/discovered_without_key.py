# SPDX-License-Identifier: Apache-2.0
# Violates `discovered-bindings`: its discovered binding has an empty key.
import fake_capture

fake_capture.serve(discovered={"discovered": {"bindings": [{
    "recommendedName": "things",
    "resourceConfig": {"name": "things"},
    "documentSchema": {"type": "object"},
    "key": [],
}]}})
