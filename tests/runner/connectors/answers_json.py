# SPDX-License-Identifier: Apache-2.0
# Speaks JSON whatever it is sent: for `protobuf: true` it writes a JSON line where flow-local
# expects a frame (a codec mismatch flow-local must name), then drains stdin and exits 0.
import sys

import fake_capture

fake_capture.emit({"spec": fake_capture.SPEC})
sys.stdin.buffer.read()
