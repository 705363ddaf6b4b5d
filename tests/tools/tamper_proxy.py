#!/usr/bin/env python3
"""tamper_proxy.py PORT NODE-URL — a test stand-in for a node: forwards every request to
NODE-URL unchanged, except that a POST /submit has one character of the envelope's
signature changed on the way, so the real node refuses it with its own status and
reason (tests/cli/desk.sh: the desk passes a node's refusal through)."""
import http.server
import sys
import urllib.error
import urllib.request

PORT, NODE = int(sys.argv[1]), sys.argv[2].rstrip("/")


def tamper(req: bytes) -> bytes:
    header, rest = req.split(b"\n", 1)
    elen = int(header.split()[2])
    i = len(header) + 1 + elen - 5  # inside the last signature line's base64
    b = bytearray(req)
    b[i] = ord("B") if b[i] != ord("B") else ord("C")
    return bytes(b)


class Proxy(http.server.BaseHTTPRequestHandler):
    def forward(self, data=None):
        r = urllib.request.Request(NODE + self.path, data=data, method=self.command)
        if data is not None:
            r.add_header("Content-Type", self.headers.get("Content-Type", ""))
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                status, body, ctype = resp.status, resp.read(), resp.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            status, body, ctype = e.code, e.read(), e.headers.get("Content-Type")
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.forward()

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.forward(tamper(data) if self.path.endswith("/submit") else data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
