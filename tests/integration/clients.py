"""Small helpers around real client libraries for the tests."""
import asyncio
import base64
import itertools
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from collections import deque

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

    def __init__(self, jid, password=PASSWORD, roster=True, mech="SCRAM-SHA-256", priority=None,
                 status=None):
        super().__init__(jid, password)
        self.initial_priority = priority  # of the initial presence (None: no <priority/>)
        self.initial_status = status
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
        self.presence_log = []  # every presence received, in order (not consumed)
        self.started = asyncio.Event()
        self.auth_failed = asyncio.Event()
        self.disconnected_ev = asyncio.Event()
        self.stream_errors = []
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("failed_all_auth", lambda _: self.auth_failed.set())
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))
        self.add_event_handler("presence", self._on_presence)
        self.add_event_handler("disconnected", lambda _: self.disconnected_ev.set())
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e))
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        self.register_plugin("xep_0191")
        self.register_plugin("xep_0203")
        self.want_roster = roster

    def _on_presence(self, p):
        self.presences.put_nowait(p)
        self.presence_log.append(p)

    async def saw_presence(self, pred, timeout=TIMEOUT):
        """The first presence received so far (or arriving within the
        timeout) for which pred holds; unlike next_presence, consumes nothing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for p in self.presence_log:
                if pred(p):
                    return p
            if loop.time() > deadline:
                raise AssertionError("no such presence received in time")
            await asyncio.sleep(0.02)

    async def _on_start(self, _):
        if self.want_roster:
            await self.get_roster()
        self.send_presence(ppriority=self.initial_priority, pstatus=self.initial_status)
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

    async def barrier(self):
        """Returns once the server has processed everything this client sent
        before: a session handles its stanzas in order, so the answer to a
        ping to the server comes after the effects of the stanzas before it."""
        await self.plugin["xep_0199"].send_ping(self.boundjid.domain, timeout=TIMEOUT)


async def until(pred, timeout=TIMEOUT):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not pred():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def subscription(client, contact):
    """The subscription state of `contact` in the client's roster (None: no item)."""
    roster = client.client_roster
    return roster[contact]["subscription"] if contact in roster else None


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


# --- A client stream driven by hand -------------------------------------------

NS_STREAM = "http://etherx.jabber.org/streams"
NS_CLIENT = "jabber:client"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams"


def q(ns, name):
    """ElementTree's name for {ns}name."""
    return f"{{{ns}}}{name}"


def b64(data):
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def stanza_error(stanza):
    """(type, condition) of a stanza's <error/>, or None."""
    err = stanza.find(q(NS_CLIENT, "error"))
    if err is None:
        return None
    conds = [c.tag.split("}")[1] for c in err if c.tag.startswith("{" + NS_STANZAS + "}")
             and c.tag != q(NS_STANZAS, "text")]
    return err.get("type"), conds[0] if len(conds) == 1 else conds


def child_names(el):
    """The local names of an element's children, e.g. of <failure/> or <stream:error/>."""
    return [c.tag.split("}")[1] for c in el]


class XmppStream:
    """A client stream written by hand, for what client libraries will not
    send (SASL details, malformed addresses): exact XML out, top-level
    elements in, parsed with ElementTree."""

    def __init__(self, port, direct_tls=False, source_ip=None, tls_context=None, tls_wrap=None):
        """tls_wrap(socket) -> a TLS socket-like object, for TLS by other
        means than the ssl module (default: an ssl context that trusts any
        certificate, or tls_context)."""
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=TIMEOUT,
            source_address=(source_ip, 0) if source_ip else None)
        context = tls_context or insecure_context()
        self.tls_wrap = tls_wrap or (lambda sock: context.wrap_socket(sock, server_hostname=HOST))
        if direct_tls:
            self.sock = self.tls_wrap(self.sock)
        self.queue = deque()
        self.eof = False          # the connection is closed
        self.stream_closed = False  # the server sent </stream:stream>
        self.header = None
        self.features = None
        self.all_features = []
        self.jid = None
        self._ids = itertools.count(1)
        self._reset_parser()

    def _reset_parser(self):
        self._parser = ET.XMLPullParser(events=("start", "end"))
        self._depth = 0

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def _feed(self, data):
        self._parser.feed(data)
        for event, el in self._parser.read_events():
            if event == "start":
                self._depth += 1
                if self._depth == 1:
                    self.header = el
            else:
                self._depth -= 1
                if self._depth == 1:
                    self.header.remove(el)
                    self.queue.append(el)
                elif self._depth == 0:
                    self.stream_closed = True

    def next(self, timeout=TIMEOUT):
        """The next top-level element; None when the stream or connection ends first."""
        deadline = time.monotonic() + timeout
        while not self.queue:
            if self.eof or self.stream_closed:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no element from the server in time")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no element from the server in time") from None
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
                data = b""
            if not data:
                self.eof = True
            else:
                self._feed(data)
        return self.queue.popleft()

    def wait_for(self, pred, timeout=TIMEOUT):
        """The next element for which pred is true (others are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            el = self.next(max(0.01, deadline - time.monotonic()))
            if el is None or pred(el):
                return el

    def nothing_arrives(self, seconds=0.3):
        try:
            el = self.next(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected {ET.tostring(el).decode()}" if el is not None
                             else "the stream ended")

    def wait_closed(self, timeout=TIMEOUT):
        """Reads until the server closes the connection; returns the elements
        that came before. Raises TimeoutError if the connection stays open."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            el = self.next(max(0.01, deadline - time.monotonic()))
            if el is None:
                break
            got.append(el)
        while not self.eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the server did not close the connection")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("the server did not close the connection") from None
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
                data = b""
            self.eof = not data
        return got

    def open(self, to=HOST):
        """Sends a stream header; returns the server's <stream:features/>."""
        self._reset_parser()
        self.send(f"<?xml version='1.0'?><stream:stream to='{to}' version='1.0' "
                  f"xmlns='{NS_CLIENT}' xmlns:stream='{NS_STREAM}'>")
        self.features = self.next()
        assert self.features is not None and self.features.tag == q(NS_STREAM, "features"), \
            self.features
        self.all_features.append(self.features)
        return self.features

    def mechanisms(self, features=None):
        f = self.features if features is None else features
        m = f.find(q(NS_SASL, "mechanisms"))
        return [] if m is None else [e.text for e in m.findall(q(NS_SASL, "mechanism"))]

    def starttls(self):
        """Opens the stream, upgrades it to TLS (RFC 6120 §5), opens it again."""
        features = self.open()
        assert features.find(q(NS_TLS, "starttls")) is not None
        self.send(f"<starttls xmlns='{NS_TLS}'/>")
        proceed = self.next()
        assert proceed is not None and proceed.tag == q(NS_TLS, "proceed"), proceed
        self.sock = self.tls_wrap(self.sock)
        return self.open()

    def auth(self, mechanism, initial=None):
        """Sends <auth/> with the initial response (bytes or str, base64-encoded
        here; None for none); returns the server's answer element."""
        text = "" if initial is None else (b64(initial) or "=")
        return self.auth_raw(mechanism, text)

    def auth_raw(self, mechanism, text):
        self.send(f"<auth xmlns='{NS_SASL}' mechanism='{mechanism}'>{text}</auth>")
        return self.next()

    def plain(self, user, password=PASSWORD):
        return self.auth("PLAIN", f"\0{user}\0{password}")

    def bind(self, resource=None):
        res = f"<resource>{resource}</resource>" if resource else ""
        reply = self.request(f"<bind xmlns='{NS_BIND}'>{res}</bind>", type="set")
        assert reply.get("type") == "result", ET.tostring(reply)
        self.jid = reply.find(f"{q(NS_BIND, 'bind')}/{q(NS_BIND, 'jid')}").text
        return self.jid

    def login(self, user, password=PASSWORD, resource=None):
        """STARTTLS, SASL PLAIN, restart, bind; returns the bound JID."""
        self.starttls()
        answer = self.plain(user, password)
        assert answer is not None and answer.tag == q(NS_SASL, "success"), answer
        self.open()
        return self.bind(resource)

    def new_id(self):
        return f"raw-{next(self._ids)}"

    def request(self, payload, type="get", to=None, id=None):
        """Sends an iq with the payload (XML text, possibly empty or several
        elements) and returns the iq that answers it."""
        id = id or self.new_id()
        to_attr = f" to='{to}'" if to is not None else ""
        self.send(f"<iq type='{type}' id='{id}'{to_attr}>{payload}</iq>")
        return self.wait_for(lambda el: el.tag == q(NS_CLIENT, "iq") and el.get("id") == id)

    def close(self):
        try:
            if not self.eof:
                self.send("</stream:stream>")
        except OSError:
            pass
        self.sock.close()
