# SPDX-License-Identifier: Apache-2.0
# Violates `protocol-version`: its spec response says protocol 1 instead of 3032023.
import fake_capture

fake_capture.serve(spec=dict(fake_capture.SPEC, protocol=1))
