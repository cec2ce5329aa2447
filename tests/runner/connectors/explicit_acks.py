# SPDX-License-Identifier: Apache-2.0
# A correct connector that asks for explicit acknowledgements: after its first checkpoint it
# waits for {"acknowledge":{"checkpoints":1}} on stdin before capturing more, and fails if the
# acknowledgement does not come.
import json
import sys

import fake_capture


def on_open(_):
    fake_capture.emit({"opened": {"explicitAcknowledgements": True}})
    fake_capture.captured(0, {"id": 1})
    fake_capture.checkpoint({"cursor": 1})
    ack = json.loads(sys.stdin.readline() or "{}")
    if ack != {"acknowledge": {"checkpoints": 1}}:
        sys.stderr.write('{"level":"error","message":"expected an acknowledgement, got %s"}\n'
                         % json.dumps(ack))
        sys.exit(1)
    fake_capture.captured(0, {"id": 2})
    fake_capture.checkpoint({"cursor": 2})


fake_capture.serve(on_open=on_open)
