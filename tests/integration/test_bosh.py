"""XEP-0124 v1.11.2 BOSH and XEP-0206 v1.4 XMPP over BOSH at /http-bind, against
a real parleyd:

- a real BOSH client library, Strophe.js, in headless Chromium (playwright-core,
  tests/web/bosh_strophe.mjs) logs in, exchanges messages with a slixmpp client
  on TCP, and survives a dropped response: the request carrying its message is
  delivered but its response is lost, Strophe sends the same rid again
  (§14.3), and the message arrives exactly once;
- raw HTTP (http.client over TLS, trusting the server's certificate) for the
  protocol rules: session creation (§7.2, XEP-0206 §3), SASL and the stream
  restart (XEP-0206 §5), retransmitted rid (§14.3), rid out of window and
  unknown sid (§17.1 item-not-found), hold and wait (§4/§8), pause (§10),
  inactivity (§7.2), the sessions-per-address limit (policy-violation), the
  CORS preflight and security headers, a stream error as remote-stream-error
  (XEP-0206 §6), terminate (§13)."""
import asyncio
import base64
import concurrent.futures
import http.client
import json
import random
import ssl
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from clients import Client, TIMEOUT, run
from conftest import HOST, PASSWORD, ROOT, Server, free_port, running

BOSH = "http://jabber.org/protocol/httpbind"
XBOSH = "urn:xmpp:xbosh"
STREAMS = "http://etherx.jabber.org/streams"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND = "urn:ietf:params:xml:ns:xmpp-bind"
CLIENT = "jabber:client"
WEB = ROOT / "tests" / "web"


def bosh_server(tmp_path, http_config="", **settings):
    lines = "\n".join(f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}"
                      for k, v in settings.items())
    return Server(tmp_path, extra_config="[modules.bosh]\n" + lines, http_config=http_config)


def tls_context(server):
    return ssl.create_default_context(cafile=str(server.dir / "data" / "certs" / f"{HOST}.crt"))


def http_request(server, method, body=None, headers=None, path="/http-bind", timeout=90,
                 plain_port=None):
    if plain_port is None:
        conn = http.client.HTTPSConnection(HOST, server.https_port, context=tls_context(server),
                                           timeout=timeout)
    else:  # the plain-HTTP listener ([http] http_port)
        conn = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data
    finally:
        conn.close()


class Bosh:
    """A raw BOSH client: one HTTP request per call, rid counted here."""

    def __init__(self, server):
        self.server = server
        self.sid = None
        self.rid = random.randrange(1 << 20, 1 << 40)
        self.headers = {}

    def post(self, body):
        status, headers, data = http_request(self.server, "POST", body.encode(),
                                             {"Content-Type": "text/xml; charset=utf-8"})
        assert status == 200, (status, data)
        self.headers = headers
        el = ET.fromstring(data)
        assert el.tag == f"{{{BOSH}}}body", data
        return el

    def create(self, wait=5, hold=1, ack=False, to=HOST):
        extra = " ack='1'" if ack else ""
        el = self.post(f"<body xmlns='{BOSH}' xmlns:xmpp='{XBOSH}' rid='{self.rid}' to='{to}' "
                       f"wait='{wait}' hold='{hold}' xml:lang='en' xmpp:version='1.0' "
                       f"content='text/xml; charset=utf-8' ver='1.11'{extra}/>")
        self.sid = el.get("sid")
        return el

    def body(self, payload="", rid=None, **attrs):
        """The XML of a request (the next rid unless given)."""
        if rid is None:
            self.rid += 1
            rid = self.rid
        extra = "".join(f" {k.replace('_', ':', 1) if k.startswith('xmpp_') else k}='{v}'"
                        for k, v in attrs.items())
        return (f"<body xmlns='{BOSH}' xmlns:xmpp='{XBOSH}' rid='{rid}' sid='{self.sid}'"
                f"{extra}>{payload}</body>")

    def send(self, payload="", rid=None, **attrs):
        return self.post(self.body(payload, rid, **attrs))

    def until(self, pred, payload="", deadline=15):
        """Sends `payload`, then empty requests, until a response has an
        element for which pred holds; returns that element."""
        end = time.time() + deadline
        el = self.send(payload)
        while True:
            for child in el:
                if pred(child):
                    return child
            assert el.get("type") != "terminate", ET.tostring(el)
            assert time.time() < end, "nothing matching arrived"
            el = self.send()

    def login(self, local, resource="bosh"):
        """SASL PLAIN (the HTTPS listener is secure), the XEP-0206 §5 restart,
        and resource binding; returns the full JID."""
        created = self.create()
        mechs = created.find(f"{{{STREAMS}}}features/{{{SASL}}}mechanisms")
        assert mechs is not None, ET.tostring(created)
        cred = base64.b64encode(f"\0{local}\0{PASSWORD}".encode()).decode()
        self.until(lambda e: e.tag == f"{{{SASL}}}success",
                   f"<auth xmlns='{SASL}' mechanism='PLAIN'>{cred}</auth>")
        restarted = self.send(to=HOST, xmpp_restart="true")
        features = restarted.find(f"{{{STREAMS}}}features")
        while features is None:
            restarted = self.send()
            features = restarted.find(f"{{{STREAMS}}}features")
        assert features.find(f"{{{BIND}}}bind") is not None, ET.tostring(restarted)
        iq = self.until(lambda e: e.tag == f"{{{CLIENT}}}iq" and e.get("id") == "b1",
                        f"<iq xmlns='{CLIENT}' type='set' id='b1'><bind xmlns='{BIND}'>"
                        f"<resource>{resource}</resource></bind></iq>")
        assert iq.get("type") == "result", ET.tostring(iq)
        return iq.find(f"{{{BIND}}}bind/{{{BIND}}}jid").text


def test_xep0124_7_2_session_creation_response(tmp_path):
    srv = bosh_server(tmp_path)
    with running(srv):
        b = Bosh(srv)
        el = b.create(wait=30, hold=1, ack=True)
        # §7.2 and XEP-0206 §3: the session's terms, the stream id, the features.
        assert len(el.get("sid")) >= 32
        assert el.get("wait") == "30" and el.get("hold") == "1" and el.get("requests") == "2"
        assert el.get("inactivity") and el.get("polling") and el.get("maxpause")
        assert el.get("from") == HOST
        assert el.get("authid")
        assert el.get(f"{{{XBOSH}}}version") == "1.0"
        assert el.get("ack") == str(b.rid)  # §9.1: acknowledgements on
        assert el.find(f"{{{STREAMS}}}features/{{{SASL}}}mechanisms") is not None
        # CORS and security headers on every response.
        assert b.headers["access-control-allow-origin"] == "*"
        assert b.headers["x-content-type-options"] == "nosniff"
        assert b.headers["cache-control"] == "no-store"
        assert b.headers["content-type"].startswith("text/xml")
        # A wait above the maximum is lowered (§7.2).
        el = Bosh(srv).create(wait=3600)
        assert el.get("wait") == "60"


def test_cors_preflight_get_and_custom_origin(tmp_path):
    srv = bosh_server(tmp_path, cors_origin="https://web.example")
    with running(srv):
        status, headers, _ = http_request(srv, "OPTIONS", headers={
            "Origin": "https://web.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert status == 204
        assert headers["access-control-allow-origin"] == "https://web.example"
        assert "POST" in headers["access-control-allow-methods"]
        assert "content-type" in headers["access-control-allow-headers"].lower()
        status, headers, data = http_request(srv, "GET")
        assert status == 200 and b"BOSH" in data
        assert headers["x-content-type-options"] == "nosniff"
        assert http_request(srv, "PUT", body=b"x")[0] == 405
        assert http_request(srv, "POST", body=b"<body", path="/http-bindx")[0] == 404


def test_xep0206_5_sasl_restart_bind_and_messages_both_ways(tmp_path):
    srv = bosh_server(tmp_path)
    with running(srv):
        srv.add_user("web")
        tcp_jid = srv.add_user("tcp")
        b = Bosh(srv)
        full = b.login("web")
        assert full.startswith(f"web@{HOST}/")

        async def scenario():
            c = Client(tcp_jid, roster=False)
            await c.login(srv.c2s_port)
            try:
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    b.send(f"<presence xmlns='{CLIENT}'/>")
                    b.send(f"<message xmlns='{CLIENT}' to='{tcp_jid}' type='chat'>"
                           f"<body>from bosh</body></message>")
                    m = await asyncio.wait_for(c.messages.get(), TIMEOUT)
                    assert m["body"] == "from bosh" and str(m["from"]) == full
                    # A held request carries what arrives for the BOSH client (§8).
                    held = pool.submit(b.until, lambda e: e.tag == f"{{{CLIENT}}}message")
                    await asyncio.sleep(0.5)
                    c.send_message(mto=full, mbody="to bosh", mtype="chat")
                    got = await asyncio.wrap_future(held)
                    assert got.find(f"{{{CLIENT}}}body").text == "to bosh"
            finally:
                await c.close()
        run(scenario())
        # §13: terminate ends the session; the sid is gone afterwards.
        el = b.send(f"<presence xmlns='{CLIENT}' type='unavailable'/>", type="terminate")
        assert el.get("type") == "terminate"
        el = b.send()
        assert el.get("type") == "terminate" and el.get("condition") == "item-not-found"


def test_xep0124_14_3_retransmitted_rid_gets_the_same_response(tmp_path):
    srv = bosh_server(tmp_path)
    with running(srv):
        srv.add_user("web")
        b = Bosh(srv)
        b.login("web")
        body = b.body(f"<iq xmlns='{CLIENT}' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
        first = b.post(body)
        while first.find(f"{{{CLIENT}}}iq") is None:  # the answer may come in the next one
            body = b.body()
            first = b.post(body)
        again = b.post(body)  # the client lost the response: same rid again
        assert ET.tostring(again) == ET.tostring(first)
        assert "answered from the buffer" in srv.log_text()


def test_xep0124_14_3_rid_out_of_window_and_unknown_sid(tmp_path):
    srv = bosh_server(tmp_path)
    with running(srv):
        b = Bosh(srv)
        b.create()
        el = b.send(rid=b.rid + 5)  # requests = 2: far ahead of the window
        assert el.get("type") == "terminate" and el.get("condition") == "item-not-found"
        el = b.send()  # the session is gone
        assert el.get("condition") == "item-not-found"
        b2 = Bosh(srv)
        b2.sid = "0123456789abcdef0123456789abcdef"
        el = b2.send()
        assert el.get("type") == "terminate" and el.get("condition") == "item-not-found"
        # §17.1 bad-request: not a body.
        status, _, data = http_request(srv, "POST", body=b"<nonsense/>")
        assert status == 200 and ET.fromstring(data).get("condition") == "bad-request"


def test_xep0124_14_3_request_ahead_waits_for_the_missing_one(tmp_path):
    srv = bosh_server(tmp_path)
    with running(srv):
        b = Bosh(srv)
        b.create(wait=3)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            later = pool.submit(b.post, b.body(rid=b.rid + 2))  # arrives first
            time.sleep(0.5)
            assert not later.done()
            first = pool.submit(b.post, b.body(rid=b.rid + 1))
            # rid+1 is answered as soon as rid+2 is held (hold=1), rid+2 at its wait.
            assert first.result(10).get("type") is None
            assert later.result(10).get("type") is None
        b.rid += 2
        assert b.send().get("type") is None  # the session goes on


def test_xep0124_8_hold_and_wait_are_honoured(tmp_path):
    srv = bosh_server(tmp_path)
    with running(srv):
        b = Bosh(srv)
        b.create(wait=2, hold=1)
        start = time.time()
        el = b.send()  # nothing to say: held for `wait` seconds, then answered empty
        took = time.time() - start
        assert 1.5 <= took < 5, took
        assert len(el) == 0
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            start = time.time()
            held = pool.submit(b.post, b.body())
            time.sleep(0.5)
            newer = pool.submit(b.post, b.body())
            # hold=1: the newer request releases the older one at once.
            held.result(5)
            assert time.time() - start < 1.5
            newer.result(5)


def test_xep0124_10_pause_and_7_2_inactivity(tmp_path):
    srv = bosh_server(tmp_path, inactivity=2, max_pause=10)
    with running(srv):
        b = Bosh(srv)
        el = b.create(wait=2)
        assert el.get("inactivity") == "2" and el.get("maxpause") == "10"
        start = time.time()
        el = b.send(pause="5")  # answered at once
        assert time.time() - start < 1.5 and el.get("type") is None
        time.sleep(3.5)  # longer than inactivity, shorter than the pause
        assert b.send().get("type") is None
        # A pause longer than maxpause is refused.
        assert b.send(pause="60").get("condition") == "policy-violation"
        # No request for longer than `inactivity`: the session ends.
        b2 = Bosh(srv)
        b2.create(wait=1)
        time.sleep(4)
        el = b2.send()
        assert el.get("type") == "terminate" and el.get("condition") == "item-not-found"
        assert "session ended" in srv.log_text()


def test_sessions_per_address_limit(tmp_path):
    srv = bosh_server(tmp_path, max_sessions_per_ip=2)
    with running(srv):
        first, second, third = Bosh(srv), Bosh(srv), Bosh(srv)
        assert first.create().get("sid")
        assert second.create().get("sid")
        el = third.create()
        assert el.get("type") == "terminate" and el.get("condition") == "policy-violation"
        first.send(type="terminate")
        assert Bosh(srv).create().get("sid")  # a place became free


def test_xep0206_6_stream_error_as_remote_stream_error(tmp_path):
    srv = bosh_server(tmp_path)
    with running(srv):
        b = Bosh(srv)
        b.create()
        # A stanza before authentication is a stream error (RFC 6120 §6.4.1 / §4.9.3.12).
        el = b.send(f"<message xmlns='{CLIENT}' to='x@{HOST}'><body>hi</body></message>")
        while el.get("type") != "terminate":
            el = b.send()
        assert el.get("condition") == "remote-stream-error", ET.tostring(el)
        err = el.find(f"{{{STREAMS}}}error")
        assert err is not None, ET.tostring(el)
        assert len(err) >= 1


def test_strophe_in_chromium_survives_a_dropped_response(tmp_path):
    """Strophe.js over BOSH: the response to the request carrying its message
    is lost; Strophe resends that rid, the server answers it from its buffer,
    and the TCP client receives the message exactly once."""
    srv = bosh_server(tmp_path)
    with running(srv):
        web = srv.add_user("web")
        tcp_jid = srv.add_user("tcp")

        async def scenario():
            c = Client(tcp_jid, roster=False)
            await c.login(srv.c2s_port)
            try:
                proc = await asyncio.create_subprocess_exec(
                    "node", str(WEB / "bosh_strophe.mjs"),
                    f"https://{HOST}:{srv.https_port}/http-bind", web, PASSWORD, tcp_jid,
                    stdout=asyncio.subprocess.PIPE, cwd=str(WEB))
                m = await asyncio.wait_for(c.messages.get(), 60)
                assert m["body"] == "hello over bosh"
                c.send_message(mto=m["from"], mbody="hello from tcp", mtype="chat")
                out, _ = await asyncio.wait_for(proc.communicate(), 90)
                result = json.loads(out.decode().strip().splitlines()[-1])
                assert "error" not in result, result
                await asyncio.sleep(1)
                dup = []
                while not c.messages.empty():
                    dup.append(c.messages.get_nowait())
                return result, str(m["from"]), dup
            finally:
                await c.close()
        # A browser start on a loaded machine can take a while: more than run()'s 60 s.
        result, sender, dup = asyncio.run(asyncio.wait_for(scenario(), 150))
        assert sender == result["jid"]
        assert result["received"] == ["hello from tcp"]
        assert result["dropped_rid"] is not None
        assert result["resent"] >= 1, result  # Strophe sent the lost rid again (§14.3)
        assert f"rid {result['dropped_rid']} again: answered from the buffer" in srv.log_text()
        assert [x["body"] for x in dup if x["body"]] == [], "the message arrived twice"


def test_xep0124_19_1_secure_session_refuses_plain_http(tmp_path):
    """§19.1: once a session was created over HTTPS, a request of it over an
    unencrypted connection is not answered: the connection manager "SHOULD
    simply close the connection" and "SHOULD NOT terminate the session"."""
    plain = free_port()
    srv = bosh_server(tmp_path, http_config=f"http_port = {plain}")
    with running(srv):
        b = Bosh(srv)
        b.create(wait=2)
        leaked = b.body()  # the next rid, sent over plain HTTP
        try:
            status, _, data = http_request(srv, "POST", leaked.encode(), plain_port=plain,
                                           timeout=10)
            raise AssertionError(f"answered over plain HTTP: {status} {data!r}")
        except (http.client.RemoteDisconnected, ConnectionResetError):
            pass  # closed without a response
        assert "for a session created over HTTPS: connection closed" in srv.log_text()
        # The session is untouched: the same rid over HTTPS is processed.
        el = b.post(leaked)
        assert el.get("type") is None, ET.tostring(el)
        assert b.send().get("type") is None
        # A session created over plain HTTP works there, and is not secure:
        # with require_encryption (the default) its features offer no SASL
        # (RFC 6120 §5.3.1, §6.4.1), and never PLAIN.
        status, _, data = http_request(
            srv, "POST", (f"<body xmlns='{BOSH}' xmlns:xmpp='{XBOSH}' rid='1000' to='{HOST}' "
                          f"wait='2' hold='1' xmpp:version='1.0' ver='1.11'/>").encode(),
            plain_port=plain)
        assert status == 200, data
        el = ET.fromstring(data)
        assert el.get("sid") and el.get("type") is None, data
        assert el.find(f"{{{STREAMS}}}features") is not None, data
        assert el.find(f"{{{STREAMS}}}features/{{{SASL}}}mechanisms") is None, data
