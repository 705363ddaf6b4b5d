#!/usr/bin/env python3
"""A hostile 'ru' node for tests/cli/hostile_peer.sh (Python standard library only;
every signature is made by the parley command under test, so no crypto library is
needed). Modes:

  pad PORT US_URL PARLEY KEYFILE ENVELOPE BODY
      serves a log of one entry (ENVELOPE) with its body, and pushes its checkpoint
      to US_URL/add-checkpoint padded with 63 junk signature lines (64 lines in all,
      which a witness accepts); prints the status of the push.
  slow PORT PARLEY KEYFILE ENVELOPE
      serves a log of one entry (ENVELOPE) whose entry bundle it answers only
      after 40 s (a node syncing it holds that peer's lock meanwhile).
  twocosig PORT PARLEY KEYFILE
      answers every add-checkpoint with two valid cosignatures by KEYFILE's key
      (type 0x04): now, and 30 days later.

Listens on 127.0.0.1 only; stops after 120 s.
"""
import base64, hashlib, http.server, os, struct, subprocess, sys, tempfile, threading, time, urllib.request


def run(parley, *args, stdin=None):
    return subprocess.run([parley, *args], input=stdin, capture_output=True, check=True).stdout


def signed(parley, keyfile, text, cosign_time=None):
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(text)
    try:
        if cosign_time is None:
            return run(parley, "note", "sign", f.name, "--key", keyfile)
        return run(parley, "note", "cosign", f.name, "--key", keyfile, "--time", str(cosign_time))
    finally:
        os.unlink(f.name)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Quiet(http.server.BaseHTTPRequestHandler):
    """A handler that logs nothing and answers whole bodies with their length."""

    def log_message(self, *a):
        pass

    def send(self, b, code=200):
        self.send_response(code)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)


def serve(port, handler):
    srv = Server(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def one_entry_log(parley, keyfile, envfile):
    """The signed checkpoint of a log holding only ENVELOPE, and its entry bundle."""
    entry = open(envfile, "rb").read()
    name = [l for l in open(keyfile) if l.startswith("PRIVATE+KEY+")][0].split("+")[2]
    root = hashlib.sha256(b"\x00" + entry).digest()
    text = ("%s\n1\n%s\n" % (name, base64.b64encode(root).decode())).encode()
    return signed(parley, keyfile, text), struct.pack(">H", len(entry)) + entry


def slow(port, parley, keyfile, envfile):
    cp, bundle = one_entry_log(parley, keyfile, envfile)

    class H(Quiet):
        def do_GET(self):
            if self.path == "/checkpoint":
                return self.send(cp)
            if self.path == "/tile/entries/000.p/1":
                time.sleep(40)
                return self.send(bundle)
            self.send(b"", 404)

    serve(port, H)
    print("serving", flush=True)
    time.sleep(120)


def pad(port, us_url, parley, keyfile, envfile, bodyfile):
    body = open(bodyfile, "rb").read()
    bhash = hashlib.sha256(body).digest()
    cp, bundle = one_entry_log(parley, keyfile, envfile)

    class H(Quiet):
        def do_GET(self):
            if self.path == "/checkpoint":
                return self.send(cp)
            if self.path == "/tile/entries/000.p/1":
                return self.send(bundle)
            self.send(b"", 404)

        def do_POST(self):
            req = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/bodies" and req == bhash:
                return self.send(struct.pack(">I", len(body)) + body)
            self.send(b"", 404)

    serve(port, H)
    junk = b"".join(("\u2014 junk%d.example %s\n" % (i, base64.b64encode(b"\0\0\0\0" + b"j" * 64).decode())).encode()
                    for i in range(63))
    req = urllib.request.Request(us_url + "/add-checkpoint", data=b"old 0\n\n" + cp + junk, method="POST",
                                 headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            print("push", r.status, flush=True)
    except Exception as e:  # an HTTP error status, or no answer
        print("push failed", getattr(e, "code", e), flush=True)
    time.sleep(120)


def twocosig(port, parley, keyfile):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/add-checkpoint":
                return self.do_GET()
            cp = body.split(b"\n\n", 1)[1]  # after 'old N' and the proof lines: the pushed checkpoint
            now = int(time.time())
            lines = b""
            for t in (now, now + 30 * 86400):
                lines += signed(parley, keyfile, cp, t).splitlines(keepends=True)[-1]
            self.send_response(200)
            self.send_header("Content-Length", str(len(lines)))
            self.end_headers()
            self.wfile.write(lines)

    serve(port, H)
    time.sleep(120)


if __name__ == "__main__":
    if sys.argv[1] == "pad":
        pad(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7])
    elif sys.argv[1] == "slow":
        slow(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    elif sys.argv[1] == "twocosig":
        twocosig(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: hostile_peer.py pad|twocosig ...")
