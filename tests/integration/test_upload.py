"""XEP-0363 HTTP File Upload v1.1.0 with real slixmpp clients and a real HTTP
client (Python's http.client over TLS, trusting the server's certificate)
against a real parleyd: discovery (§3) with max-file-size, a 10 MiB upload by
one account downloaded byte-identical by another, the §4 errors (file too
large with <max-file-size/>, quota, users of other domains), expired and
tampered slots, a slot used twice, an incomplete upload that never appears,
Range requests (RFC 9110 §14), the headers against content sniffing and the
CORS preflight (§6, §12).

slixmpp's xep_0363 plugin needs aiohttp, which Debian's interpreter lacks, so
the slot request is an iq sent through slixmpp with the XEP's payload."""
import asyncio
import hashlib
import http.client
import os
import ssl
import time
import urllib.parse
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

from clients import Client, TIMEOUT, run, q, stanza_error
from conftest import HOST, Server, running

UPLOAD = "urn:xmpp:http:upload:0"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DATA = "jabber:x:data"
SERVICE = f"upload.{HOST}"


def upload_server(tmp_path, **settings):
    lines = "\n".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}"
                      for k, v in settings.items()).replace("'", '"')
    return Server(tmp_path, extra_config="[modules.upload]\n" + lines)


def tls_context(server):
    """Trusts exactly the server's self-signed certificate (checked for 'localhost')."""
    ctx = ssl.create_default_context(cafile=str(server.dir / "data" / "certs" / f"{HOST}.crt"))
    return ctx


def http_request(server, method, url, body=None, headers=None):
    """(status, headers dict lower-cased, body bytes) of one request."""
    u = urllib.parse.urlsplit(url)
    assert u.scheme == "https" and u.hostname == HOST, url
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=tls_context(server), timeout=60)
    try:
        path = u.path + (f"?{u.query}" if u.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data
    finally:
        conn.close()


async def login(server, local):
    c = Client(server.add_user(local), roster=False)
    return await c.login(server.c2s_port)


async def request_slot(client, filename, size, content_type=None, to=SERVICE):
    """§4: sends the slot request; returns (put_url, get_url) or raises IqError."""
    iq = client.make_iq_get(ito=to)
    req = ET.Element(f"{{{UPLOAD}}}request", filename=filename, size=str(size))
    if content_type:
        req.set("content-type", content_type)
    iq.append(req)
    res = await iq.send(timeout=TIMEOUT)
    slot = res.xml.find(q(UPLOAD, "slot"))
    return slot.find(q(UPLOAD, "put")).get("url"), slot.find(q(UPLOAD, "get")).get("url")


async def slot_error(client, filename, size, content_type=None):
    try:
        await request_slot(client, filename, size, content_type)
    except IqError as e:
        return e.iq
    raise AssertionError("the slot request succeeded")


def put(server, url, data, content_type="application/octet-stream", headers=None):
    h = {"Content-Type": content_type, "Content-Length": str(len(data))}
    h.update(headers or {})
    return http_request(server, "PUT", url, body=data, headers=h)


def test_discovery_advertises_max_file_size(tmp_path):
    """§3: the service is listed in the server's disco#items and its
    disco#info has identity store/file, the feature and max-file-size in a
    form of FORM_TYPE urn:xmpp:http:upload:0 (XEP-0128)."""
    srv = upload_server(tmp_path, max_file_size=12345)
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            items = await c["xep_0030"].get_items(jid=HOST)
            assert SERVICE in [i[0] for i in items["disco_items"]["items"]]
            info = await c["xep_0030"].get_info(jid=SERVICE)
            query = info.xml.find(q(DISCO_INFO, "query"))
            ids = [(i.get("category"), i.get("type")) for i in query.findall(q(DISCO_INFO, "identity"))]
            assert ("store", "file") in ids
            assert UPLOAD in [f.get("var") for f in query.findall(q(DISCO_INFO, "feature"))]
            form = query.find(q(DATA, "x"))
            fields = {f.get("var"): f.find(q(DATA, "value")).text for f in form.findall(q(DATA, "field"))}
            assert fields["FORM_TYPE"] == UPLOAD
            assert fields["max-file-size"] == "12345"
            await c.close()
        run(go())


def test_ten_mib_upload_downloaded_byte_identical_by_another_account(tmp_path):
    """§4-§5: alice gets a slot, PUTs 10 MiB over HTTPS; bob GETs it back
    byte-identical with Content-Type, Content-Length, nosniff,
    Content-Disposition and CORS headers."""
    srv = upload_server(tmp_path, max_file_size=20 * 1024 * 1024)
    data = os.urandom(10 * 1024 * 1024)
    with running(srv):
        async def go():
            alice = await login(srv, "alice")
            bob = await login(srv, "bob")
            put_url, get_url = await request_slot(alice, "holiday photo.jpg", len(data), "image/jpeg")
            assert put_url.startswith(f"https://{HOST}:{srv.https_port}/")
            assert get_url.endswith("/holiday%20photo.jpg")
            status, _, _ = await asyncio.to_thread(put, srv, put_url, data, "image/jpeg")
            assert status == 201
            # Bob receives the URL in a message, as clients share it (XEP-0066 OOB).
            alice.send_message(mto=bob.boundjid.bare, mbody=get_url, mtype="chat")
            msg = await bob.next_message()
            status, headers, body = await asyncio.to_thread(http_request, srv, "GET", msg["body"])
            assert status == 200
            assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
            assert headers["content-type"] == "image/jpeg"
            assert headers["content-length"] == str(len(data))
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["content-disposition"].startswith("inline")
            assert headers["access-control-allow-origin"] == "*"
            assert headers["accept-ranges"] == "bytes"
            await alice.close()
            await bob.close()
        run(go())
    # Written under a temporary name, moved into place: nothing is left behind.
    store = tmp_path / "data" / "upload" / HOST
    assert os.listdir(store / ".tmp") == []


def test_file_too_large_refused_with_max_file_size(tmp_path):
    """§4 (Example 6): not-acceptable, type modify, with <file-too-large/>
    carrying <max-file-size/>."""
    srv = upload_server(tmp_path, max_file_size=1000)
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            err = await slot_error(c, "big.bin", 1001)
            assert stanza_error(err.xml) == ("modify", "not-acceptable")
            too_large = err.xml.find(f"{q('jabber:client', 'error')}/{q(UPLOAD, 'file-too-large')}")
            assert too_large is not None
            assert too_large.find(q(UPLOAD, "max-file-size")).text == "1000"
            # A bad request is not confused with it.
            err = await slot_error(c, "", 10)
            assert stanza_error(err.xml) == ("modify", "bad-request")
            await c.close()
        run(go())


def test_quota_exhausted(tmp_path):
    """§4 (Example 7): a user over quota gets resource-constraint, type wait;
    another user still gets slots."""
    srv = upload_server(tmp_path, max_file_size=2000, quota=3000)
    with running(srv):
        async def go():
            alice = await login(srv, "alice")
            put_url, _ = await request_slot(alice, "a.bin", 2000)
            status, _, _ = await asyncio.to_thread(put, srv, put_url, b"a" * 2000)
            assert status == 201
            err = await slot_error(alice, "b.bin", 1500)
            assert stanza_error(err.xml) == ("wait", "resource-constraint")
            assert "Quota" in err.xml.find(f"{q('jabber:client', 'error')}/"
                                           f"{q('urn:ietf:params:xml:ns:xmpp-stanzas', 'text')}").text
            put_url, _ = await request_slot(alice, "c.bin", 1000)  # still fits
            bob = await login(srv, "bob")
            await request_slot(bob, "b.bin", 1500)
            await alice.close()
            await bob.close()
        run(go())


def test_only_allowed_domains_get_slots(tmp_path):
    """§4 (Example 8): not-allowed for users the service does not serve."""
    srv = upload_server(tmp_path, allowed_domains="example.org")
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            err = await slot_error(c, "a.txt", 10)
            assert stanza_error(err.xml) == ("cancel", "not-allowed")
            await c.close()
        run(go())


def test_expired_tampered_and_reused_slots_refused(tmp_path):
    """Slot URLs are HMAC-signed and expire: an expired slot, a URL whose
    terms were changed, a body of another size or type, and a second PUT to a
    used slot are refused; none of them creates a file."""
    srv = upload_server(tmp_path, slot_lifetime=1)
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            put_url, get_url = await request_slot(c, "x.txt", 5, "text/plain")
            # Tampered: a bigger size in the URL.
            forged = put_url.replace("l=5", "l=6")
            status, _, _ = await asyncio.to_thread(put, srv, forged, b"123456", "text/plain")
            assert status == 403
            # The announced size and type must match.
            status, _, _ = await asyncio.to_thread(put, srv, put_url, b"1234", "text/plain")
            assert status == 400
            status, _, _ = await asyncio.to_thread(put, srv, put_url, b"12345", "text/html")
            assert status == 400
            status, _, _ = await asyncio.to_thread(put, srv, put_url, b"12345", "text/plain")
            assert status == 201
            status, _, _ = await asyncio.to_thread(put, srv, put_url, b"12345", "text/plain")
            assert status == 409
            # Expired (slot_lifetime = 1 s).
            put2, get2 = await request_slot(c, "y.txt", 5, "text/plain")
            await asyncio.sleep(2.1)
            status, _, body = await asyncio.to_thread(put, srv, put2, b"12345", "text/plain")
            assert status == 403 and b"expired" in body
            status, _, _ = await asyncio.to_thread(http_request, srv, "GET", get2)
            assert status == 404
            # Files are not listable.
            base = get_url.rsplit("/", 2)[0] + "/"
            status, _, _ = await asyncio.to_thread(http_request, srv, "GET", base)
            assert status == 404
            await c.close()
        run(go())


def test_incomplete_upload_never_appears(tmp_path):
    """The body is written under a temporary name and moved into place only
    when complete: a PUT cut short leaves no file to GET."""
    srv = upload_server(tmp_path)
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            put_url, get_url = await request_slot(c, "cut.bin", 100000)
            u = urllib.parse.urlsplit(put_url)

            def cut_short():
                conn = http.client.HTTPSConnection(u.hostname, u.port, context=tls_context(srv))
                conn.putrequest("PUT", f"{u.path}?{u.query}")
                conn.putheader("Content-Length", "100000")
                conn.putheader("Content-Type", "application/octet-stream")
                conn.endheaders()
                conn.send(b"x" * 5000)
                conn.sock.close()
            await asyncio.to_thread(cut_short)
            await asyncio.sleep(0.3)
            status, _, _ = await asyncio.to_thread(http_request, srv, "GET", get_url)
            assert status == 404
            await c.close()
        run(go())
    assert os.listdir(tmp_path / "data" / "upload" / HOST / ".tmp") == []


def test_range_requests(tmp_path):
    """RFC 9110 §14: 206 with Content-Range for a byte range, a suffix range
    and an open range; 416 with 'bytes */size' beyond the end; HEAD gives the
    headers alone."""
    srv = upload_server(tmp_path)
    data = bytes(range(256)) * 40  # 10240 bytes
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            put_url, get_url = await request_slot(c, "voice.ogg", len(data), "audio/ogg")
            status, _, _ = await asyncio.to_thread(put, srv, put_url, data, "audio/ogg")
            assert status == 201
            for rng, (a, b) in [("bytes=10-19", (10, 20)), ("bytes=-5", (len(data) - 5, len(data))),
                                ("bytes=10000-", (10000, len(data))),
                                ("bytes=10230-99999", (10230, len(data)))]:
                status, h, body = await asyncio.to_thread(http_request, srv, "GET", get_url, None,
                                                          {"Range": rng})
                assert status == 206, rng
                assert body == data[a:b], rng
                assert h["content-range"] == f"bytes {a}-{b - 1}/{len(data)}"
                assert h["content-length"] == str(b - a)
            status, h, _ = await asyncio.to_thread(http_request, srv, "GET", get_url, None,
                                                   {"Range": "bytes=20000-"})
            assert status == 416
            assert h["content-range"] == f"bytes */{len(data)}"
            status, h, body = await asyncio.to_thread(http_request, srv, "HEAD", get_url)
            assert status == 200 and body == b"" and h["content-length"] == str(len(data))
            await c.close()
        run(go())


def test_cors_preflight_and_attachment_for_active_content(tmp_path):
    """§6: web clients upload from other origins, so OPTIONS answers the CORS
    preflight; §12: HTML is served as an attachment with nosniff and a
    sandboxing Content-Security-Policy, never rendered as the server's page."""
    srv = upload_server(tmp_path)
    page = b"<script>alert(1)</script>"
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            put_url, get_url = await request_slot(c, "page.html", len(page), "text/html")
            status, h, _ = await asyncio.to_thread(
                http_request, srv, "OPTIONS", put_url, None,
                {"Origin": "https://web.example", "Access-Control-Request-Method": "PUT",
                 "Access-Control-Request-Headers": "content-type"})
            assert status in (200, 204)
            assert h["access-control-allow-origin"] == "*"
            assert "PUT" in h["access-control-allow-methods"]
            assert "content-type" in h["access-control-allow-headers"].lower()
            status, _, _ = await asyncio.to_thread(put, srv, put_url, page, "text/html")
            assert status == 201
            status, h, body = await asyncio.to_thread(http_request, srv, "GET", get_url)
            assert status == 200 and body == page
            assert h["content-disposition"].startswith("attachment")
            assert h["x-content-type-options"] == "nosniff"
            assert "sandbox" in h["content-security-policy"]
            await c.close()
        run(go())


def test_expiry_by_total_size(tmp_path):
    """Old files are removed when the store passes max_total_size (oldest first)."""
    srv = upload_server(tmp_path, max_total_size=2500)
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            urls = []
            for i in range(3):
                put_url, get_url = await request_slot(c, f"f{i}.bin", 1000)
                status, _, _ = await asyncio.to_thread(put, srv, put_url, b"z" * 1000)
                assert status == 201
                urls.append(get_url)
                await asyncio.sleep(1.05)  # distinct creation seconds
            statuses = [(await asyncio.to_thread(http_request, srv, "GET", u))[0] for u in urls]
            assert statuses == [404, 200, 200]
            await c.close()
        run(go())


def test_http_server_plain_listener_keep_alive_and_header_limit(tmp_path):
    """The HTTP server under the upload service: a plain-HTTP listener for a
    reverse proxy (http_port) serving the same routes as HTTPS, keep-alive
    (several requests on one connection), 404 for paths nobody serves, 431
    for a header over max_header_size, and slot URLs built on external_url."""
    from conftest import free_port
    port = free_port()
    srv = Server(tmp_path, http_config=f'http_port = {port}\nmax_header_size = 4096\n'
                                       f'external_url = "https://files.example.org/"')
    with running(srv):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(3):  # one connection, three requests
            conn.request("GET", "/nothing-here")
            res = conn.getresponse()
            assert res.status == 404
            res.read()
        conn.request("GET", "/upload/localhost/", headers={"X-Big": "a" * 8000})
        res = conn.getresponse()
        assert res.status == 431
        conn.close()

        async def go():
            c = await login(srv, "alice")
            put_url, get_url = await request_slot(c, "n.txt", 3, "text/plain")
            assert put_url.startswith("https://files.example.org/upload/localhost/")
            # Through the reverse proxy's side door: plain HTTP, same route.
            u = urllib.parse.urlsplit(put_url)
            plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            plain.request("PUT", f"{u.path}?{u.query}", body=b"abc",
                          headers={"Content-Type": "text/plain"})
            assert plain.getresponse().status == 201
            plain.close()
            plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            plain.request("GET", urllib.parse.urlsplit(get_url).path)
            res = plain.getresponse()
            assert res.status == 200 and res.read() == b"abc"
            plain.close()
            await c.close()
        run(go())
