# SPDX-License-Identifier: Apache-2.0
# Speaks protobuf, not with the SDK: answers each request frame it reads (u32 little-endian
# length + message; the request itself is not decoded) with the spec of fake_capture as a
# hand-encoded capture.Response{spec} frame. Under `protobuf: true` this is a correct spec
# RPC; under the JSON codec it writes frames where flow-local expects JSON lines (a codec
# mismatch flow-local must name) as soon as it gets a line's first 4 bytes.
import json
import struct
import sys

import fake_capture


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field(number, payload):
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def raw_json(value):
    return json.dumps(value, separators=(",", ":")).encode()


SPEC = fake_capture.SPEC
spec = (field(1, SPEC["protocol"]) + field(2, raw_json(SPEC["configSchema"])) +
        field(3, raw_json(SPEC["resourceConfigSchema"])) +
        field(4, SPEC["documentationUrl"].encode()) +
        b"".join(field(6, p.encode()) for p in SPEC["resourcePathPointers"]))
response = field(1, spec)  # capture.Response.spec
frame = struct.pack("<I", len(response)) + response

stdin = sys.stdin.buffer
while True:
    header = stdin.read(4)
    if len(header) < 4:
        break
    stdin.read(struct.unpack("<I", header)[0])
    sys.stdout.buffer.write(frame)
    sys.stdout.buffer.flush()
