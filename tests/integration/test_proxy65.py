"""XEP-0065 SOCKS5 Bytestreams v1.8.2 §6 (mediated connections) through
parleyd's proxy at proxy.localhost, with real slixmpp clients: discovery
(§4: identity proxy/bytestreams and the streamhost address), a file sent from
one slixmpp client to another through the proxy byte-identical (slixmpp's
xep_0065 plugin does the negotiation, the SOCKS5 connections and the
activation), the activation errors, and the relay's limits (idle timeout,
one pair per hash) with raw SOCKS5 (RFC 1928) sockets."""
import asyncio
import hashlib
import os
import socket
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

from clients import Client, TIMEOUT, run, q, stanza_error
from conftest import HOST, Server, free_port, running

BYTESTREAMS = "http://jabber.org/protocol/bytestreams"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
PROXY = f"proxy.{HOST}"


def proxy_server(tmp_path, **settings):
    port = free_port()
    extra = "\n".join(f"{k} = {v}" for k, v in settings.items())
    srv = Server(tmp_path, extra_config=f"""
[modules]
enabled = ["roster", "presence", "ping", "proxy65", "disco"]

[modules.proxy65]
bind = "127.0.0.1"
address = "127.0.0.1"
port = {port}
{extra}
""")
    srv.proxy_port = port
    return srv


async def login(server, local):
    c = Client(server.add_user(local), roster=False)
    c.register_plugin("xep_0065")
    c["xep_0065"].auto_accept = True
    return await c.login(server.c2s_port)


def dst_addr(sid, initiator, target):
    """XEP-0065 §5.3.2: SHA1(SID + Initiator JID + Target JID) in hex."""
    return hashlib.sha1(f"{sid}{initiator}{target}".encode()).hexdigest()


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise AssertionError(f"connection closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def socks5_connect(port, dest, expect=0):
    """RFC 1928 §3-§6: no authentication, CONNECT to domain `dest`, port 0."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"\x05\x01\x00")
    assert recv_exact(s, 2) == b"\x05\x00"
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(dest)]) + dest.encode() + b"\x00\x00")
    reply = recv_exact(s, 5)
    assert reply[:2] == bytes([5, expect]), reply
    if expect == 0:
        rest = recv_exact(s, reply[4] + 2)
        assert rest[:-2].decode() == dest
    return s


async def activate(client, sid, target, to=PROXY):
    iq = client.make_iq_set(ito=to)
    query = ET.Element(f"{{{BYTESTREAMS}}}query", sid=sid)
    if target is not None:
        ET.SubElement(query, f"{{{BYTESTREAMS}}}activate").text = target
    iq.append(query)
    return await iq.send(timeout=TIMEOUT)


async def activation_error(client, sid, target):
    try:
        await activate(client, sid, target)
    except IqError as e:
        return stanza_error(e.iq.xml)
    raise AssertionError("activation succeeded")


def test_discovery_and_streamhost_address(tmp_path):
    """§4: the proxy is in the server's disco#items, has identity
    proxy/bytestreams and the feature, and tells its network address."""
    srv = proxy_server(tmp_path)
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            proxies = await c["xep_0065"].discover_proxies()
            assert proxies == {PROXY: ("127.0.0.1", str(srv.proxy_port))} or \
                proxies == {PROXY: ("127.0.0.1", srv.proxy_port)}
            info = await c["xep_0030"].get_info(jid=PROXY)
            query = info.xml.find(q(DISCO_INFO, "query"))
            assert BYTESTREAMS in [f.get("var") for f in query.findall(q(DISCO_INFO, "feature"))]
            await c.close()
        run(go())


def test_file_through_the_proxy_between_two_slixmpp_clients(tmp_path):
    """§6: alice (requester) offers the proxy as streamhost, bob (target)
    connects to it and says so, alice connects and activates it (§6.3.2);
    then 2 MiB go from alice to bob through the relay unchanged."""
    srv = proxy_server(tmp_path)
    data = os.urandom(2 * 1024 * 1024)
    with running(srv):
        async def go():
            alice = await login(srv, "alice")
            bob = await login(srv, "bob")
            received = bytearray()
            closed = asyncio.Event()
            bob.add_event_handler("socks5_data", lambda d: received.extend(d))
            bob.add_event_handler("socks5_closed", lambda e: closed.set())
            await alice["xep_0065"].discover_proxies()
            conn = await alice["xep_0065"].handshake(bob.boundjid.full)
            assert conn is not None, "handshake failed"
            for i in range(0, len(data), 32768):
                await conn.write(data[i:i + 32768])
            await asyncio.sleep(0)
            conn.transport.close()
            await asyncio.wait_for(closed.wait(), 30)
            assert len(received) == len(data)
            assert hashlib.sha256(received).digest() == hashlib.sha256(data).digest()
            await alice.close()
            await bob.close()
        run(go())


def test_raw_relay_both_directions_and_activation_errors(tmp_path):
    """The relay copies both ways; only the initiator's hash activates
    (a third user gets item-not-found); activation before both parties are
    connected is item-not-found; a request without sid/activate is
    bad-request; a third connection under an active hash is refused."""
    srv = proxy_server(tmp_path)
    with running(srv):
        async def go():
            alice = await login(srv, "alice")
            bob = await login(srv, "bob")
            eve = await login(srv, "eve")
            sid = "s1"
            target = bob.boundjid.full
            dest = dst_addr(sid, alice.boundjid.full, target)
            t = await asyncio.to_thread(socks5_connect, srv.proxy_port, dest)
            # Only the target is there: nothing to activate yet.
            assert await activation_error(alice, sid, target) == ("cancel", "item-not-found")
            i = await asyncio.to_thread(socks5_connect, srv.proxy_port, dest)
            # A third connection under the same hash is refused (RFC 1928 REP 0x02).
            await asyncio.to_thread(socks5_connect, srv.proxy_port, dest, 2)
            assert await activation_error(eve, sid, target) == ("cancel", "item-not-found")
            assert await activation_error(alice, "", target) == ("modify", "bad-request")
            assert await activation_error(alice, sid, None) == ("modify", "bad-request")
            await activate(alice, sid, target)
            i.sendall(b"hello target")
            assert await asyncio.to_thread(recv_exact, t, 12) == b"hello target"
            t.sendall(b"hello initiator")
            assert await asyncio.to_thread(recv_exact, i, 15) == b"hello initiator"
            # End of stream passes through: the initiator closes, the target sees EOF.
            i.shutdown(socket.SHUT_WR)
            assert await asyncio.to_thread(t.recv, 10) == b""
            t.close()
            i.close()
            for c in (alice, bob, eve):
                await c.close()
        run(go())


def test_idle_transfer_closed(tmp_path):
    """A transfer without a byte for idle_timeout is closed on both sides."""
    srv = proxy_server(tmp_path, idle_timeout=1)
    with running(srv):
        async def go():
            alice = await login(srv, "alice")
            dest = dst_addr("idle", alice.boundjid.full, "bob@localhost/x")
            t = await asyncio.to_thread(socks5_connect, srv.proxy_port, dest)
            i = await asyncio.to_thread(socks5_connect, srv.proxy_port, dest)
            await activate(alice, "idle", "bob@localhost/x")
            t.settimeout(15)
            i.settimeout(15)
            assert await asyncio.to_thread(t.recv, 10) == b""
            assert await asyncio.to_thread(i.recv, 10) == b""
            t.close()
            i.close()
            await alice.close()
        run(go())


def test_proxy_refuses_other_domains_and_bad_socks(tmp_path):
    """§4: users the proxy does not serve get not-allowed; a SOCKS5 request
    that is not the XEP's (an IPv4 address) is refused with REP 0x08."""
    srv = proxy_server(tmp_path, allowed_domains='"example.org"')
    with running(srv):
        async def go():
            c = await login(srv, "alice")
            iq = c.make_iq_get(ito=PROXY)
            iq.append(ET.Element(f"{{{BYTESTREAMS}}}query"))
            try:
                await iq.send(timeout=TIMEOUT)
                raise AssertionError("the proxy answered")
            except IqError as e:
                assert stanza_error(e.iq.xml) == ("cancel", "not-allowed")
            await c.close()
        run(go())

        s = socket.create_connection(("127.0.0.1", srv.proxy_port), timeout=10)
        s.sendall(b"\x05\x01\x00")
        assert recv_exact(s, 2) == b"\x05\x00"
        s.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50")
        assert recv_exact(s, 2) == b"\x05\x08"
        s.close()
