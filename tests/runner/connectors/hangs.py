# SPDX-License-Identifier: Apache-2.0
# Ignores stdin EOF and never exits: flow-local must kill it after the grace period.
import signal
import time

import fake_capture


def on_open(_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    fake_capture.emit({"opened": {}})
    fake_capture.captured(0, {"id": 1})
    fake_capture.checkpoint()
    while True:
        time.sleep(1)


fake_capture.serve(on_open=on_open)
