#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The service manager's side of sd_notify, for the tests: binds the AF_UNIX
# datagram socket NOTIFY_SOCKET names (a path, or "@NAME" for an abstract
# one), prints "bound", then each line of each notification as it comes.
# At the first READY=1 it connects at once to HOST:PORT, the listener the
# proxy has just said is ready, and prints "connect ok" or why not.
#
#   notify-recv.py SOCKET HOST PORT
import socket
import sys

name, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
print("bound", flush=True)
ready = False
while True:
    for line in s.recv(4096).decode().split("\n"):
        print(line, flush=True)
        if line == "READY=1" and not ready:
            ready = True
            try:
                socket.create_connection((host, port), 5).close()
                print("connect ok", flush=True)
            except OSError as e:
                print("connect failed:", e, flush=True)
