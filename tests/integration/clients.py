"""Small helpers around real client libraries for the tests."""
import asyncio
import socket
import ssl

import slixmpp

from conftest import HOST, PASSWORD

TIMEOUT = 10


def insecure_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records what it receives in queues."""

    def __init__(self, jid, password=PASSWORD, roster=True, mech="SCRAM-SHA-256"):
        super().__init__(jid, password)
        self.ssl_context = insecure_context()
        # slixmpp 1.8 knows only tls-unique channel binding, which TLS 1.3
        # does not have (RFC 9266); this client therefore acts as one without
        # channel-binding support ("n" GS2 flag) and uses the mechanism asked for.
        mechs = self["feature_mechanisms"]
        default_creds = mechs.sasl_callback
        def creds(required, optional):
            values = default_creds(required, optional)
            if "channel_binding" in values:
                values["channel_binding"] = None
            return values
        mechs.sasl_callback = creds
        mechs.use_mech = mech
        self.messages = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.started = asyncio.Event()
        self.auth_failed = asyncio.Event()
        self.disconnected_ev = asyncio.Event()
        self.stream_errors = []
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("failed_all_auth", lambda _: self.auth_failed.set())
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))
        self.add_event_handler("presence", lambda p: self.presences.put_nowait(p))
        self.add_event_handler("disconnected", lambda _: self.disconnected_ev.set())
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e))
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        self.register_plugin("xep_0191")
        self.register_plugin("xep_0203")
        self.want_roster = roster

    async def _on_start(self, _):
        if self.want_roster:
            await self.get_roster()
        self.send_presence()
        self.started.set()

    async def login(self, port, direct_tls=False):
        self.connect(("127.0.0.1", port), use_ssl=direct_tls)
        await asyncio.wait_for(self.started.wait(), TIMEOUT)
        return self

    async def next_message(self, timeout=TIMEOUT):
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def next_presence(self, pred=lambda p: True, timeout=TIMEOUT):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            p = await asyncio.wait_for(self.presences.get(), max(0.01, deadline - loop.time()))
            if pred(p):
                return p

    async def close(self):
        self.disconnect()
        await asyncio.wait_for(self.disconnected_ev.wait(), TIMEOUT)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


class RawStream:
    """A plain TCP connection for writing exact bytes (malformed XML, floods)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def recv_until(self, marker, limit=1 << 20):
        buf = b""
        while marker.encode() not in buf and len(buf) < limit:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors="replace")

    def recv_all(self):
        """Reads until the server closes the connection."""
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors="replace")

    def open_stream(self, to=HOST):
        self.send(f"<?xml version='1.0'?><stream:stream to='{to}' version='1.0' "
                  "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")

    def close(self):
        self.sock.close()
