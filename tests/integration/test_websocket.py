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
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import websockets

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


def test_xep0156_3_host_meta_lists_the_websocket_endpoint(server):
    want = f"wss://{HOST}:{server.https_port}/xmpp-websocket"
    status, headers, body = https_get(server, "/.well-known/host-meta")
    assert status == 200
    assert headers["content-type"].startswith("application/xrd+xml")
    assert headers["access-control-allow-origin"] == "*"
    xrd = ET.fromstring(body)
    assert xrd.tag == q(XRD, "XRD")
    links = [(l.get("rel"), l.get("href")) for l in xrd.findall(q(XRD, "Link"))]
    assert (REL_WS, want) in links, links

    status, headers, body = https_get(server, "/.well-known/host-meta.json")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert {"rel": REL_WS, "href": want} in json.loads(body)["links"]

    status, headers, _ = https_get(server, "/.well-known/host-meta", method="OPTIONS",
                                   headers={"Origin": "https://web.example",
                                            "Access-Control-Request-Method": "GET"})
    assert status == 204 and headers["access-control-allow-origin"] == "*"
    assert https_get(server, "/.well-known/host-metax")[0] == 404


# --- Raw WebSocket: framing, errors, closing -------------------------------------------

def test_rfc7395_3_1_handshake_requires_the_xmpp_subprotocol(server):
    async def main():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            async with connect(server, subprotocols=()):
                pass
        assert e.value.status_code == 400
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
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
            with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
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
                with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
                    async with connect(srv):
                        pass
                assert e.value.status_code == 503
            # Slots come back when connections end.
            for _ in range(50):
                try:
                    async with connect(srv) as c:
                        await open_stream(c)
                        return
                except websockets.exceptions.InvalidStatusCode:
                    await asyncio.sleep(0.1)
            raise AssertionError("the address's slots were not given back")
        run(main())
