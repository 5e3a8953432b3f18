"""RFC 7395 XMPP over WebSocket and XEP-0156 discovery against a real parleyd.

- @xmpp/client (npm, run by Node in tests/web/ws_client.mjs) logs in over
  wss:// with SCRAM and exchanges messages both ways with slixmpp on TCP.
- Raw WebSocket clients (python3-websockets) check the framing (§3.3), the
  subprotocol requirement (§3.1), the stream errors for bad and oversize
  messages (§3.3.3 with RFC 6120 §4.9.3), the closing handshake (§3.6),
  see-other-uri (§3.6.1), binary frames (§3.2), the Origin allow-list, the
  per-address session limit and WebSocket ping keepalive (§3.8).
- XEP-0156 §3: /.well-known/host-meta and host-meta.json list the endpoint.
"""
import asyncio
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import InvalidStatusCode

from clients import Client, TIMEOUT, insecure_context, q, run
from conftest import HOST, PASSWORD, Server, running

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "tests" / "web"
FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
NS_STREAM = "http://etherx.jabber.org/streams"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams"
XRD = "http://docs.oasis-open.org/ns/xri/xrd-1.0"
REL_WS = "urn:xmpp:alt-connections:websocket"
OPEN = f"<open xmlns='{FRAMING}' to='{HOST}' version='1.0'/>"
CLOSE = f"<close xmlns='{FRAMING}'/>"


def ws_server(tmp_path, **settings):
    lines = "\n".join(f"{k} = {json.dumps(v)}" if not isinstance(v, bool) else
                      f"{k} = {'true' if v else 'false'}" for k, v in settings.items())
    return Server(tmp_path, extra_config="[modules.websocket]\n" + lines)


def url(server, path="/xmpp-websocket"):
    return f"wss://127.0.0.1:{server.https_port}{path}"


def connect(server, subprotocols=("xmpp",), **kw):
    return websockets.connect(url(server), ssl=insecure_context(), subprotocols=list(subprotocols),
                              open_timeout=TIMEOUT, close_timeout=TIMEOUT, ping_interval=None, **kw)


async def recv_xml(ws):
    msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(msg, str), "RFC 7395 §3.2: text messages only"
    return ET.fromstring(msg)  # §3.3.3: every message parses on its own


async def open_stream(ws):
    """Sends <open/>; returns the server's <open/> and <stream:features/>."""
    await ws.send(OPEN)
    opened = await recv_xml(ws)
    features = await recv_xml(ws)
    return opened, features


async def expect_stream_error(ws, condition):
    err = await recv_xml(ws)
    assert err.tag == q(NS_STREAM, "error"), ET.tostring(err)
    assert err.find(q(NS_STREAM_ERRORS, condition)) is not None, ET.tostring(err)
    close = await recv_xml(ws)
    assert close.tag == q(FRAMING, "close")
    await asyncio.wait_for(ws.wait_closed(), TIMEOUT)


# --- @xmpp/client over wss:// and slixmpp over TCP ------------------------------

@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_xmpp_client_over_websocket_talks_with_slixmpp_over_tcp(tmp_path):
    srv = Server(tmp_path)
    with running(srv):
        alice = srv.add_user("alice")
        bob_jid = srv.add_user("bob")

        async def main():
            bob = await Client(bob_jid, roster=False).login(srv.c2s_port)
            env = dict(os.environ, NODE_TLS_REJECT_UNAUTHORIZED="0")  # self-signed test cert
            proc = await asyncio.create_subprocess_exec(
                "node", "--experimental-websocket", "--no-warnings", str(WEB / "ws_client.mjs"),
                url(srv), HOST, "alice", PASSWORD, bob_jid, "hello from websocket",
                "hello from tcp", stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            events = []

            async def read_events():
                async for line in proc.stdout:
                    events.append(json.loads(line))
            reader = asyncio.create_task(read_events())
            msg = await bob.next_message(timeout=30)
            assert str(msg["from"]).startswith(alice + "/"), msg
            assert msg["body"] == "hello from websocket"
            bob.send_message(mto=msg["from"], mbody="hello from tcp", mtype="chat")
            rc = await asyncio.wait_for(proc.wait(), 30)
            await reader
            err = (await proc.stderr.read()).decode()
            await bob.close()
            return rc, events, err

        rc, events, err = run(main())
        kinds = [e["event"] for e in events]
        assert rc == 0, (events, err)
        mech = next(e for e in events if e["event"] == "mechanisms")
        assert mech["chosen"] and mech["chosen"].startswith("SCRAM-"), mech
        online = next(e for e in events if e["event"] == "online")
        assert online["jid"].startswith(alice + "/")
        received = next(e for e in events if e["event"] == "received")
        assert received["body"] == "hello from tcp" and received["from"].startswith(bob_jid)
        assert "offline" in kinds, events
        log = srv.log_text()
        assert "WebSocket" in log


# --- XEP-0156 §3 host-meta ---------------------------------------------------------

def https_get(server, path, method="GET", headers=None):
    import http.client
    conn = http.client.HTTPSConnection("127.0.0.1", server.https_port, context=insecure_context(),
                                       timeout=TIMEOUT)
    try:
        conn.request(method, path, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def test_xep0156_3_host_meta_lists_the_websocket_and_bosh_endpoints(server):
    want = f"wss://{HOST}:{server.https_port}/xmpp-websocket"
    want_bosh = f"https://{HOST}:{server.https_port}/http-bind"
    status, headers, body = https_get(server, "/.well-known/host-meta")
    assert status == 200
    assert headers["content-type"].startswith("application/xrd+xml")
    assert headers["access-control-allow-origin"] == "*"
    xrd = ET.fromstring(body)
    assert xrd.tag == q(XRD, "XRD")
    links = [(l.get("rel"), l.get("href")) for l in xrd.findall(q(XRD, "Link"))]
    assert (REL_WS, want) in links, links
    assert ("urn:xmpp:alt-connections:xbosh", want_bosh) in links, links

    status, headers, body = https_get(server, "/.well-known/host-meta.json")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert {"rel": REL_WS, "href": want} in json.loads(body)["links"]
    assert {"rel": "urn:xmpp:alt-connections:xbosh", "href": want_bosh} in json.loads(body)["links"]

    status, headers, _ = https_get(server, "/.well-known/host-meta", method="OPTIONS",
                                   headers={"Origin": "https://web.example",
                                            "Access-Control-Request-Method": "GET"})
    assert status == 204 and headers["access-control-allow-origin"] == "*"
    assert https_get(server, "/.well-known/host-metax")[0] == 404


# --- Raw WebSocket: framing, errors, closing -------------------------------------------

def test_rfc7395_3_1_handshake_requires_the_xmpp_subprotocol(server):
    async def main():
        with pytest.raises(InvalidStatusCode) as e:
            async with connect(server, subprotocols=()):
                pass
        assert e.value.status_code == 400
        with pytest.raises(InvalidStatusCode) as e:
            async with connect(server, subprotocols=("chat",)):
                pass
        assert e.value.status_code == 400
        async with connect(server, subprotocols=("chat", "xmpp")) as ws:
            assert ws.subprotocol == "xmpp"
    run(main())
    status, headers, _ = https_get(server, "/xmpp-websocket")
    assert status == 426 and headers["upgrade"] == "websocket"


def test_rfc7395_3_3_open_features_and_3_6_close_handshake(server):
    async def main():
        async with connect(server) as ws:
            opened, features = await open_stream(ws)
            # §3.3.2: <open/> in the framing namespace, from the host, with an id.
            assert opened.tag == q(FRAMING, "open")
            assert opened.get("from") == HOST and opened.get("version") == "1.0"
            assert opened.get("id")
            assert features.tag == q(NS_STREAM, "features")
            assert features.find(q(NS_SASL, "mechanisms")) is not None
            # §3.1: TLS is the WebSocket's; no STARTTLS inside it.
            assert features.find(q(NS_TLS, "starttls")) is None
            # §3.6: our <close/> is answered with <close/>, then the server closes.
            await ws.send(CLOSE)
            close = await recv_xml(ws)
            assert close.tag == q(FRAMING, "close")
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
            assert ws.close_code == 1000
    run(main())


def test_rfc7395_3_3_3_malformed_message_is_not_well_formed(server):
    async def main():
        async with connect(server) as ws:
            await open_stream(ws)
            await ws.send("<message xmlns='jabber:client'><body>no end")
            await expect_stream_error(ws, "not-well-formed")
        # Two elements in one message are not one standalone document either.
        async with connect(server) as ws:
            await open_stream(ws)
            await ws.send("<presence xmlns='jabber:client'/><presence xmlns='jabber:client'/>")
            await expect_stream_error(ws, "not-well-formed")
    run(main())
    # The server keeps serving.
    async def again():
        async with connect(server) as ws:
            opened, _ = await open_stream(ws)
            assert opened.tag == q(FRAMING, "open")
    run(again())


def test_rfc7395_3_3_2_stanza_before_open_is_refused(server):
    async def main():
        async with connect(server) as ws:
            await ws.send(f"<message xmlns='jabber:client' to='x@{HOST}'><body>hi</body></message>")
            opened = await recv_xml(ws)  # our <open/> first (RFC 6120 §4.9.1.2)
            assert opened.tag == q(FRAMING, "open")
            await expect_stream_error(ws, "invalid-namespace")
    run(main())


def test_rfc7395_3_3_3_oversize_message_is_policy_violation(tmp_path):
    srv = Server(tmp_path, c2s_config="max_stanza_size = 10000")
    with running(srv):
        async def main():
            async with connect(srv, max_size=None) as ws:
                await open_stream(ws)
                await ws.send("<message xmlns='jabber:client' to='x@localhost'><body>" +
                              "x" * 100_000 + "</body></message>")
                await expect_stream_error(ws, "policy-violation")
        run(main())


def test_rfc7395_3_2_binary_message_is_refused(server):
    async def main():
        async with connect(server) as ws:
            await open_stream(ws)
            await ws.send(OPEN.encode())
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
            assert ws.close_code == 1003
    run(main())


def test_rfc7395_3_6_1_see_other_uri(tmp_path):
    other = "wss://other.example/xmpp-websocket"
    srv = ws_server(tmp_path, see_other_uri=other)
    with running(srv):
        async def main():
            async with connect(srv) as ws:
                await ws.send(OPEN)
                close = await recv_xml(ws)
                assert close.tag == q(FRAMING, "close")
                assert close.get("see-other-uri") == other
                await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        run(main())


def test_origin_allow_list(tmp_path):
    srv = ws_server(tmp_path, allowed_origins="https://good.example")
    with running(srv):
        async def main():
            with pytest.raises(InvalidStatusCode) as e:
                async with connect(srv, origin="https://evil.example"):
                    pass
            assert e.value.status_code == 403
            async with connect(srv, origin="https://good.example") as ws:
                opened, _ = await open_stream(ws)
                assert opened.get("from") == HOST
            async with connect(srv) as ws:  # no Origin: not a browser
                await open_stream(ws)
        run(main())
        assert "origin https://evil.example refused" in srv.log_text()


def test_sessions_per_address_limit(tmp_path):
    srv = ws_server(tmp_path, max_sessions_per_ip=2)
    with running(srv):
        async def main():
            async with connect(srv) as a, connect(srv) as b:
                await open_stream(a)
                await open_stream(b)
                with pytest.raises(InvalidStatusCode) as e:
                    async with connect(srv):
                        pass
                assert e.value.status_code == 503
            # Slots come back when connections end.
            for _ in range(50):
                try:
                    async with connect(srv) as c:
                        await open_stream(c)
                        return
                except InvalidStatusCode:
                    await asyncio.sleep(0.1)
            raise AssertionError("the address's slots were not given back")
        run(main())


# --- §3.8 keepalive, seen on the wire ----------------------------------------------

def raw_websocket(server):
    """A WebSocket opened by hand over TLS (RFC 6455 §4.1), for reading frames
    exactly as the server sends them (control frames included)."""
    import base64
    sock = socket.create_connection(("127.0.0.1", server.https_port), timeout=TIMEOUT)
    s = insecure_context().wrap_socket(sock, server_hostname=HOST)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /xmpp-websocket HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: xmpp\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    assert b"sec-websocket-protocol: xmpp" in head.lower(), head
    return s


def read_frame(s):
    """(opcode, payload) of the next frame, or None at the end of the connection."""
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf
    head = exactly(2)
    if head is None:
        return None
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(exactly(2), "big")
    elif length == 127:
        length = int.from_bytes(exactly(8), "big")
    assert not head[1] & 0x80, "RFC 6455 §5.1: server frames are not masked"
    return head[0] & 0x0F, exactly(length)


def test_rfc7395_3_8_ping_keepalive_and_silent_client_closed(tmp_path):
    srv = ws_server(tmp_path, keepalive_interval=1)
    with running(srv):
        s = raw_websocket(srv)
        s.settimeout(10)
        t0 = time.monotonic()
        frames = []
        while True:
            f = read_frame(s)
            if f is None:
                break
            frames.append(f[0])
            if f[0] == 0x8:  # close
                break
        elapsed = time.monotonic() - t0
        s.close()
        assert 0x9 in frames, frames  # a ping after 1 s of silence
        # Nothing came back, not even a pong: closed after twice the interval.
        assert 1.5 < elapsed < 8, elapsed


# --- XEP-0198 over WebSocket --------------------------------------------------------

SM = "urn:xmpp:sm:3"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"


async def login_plain(ws, local):
    """Opens the stream, authenticates with PLAIN (inside TLS), restarts."""
    import base64
    await open_stream(ws)
    token = base64.b64encode(f"\0{local}\0{PASSWORD}".encode()).decode()
    await ws.send(f"<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{token}</auth>")
    ok = await recv_xml(ws)
    assert ok.tag == q(NS_SASL, "success"), ET.tostring(ok)
    return await open_stream(ws)  # §3.7: a new <open/> after SASL


def test_xep0198_session_resumed_over_websocket(tmp_path):
    srv = Server(tmp_path)
    with running(srv):
        srv.add_user("carol")

        async def main():
            ws = await connect(srv)
            _, features = await login_plain(ws, "carol")
            assert features.find(q(SM, "sm")) is not None
            await ws.send(f"<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='{NS_BIND}'>"
                          "<resource>web</resource></bind></iq>")
            bound = await recv_xml(ws)
            assert bound.get("type") == "result"
            await ws.send(f"<enable xmlns='{SM}' resume='true'/>")
            enabled = await recv_xml(ws)
            assert enabled.tag == q(SM, "enabled") and enabled.get("resume") in ("true", "1")
            sm_id = enabled.get("id")
            # The connection drops without <close/> or a WebSocket close.
            ws.transport.abort()
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
            async with connect(srv) as ws:
                await login_plain(ws, "carol")
                await ws.send(f"<resume xmlns='{SM}' previd='{sm_id}' h='0'/>")
                resumed = await recv_xml(ws)
                assert resumed.tag == q(SM, "resumed"), ET.tostring(resumed)
                assert resumed.get("previd") == sm_id
                await ws.send(f"<r xmlns='{SM}'/>")
                a = await recv_xml(ws)
                assert a.tag == q(SM, "a")
        run(main())
