#!/usr/bin/python3
"""Server memory per idle, authenticated RFC 7395 WebSocket session.

Opens --users WebSocket connections to a running parleyd, logs each one in
(SASL PLAIN inside TLS, or on ws:// when the server considers it secure),
binds a resource, sends initial presence and leaves it idle; reads the
server's RSS (/proc/PID/status VmRSS) before the first connection and after
the last one has settled, and prints the growth per session. Accounts come
from `parleyctl import --pattern 'ws%d@HOST' --count N --password PW`.

    bench/websocket/idle_memory.py --url wss://127.0.0.1:5281/xmpp-websocket \
        --pid $(pidof parleyd) --users 1000 --pattern 'ws%d@localhost' --password pw

The server must allow that many connections and stream opens from one
address: [modules.websocket] max_sessions_per_ip = 0, [c2s]
stream_opens_per_minute above --users.
"""
import argparse
import asyncio
import base64
import ssl
import sys
import time

import websockets

FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND = "urn:ietf:params:xml:ns:xmpp-bind"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def until(ws, marker):
    while True:
        msg = await ws.recv()
        if marker in msg:
            return msg


async def session(args, n, ctx, ready):
    local, domain = (args.pattern % n).split("@")
    ws = await websockets.connect(args.url, ssl=ctx, subprotocols=["xmpp"], ping_interval=None,
                                  open_timeout=120, close_timeout=5, max_queue=4)
    opened = f"<open xmlns='{FRAMING}' to='{domain}' version='1.0'/>"
    await ws.send(opened)
    await until(ws, "features")
    token = base64.b64encode(f"\0{local}\0{args.password}".encode()).decode()
    await ws.send(f"<auth xmlns='{SASL}' mechanism='PLAIN'>{token}</auth>")
    if "success" not in await until(ws, SASL):
        raise RuntimeError(f"{local}: authentication failed")
    await ws.send(opened)
    await until(ws, "features")
    await ws.send(f"<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='{BIND}'/></iq>")
    await until(ws, "result")
    await ws.send("<presence xmlns='jabber:client'/>")
    ready.append(ws)


async def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--first", type=int, default=1)
    p.add_argument("--pattern", default="ws%d@localhost")
    p.add_argument("--password", default="pw")
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--settle", type=float, default=5.0)
    args = p.parse_args()
    ctx = None
    if args.url.startswith("wss://"):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    before = rss_kib(args.pid)
    ready = []
    sem = asyncio.Semaphore(args.concurrency)
    t0 = time.monotonic()

    async def one(n):
        async with sem:
            await session(args, n, ctx, ready)
    await asyncio.gather(*(one(n) for n in range(args.first, args.first + args.users)))
    login_s = time.monotonic() - t0
    await asyncio.sleep(args.settle)
    after = rss_kib(args.pid)
    print(f"sessions {len(ready)} logged in in {login_s:.1f} s; server RSS {before} KiB before, "
          f"{after} KiB after: {(after - before) / max(1, len(ready)):.1f} KiB per idle session")
    for ws in ready:
        await ws.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
