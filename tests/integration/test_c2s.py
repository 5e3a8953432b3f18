"""Client-to-server streams with real clients: TLS, SASL, binding (RFC 6120)."""
import asyncio

import pytest

from clients import Client, RawStream, XmppStream, run, TIMEOUT
from conftest import HOST


def test_rfc6120_starttls_scram_sha256_login(server):
    jid = server.add_user("alice")

    async def scenario():
        c = await Client(jid + "/laptop").login(server.c2s_port)
        assert str(c.boundjid) == jid + "/laptop"
        assert c.is_connected()
        await c.close()

    run(scenario())
    assert f"{jid} authenticated from 127.0.0.1 (TLS)" in server.log_text()


@pytest.mark.parametrize("mech", ["SCRAM-SHA-1", "SCRAM-SHA-512", "PLAIN"])
def test_rfc6120_other_mechanisms(server, mech):
    jid = server.add_user("alice")

    async def scenario():
        c = await Client(jid, mech=mech).login(server.c2s_port)
        await c.close()

    run(scenario())


def test_xep0368_direct_tls_login(server):
    jid = server.add_user("alice")

    async def scenario():
        c = await Client(jid).login(server.tls_port, direct_tls=True)
        assert c.boundjid.resource  # RFC 6120 §7.6.2.1: the server generated one
        await c.close()

    run(scenario())


def test_rfc6120_6_5_10_wrong_password_fails(server):
    jid = server.add_user("alice")

    async def scenario():
        c = Client(jid, password="wrong")
        c.connect(("127.0.0.1", server.c2s_port))
        await asyncio.wait_for(c.auth_failed.wait(), TIMEOUT)
        assert not c.started.is_set()
        c.disconnect()

    run(scenario())
    assert "authentication of alice@localhost from 127.0.0.1 failed: <not-authorized/>" in server.log_text()


def test_unknown_user_fails_like_a_wrong_password(server):
    async def scenario():
        c = Client("nobody@" + HOST)
        c.connect(("127.0.0.1", server.c2s_port))
        await asyncio.wait_for(c.auth_failed.wait(), TIMEOUT)
        c.disconnect()

    run(scenario())


def test_rfc6120_7_7_2_2_resource_conflict_replaces_old_session(server):
    jid = server.add_user("alice")

    async def scenario():
        old = await Client(jid + "/phone").login(server.c2s_port)
        new = await Client(jid + "/phone").login(server.c2s_port)
        await asyncio.wait_for(old.disconnected_ev.wait(), TIMEOUT)
        assert new.is_connected()
        await new.close()

    run(scenario())
    assert "stream error <conflict/>" in server.log_text()


def raw_stream_error(server, payload, open_stream=True, to=HOST):
    s = RawStream(server.c2s_port)
    if open_stream:
        s.open_stream(to)
    s.send(payload)
    text = s.recv_all()
    s.close()
    return text


def test_rfc6120_4_9_3_6_host_unknown(server):
    text = raw_stream_error(server, "", to="elsewhere.example")
    assert "<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'" in text or \
           '<host-unknown xmlns="urn:ietf:params:xml:ns:xmpp-streams"' in text
    assert text.rstrip().endswith("</stream:stream>")


def test_rfc6120_4_9_3_10_invalid_namespace(server):
    text = raw_stream_error(server, "<stream:stream to='localhost' version='1.0' xmlns='jabber:server' "
                                    "xmlns:stream='http://etherx.jabber.org/streams'>", open_stream=False)
    assert "invalid-namespace" in text


def test_rfc6120_4_9_3_25_unsupported_version(server):
    text = raw_stream_error(server, "<stream:stream to='localhost' xmlns='jabber:client' "
                                    "xmlns:stream='http://etherx.jabber.org/streams'>", open_stream=False)
    assert "unsupported-version" in text


def test_rfc6120_4_9_3_13_not_well_formed(server):
    text = raw_stream_error(server, "<message><body>hi</message>")
    assert "<not-well-formed" in text
    assert text.rstrip().endswith("</stream:stream>")


def test_rfc6120_11_1_restricted_xml(server):
    for payload in ["<!-- a comment -->", "<?pi data?>", "<!DOCTYPE foo>"]:
        text = raw_stream_error(server, payload)
        assert "<restricted-xml" in text or "<not-well-formed" in text, payload
    # A comment inside the stream is the clear case: restricted-xml exactly.
    assert "<restricted-xml" in raw_stream_error(server, "<!-- a comment -->")


def test_rfc6120_4_9_3_14_stanza_too_big(server):
    text = raw_stream_error(server, "<message><body>" + "x" * (300 * 1024) + "</body></message>")
    assert "<policy-violation" in text


def test_auth_before_starttls_is_refused(server):
    s = RawStream(server.c2s_port)
    s.open_stream()
    features = s.recv_until("</stream:features>")
    assert "<required/>" in features and "starttls" in features
    assert "<mechanisms" not in features  # no SASL before TLS by default
    s.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHB3</auth>")
    assert "<encryption-required/>" in s.recv_until("</failure>")
    s.close()


def test_stanza_before_auth_gets_not_authorized(server):
    text = raw_stream_error(server, "<message to='bob@localhost'><body>hi</body></message>")
    assert "<not-authorized" in text


def test_bad_client_does_not_disturb_others(server):
    """Malformed XML gets a stream error while two other clients keep chatting."""
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await Client(a + "/x").login(server.c2s_port)
        bob = await Client(b + "/y").login(server.c2s_port)
        loop = asyncio.get_running_loop()
        bad = await loop.run_in_executor(None, raw_stream_error, server, "<iq><<<</iq>")
        assert "<not-well-formed" in bad
        alice.send_message(mto=b + "/y", mbody="still here?", mtype="chat")
        msg = await bob.next_message()
        assert msg["body"] == "still here?"
        bob.send_message(mto=a + "/x", mbody="yes", mtype="chat")
        assert (await alice.next_message())["body"] == "yes"
        await alice.close()
        await bob.close()

    run(scenario())


def test_client_that_never_reads_is_disconnected_not_buffered_forever(server):
    """A client that stops reading is closed with <resource-constraint/>
    (RFC 6120 §4.9.3.17) once its backlog passes 4 MiB; the sender is unaffected."""
    a = server.add_user("alice")
    b = server.add_user("bob")
    sleeper = XmppStream(server.c2s_port)
    sleeper.login("bob", resource="asleep")
    sleeper.send("<presence/>")
    flooder = XmppStream(server.c2s_port)
    flooder.login("alice", resource="flood")
    body = "z" * 60000
    for i in range(400):  # 24 MB: more than the queue limit plus the socket buffers
        flooder.send(f"<message to='{b}/asleep' type='chat' id='m{i}'><body>{body}</body></message>")
    flooder.send("<iq type='get' id='still-alive'><ping xmlns='urn:xmpp:ping'/></iq>")
    pong = flooder.wait_for(lambda el: el.get("id") == "still-alive", timeout=30)
    assert pong.get("type") == "result"
    assert "stream error <resource-constraint/> to bob@localhost/asleep" in server.log_text()
    sleeper.close()
    flooder.close()


def test_quiet_clients_keep_their_streams_after_the_idle_sweep(server):
    """Sessions quiet for two idle-sweep periods (5 s each) give back their XML
    parser state (docs/ARCHITECTURE.md "Memory per connection"); the next
    stanza rebuilds it inside the stream, so the default namespace of the
    stream header (RFC 6120 §4.8.3) still applies and chat goes on."""
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await Client(a + "/x").login(server.c2s_port)
        bob = await Client(b + "/y").login(server.c2s_port)
        await asyncio.sleep(11)
        alice.send_message(mto=b + "/y", mbody="after the sweep", mtype="chat")
        assert (await bob.next_message())["body"] == "after the sweep"
        await asyncio.sleep(11)
        bob.send_message(mto=a + "/x", mbody="still fine", mtype="chat")
        assert (await alice.next_message())["body"] == "still fine"
        await alice.close()
        await bob.close()

    run(scenario())
