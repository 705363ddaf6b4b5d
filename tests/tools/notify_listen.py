#!/usr/bin/env python3
"""notify_listen.py SOCKET OUT HEALTH-URL SECONDS

Plays systemd's side of sd_notify for tests: binds a unix datagram socket at
SOCKET and, for SECONDS, writes each message it receives to OUT, one line per
assignment ("READY=1"). On READY=1 it asks HEALTH-URL at once and writes
"HEALTHZ=<status>" right after it: the service must answer by the time it
says it is ready.
"""
import os
import socket
import sys
import time
import urllib.request

path, out, url, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
end = time.time() + secs
with open(out, "w", buffering=1) as f:
    f.write("LISTENING=1\n")
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        for line in msg.split("\n"):
            if line:
                f.write(line + "\n")
        if "READY=1" in msg.split("\n"):
            try:
                status = urllib.request.urlopen(url, timeout=2).status
            except Exception as e:  # noqa: BLE001 - any failure is the answer
                status = "error:" + str(e)
            f.write("HEALTHZ=%s\n" % status)
os.unlink(path)
