#!/usr/bin/python3
"""parleyd's memory per idle BOSH session (XEP-0124/XEP-0206), for
docs/BENCHMARKS.md.

Starts a real parleyd (the integration tests' harness: 2 workers, SQLite,
log level info), imports N accounts, then opens N BOSH sessions over HTTPS,
each on its own keep-alive connection, as a browser client does: session
creation (hold=1), SASL PLAIN, the XEP-0206 §5 restart, resource binding,
then one empty request that the server holds (§8: it answers after `wait`
seconds or when something arrives). "Idle" means exactly that state: bound,
no presence sent, one request held, one TLS connection open. parleyd's VmRSS
(/proc/PID/status) is read before the first session and once all N requests
are held (after a settle time); the difference divided by N is the figure.
Every session is then checked to still be alive (its held request answered
empty at `wait`, none terminated).

    PARLEY_BUILD=$PWD/build /usr/bin/python3 bench/web/bosh_idle_memory.py --sessions 500
"""
import argparse
import asyncio
import base64
import random
import ssl
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "integration"))
from conftest import HOST, Server  # noqa: E402

BOSH = "http://jabber.org/protocol/httpbind"
XBOSH = "urn:xmpp:xbosh"
STREAMS = "http://etherx.jabber.org/streams"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND = "urn:ietf:params:xml:ns:xmpp-bind"
CLIENT = "jabber:client"
PASSWORD = "bench-pw"


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Session:
    """One BOSH client on one keep-alive HTTPS connection (requests in series)."""

    def __init__(self, port, tls):
        self.port, self.tls = port, tls
        self.rid = random.randrange(1 << 20, 1 << 40)
        self.sid = None
        self.reader = self.writer = None

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, ssl=self.tls, server_hostname=HOST)

    async def post(self, body):
        data = body.encode()
        self.writer.write(f"POST /http-bind HTTP/1.1\r\nHost: {HOST}\r\n"
                          f"Content-Type: text/xml; charset=utf-8\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        assert lines[0].split()[1] == "200", lines[0]
        length = next(int(h.split(":", 1)[1]) for h in lines[1:]
                      if h.lower().startswith("content-length:"))
        el = ET.fromstring(await self.reader.readexactly(length))
        assert el.get("type") != "terminate", ET.tostring(el)
        return el

    def body(self, payload="", extra=""):
        self.rid += 1
        return (f"<body xmlns='{BOSH}' xmlns:xmpp='{XBOSH}' rid='{self.rid}' sid='{self.sid}'"
                f"{extra}>{payload}</body>")

    async def until(self, pred, payload=""):
        el = await self.post(self.body(payload))
        while True:
            for child in el:
                if pred(child):
                    return child
            el = await self.post(self.body())

    async def login(self, local, wait):
        await self.connect()
        created = await self.post(
            f"<body xmlns='{BOSH}' xmlns:xmpp='{XBOSH}' rid='{self.rid}' to='{HOST}' "
            f"wait='{wait}' hold='1' xmpp:version='1.0' ver='1.11'/>")
        self.sid = created.get("sid")
        cred = base64.b64encode(f"\0{local}\0{PASSWORD}".encode()).decode()
        await self.until(lambda e: e.tag == f"{{{SASL}}}success",
                         f"<auth xmlns='{SASL}' mechanism='PLAIN'>{cred}</auth>")
        el = await self.post(self.body(extra=f" to='{HOST}' xmpp:restart='true'"))
        while el.find(f"{{{STREAMS}}}features") is None:
            el = await self.post(self.body())
        iq = await self.until(lambda e: e.tag == f"{{{CLIENT}}}iq",
                              f"<iq xmlns='{CLIENT}' type='set' id='b'><bind xmlns='{BIND}'/></iq>")
        assert iq.get("type") == "result", ET.tostring(iq)

    def hold(self):
        """The idle state: one empty request, held by the server."""
        return asyncio.ensure_future(self.post(self.body()))


async def open_sessions(srv, n, concurrency, wait):
    tls = ssl.create_default_context(cafile=str(srv.dir / "data" / "certs" / f"{HOST}.crt"))
    sessions = [Session(srv.https_port, tls) for _ in range(n)]
    sem = asyncio.Semaphore(concurrency)

    async def one(i, s):
        async with sem:
            await s.login(f"bosh{i + 1}", wait)

    await asyncio.gather(*(one(i, s) for i, s in enumerate(sessions)))
    return sessions


async def run(srv, args):
    pid = srv.proc.pid
    await asyncio.sleep(2)
    before = rss_kib(pid)
    start = time.time()
    sessions = await open_sessions(srv, args.sessions, args.concurrency, args.wait)
    login_s = time.time() - start
    held = [s.hold() for s in sessions]
    await asyncio.sleep(args.settle)
    after = rss_kib(pid)
    assert not any(h.done() for h in held), "a held request was answered early"
    # At `wait` every held request is answered, empty: all sessions alive.
    answers = await asyncio.gather(*held)
    assert all(len(a) == 0 and a.get("type") is None for a in answers)
    for s in sessions:
        s.writer.close()
    return before, after, login_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--wait", type=int, default=60, help="BOSH wait (seconds) of each session")
    ap.add_argument("--settle", type=float, default=5.0,
                    help="seconds between the last held request and the RSS reading")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp), c2s_config="stream_opens_per_minute = 0",
                     extra_config=f"[modules.bosh]\nmax_sessions_per_ip = 0\n"
                                  f"max_wait = {args.wait}\ninactivity = {args.wait * 2}\n")
        srv.config.write_text(srv.config.read_text().replace('log_level = "debug"',
                                                             'log_level = "info"'))
        srv.ctl("import", "--pattern", f"bosh%d@{HOST}", "--count", str(args.sessions),
                "--password", PASSWORD)
        srv.start()
        try:
            before, after, login_s = asyncio.run(run(srv, args))
        finally:
            srv.stop()
    n = args.sessions
    print(f"sessions={n} logged_in_in_s={login_s:.1f} rss_before_kib={before} "
          f"rss_idle_kib={after} per_session_kib={(after - before) / n:.1f}")


if __name__ == "__main__":
    main()
