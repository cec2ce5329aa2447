# SPDX-License-Identifier: Apache-2.0
# Not a conformance rule: it fails with a clear error; flow-local must report its last log.
import sys

import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {}})
    sys.stderr.write('{"level":"error","message":"cannot connect to api.example.com"}\n')
    sys.exit(3)


fake_capture.serve(on_open=on_open)
