#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in config-encryption service for the shim tests, on 127.0.0.1.

    encryption_server.py PORT_FILE REQUESTS_FILE

Answers POST requests with the posted `config`, each value whose schema property is
`secret: true` replaced by "sealed:<reversed value>" and the key suffixed `_sops` (the shape
of a sops-sealed config), plus a `sops` stanza. Writes each request body as one line to
REQUESTS_FILE and the port it listens on to PORT_FILE. A path ending in /fail answers 500.
"""
import http.server
import json
import sys


def seal(config, schema):
    if not isinstance(config, dict) or not isinstance(schema, dict):
        return config
    props = schema.get("properties", {})
    out = {}
    for key, value in config.items():
        sub = props.get(key, {})
        if isinstance(sub, dict) and sub.get("secret"):
            out[key + "_sops"] = "sealed:" + str(value)[::-1]
        else:
            out[key] = seal(value, sub)
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(sys.argv[2], "a") as f:
            f.write(body.decode() + "\n")
        if self.path.endswith("/fail"):
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"internal error")
            return
        request = json.loads(body)
        sealed = seal(request["config"], request["schema"])
        sealed["sops"] = {"encrypted_suffix": "_sops"}
        payload = json.dumps(sealed).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
