# SPDX-License-Identifier: Apache-2.0
# Violates `validated-bindings`: it answers the bindings in reverse order.
import fake_capture


def validated(bindings):
    paths = [{"resourcePath": [b["resourceConfig"]["name"]]} for b in bindings]
    return {"validated": {"bindings": list(reversed(paths))}}


fake_capture.serve(validated=validated)
