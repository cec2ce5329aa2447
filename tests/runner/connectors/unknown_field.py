# SPDX-License-Identifier: Apache-2.0
# Violates `unknown-field`: its spec response carries a field the protocol does not define.
import fake_capture

fake_capture.serve(spec=dict(fake_capture.SPEC, bogusField=True))
