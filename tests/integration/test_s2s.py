"""Federation between two real parleyd processes on loopback (issue 4):
a.test and b.test, static routes to each other, certificates from a test CA
made here. RFC 6120 (streams, STARTTLS, SASL EXTERNAL per XEP-0178), XEP-0220
(dialback), RFC 6121 (subscriptions, presence, messages across servers)."""
import base64
import socket
import time

import pytest

from clients import TIMEOUT, Client, run, subscription, until
from conftest import Server, free_port, running
from s2s_util import S2sStream, TestCA, client_cert_context, tls_config

NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ca"))


def federated_pair(tmp_path, ca, auth="certificate", trusted=True):
    """Two servers routed to each other. With trusted=False each presents a
    certificate from a CA the other does not trust (so only dialback works)."""
    a = Server(tmp_path / "a", host="a.test")
    b = Server(tmp_path / "b", host="b.test")
    other_ca = TestCA(tmp_path / "untrusted-ca") if not trusted else None
    for srv, peer in ((a, b), (b, a)):
        issuer = ca if trusted else other_ca
        srv.config.write_text(srv.config.read_text().replace(
            "[s2s]\n",
            f'[s2s]\nauth = "{auth}"\nca_file = "{ca.cert}"\nconnect_timeout = 5\n'
            f'routes = {{ "{peer.host}" = "127.0.0.1:{peer.s2s_port}" }}\n', 1)
            + tls_config(issuer, srv.host))
    return a, b


@pytest.fixture
def pair(tmp_path, ca):
    with running(*federated_pair(tmp_path, ca)) as servers:
        yield servers


async def befriend(alice, bob):
    """RFC 6121 §3: alice subscribes to bob, bob approves and subscribes back."""
    alice.send_presence(pto=bob.boundjid.bare, ptype="subscribe")
    await bob.next_presence(lambda p: p["type"] == "subscribe")
    bob.send_presence(pto=alice.boundjid.bare, ptype="subscribed")
    bob.send_presence(pto=alice.boundjid.bare, ptype="subscribe")
    await alice.next_presence(lambda p: p["type"] == "subscribe")
    alice.send_presence(pto=bob.boundjid.bare, ptype="subscribed")
    # RFC 6121 §3.1.6/§4.3.2: both now see each other's available presence.
    await alice.next_presence(lambda p: p["from"].bare == bob.boundjid.bare and p["type"] == "available")
    await bob.next_presence(lambda p: p["from"].bare == alice.boundjid.bare and p["type"] == "available")


async def says(sender, receiver, body):
    """sender chats `body` to receiver's bare JID; it arrives from sender with that body."""
    sender.send_message(mto=receiver.boundjid.bare, mbody=body, mtype="chat")
    m = await receiver.next_message()
    assert (m["from"].bare, m["body"], m["type"]) == (sender.boundjid.bare, body, "chat")


def test_rfc6121_subscription_presence_and_chat_across_servers(pair):
    a, b = pair
    ja, jb = a.add_user("alice"), b.add_user("bob")

    async def scenario():
        alice = await Client(ja).login(a.c2s_port)
        bob = await Client(jb).login(b.c2s_port)
        await befriend(alice, bob)
        # Both rosters hold the other with subscription both (RFC 6121 §2.1.2.5).
        await until(lambda: subscription(alice, jb) == "both")
        await until(lambda: subscription(bob, ja) == "both")

        await says(alice, bob, "hello b.test")
        await says(bob, alice, "hello a.test")

        # Presence changes cross over too (RFC 6121 §4.4).
        bob.send_presence(pshow="away", pstatus="lunch")
        p = await alice.next_presence(lambda p: p["from"].bare == jb and p["show"] == "away")
        assert p["status"] == "lunch"
        await alice.close()
        await bob.close()

    run(scenario())
    # One stream, a.test's, authenticated by certificate (XEP-0178) and
    # carrying both directions (XEP-0288).
    assert "outgoing stream a.test -> b.test ready (SASL EXTERNAL" in a.log_text()
    assert ("incoming stream from a.test (127.0.0.1) authenticated by SASL EXTERNAL, "
            "certificate DNS-ID, bidirectional (XEP-0288)") in b.log_text()
    assert "outgoing stream b.test" not in b.log_text()


def test_rfc6120_iq_round_trip_ping_and_disco_of_remote_server(pair):
    a, b = pair
    ja = a.add_user("alice")
    jb = b.add_user("bob")

    async def scenario():
        alice = await Client(ja).login(a.c2s_port)
        bob = await Client(jb).login(b.c2s_port)
        # XEP-0199 ping of the remote server, and of a remote user's resource.
        await alice.plugin["xep_0199"].send_ping("b.test", timeout=TIMEOUT)
        await befriend(alice, bob)
        await alice.plugin["xep_0199"].send_ping(bob.boundjid.full, timeout=TIMEOUT)
        # XEP-0030 disco#info of the remote server.
        info = await alice.plugin["xep_0030"].get_info(jid="b.test", timeout=TIMEOUT)
        identities = info["disco_info"]["identities"]
        assert any(i[0] == "server" and i[1] == "im" for i in identities), identities
        await alice.close()
        await bob.close()

    run(scenario())


def test_rfc6121_message_to_offline_remote_user_is_stored_and_delivered(pair):
    a, b = pair
    ja, jb = a.add_user("alice"), b.add_user("bob")

    async def scenario():
        alice = await Client(ja).login(a.c2s_port)
        alice.send_message(mto=jb, mbody="while you were out", mtype="chat")
        await alice.barrier()
        time.sleep(0.5)  # the message crosses to b.test and is stored there
        bob = await Client(jb).login(b.c2s_port)
        m = await bob.next_message()
        assert (m["from"].bare, m["body"]) == (ja, "while you were out")
        assert m["delay"]["from"] == "b.test"  # XEP-0203 stamp of the storing server
        await alice.close()
        await bob.close()

    run(scenario())


def test_rfc6120_8_3_3_15_message_to_server_that_is_down_comes_back_as_error(tmp_path, ca):
    a, b = federated_pair(tmp_path, ca)
    with running(a):  # b.test is never started: its route leads to a closed port
        ja = a.add_user("alice")

        async def scenario():
            alice = await Client(ja).login(a.c2s_port)
            for i in range(3):  # each queued stanza is answered, none dropped
                alice.send_message(mto="bob@b.test", mbody=f"anyone there? {i}", mtype="chat")
            for i in range(3):
                err = await alice.next_message()
                assert err["type"] == "error"
                assert err["from"].full == "bob@b.test"
                assert err["error"]["condition"] == "remote-server-not-found"
                assert err["body"] == f"anyone there? {i}"
            await alice.close()

        run(scenario())
        assert "cannot reach b.test" in a.log_text()


def test_rfc6120_8_3_3_16_server_that_never_answers_times_out(tmp_path, ca):
    a, b = federated_pair(tmp_path, ca)
    a.config.write_text(a.config.read_text().replace("connect_timeout = 5", "connect_timeout = 2"))
    # b.test's port completes TCP handshakes (the kernel does, from the
    # backlog) but nothing ever answers.
    with socket.socket() as silent, running(a):
        silent.bind(("127.0.0.1", b.s2s_port))
        silent.listen(8)
        ja = a.add_user("alice")

        async def scenario():
            alice = await Client(ja).login(a.c2s_port)
            alice.send_message(mto="bob@b.test", mbody="hello?", mtype="chat")
            err = await alice.next_message()
            assert err["type"] == "error"
            assert err["error"]["condition"] == "remote-server-timeout"
            await alice.close()

        run(scenario())


def test_rfc6120_4_9_3_9_spoofed_from_gets_invalid_from(pair, ca):
    """A peer authenticated as evil.test (a valid certificate for it, SASL
    EXTERNAL) sends a stanza claiming to be from a.test: stream error."""
    a, b = pair
    b.add_user("bob")
    cert, key = ca.issue("evil.test")
    s = S2sStream(b.s2s_port, tls_context=client_cert_context(ca, cert, key))
    features = s.open_s2s("evil.test", "b.test")
    assert features.find("{urn:ietf:params:xml:ns:xmpp-tls}starttls") is not None
    features = s.starttls_s2s("evil.test", "b.test")
    mechs = [m.text for m in features.iter(f"{{{NS_SASL}}}mechanism")]
    assert mechs == ["EXTERNAL"]  # the certificate is valid for evil.test (XEP-0178 §3)
    # XEP-0288: answers come back over this stream (evil.test has no server).
    assert features.find("{urn:xmpp:features:bidi}bidi") is not None
    s.send("<bidi xmlns='urn:xmpp:bidi'/>")
    s.send(f"<auth xmlns='{NS_SASL}' mechanism='EXTERNAL'>"
           f"{base64.b64encode(b'evil.test').decode()}</auth>")
    assert s.next().tag == f"{{{NS_SASL}}}success"
    s.open_s2s("evil.test", "b.test")
    # A stanza from the authenticated domain is accepted (and answered over
    # the bidirectional stream)...
    s.send("<iq type='get' id='p1' from='evil.test' to='b.test'><ping xmlns='urn:xmpp:ping'/></iq>")
    reply = s.next()
    assert reply.get("type") == "result" and reply.get("id") == "p1"
    # ...one claiming another domain ends the stream.
    s.send("<message from='alice@a.test/x' to='bob@b.test' type='chat'><body>it is me</body></message>")
    got = s.wait_closed()
    errors = [e for e in got if e.tag == "{http://etherx.jabber.org/streams}error"]
    assert errors and errors[0].find(f"{{{NS_STREAMS}}}invalid-from") is not None


def test_xep0178_wrong_certificate_gets_no_external(pair, ca):
    """A certificate for one domain does not authenticate another."""
    a, b = pair
    cert, key = ca.issue("evil.test")
    s = S2sStream(b.s2s_port, tls_context=client_cert_context(ca, cert, key))
    s.open_s2s("a.test", "b.test")
    features = s.starttls_s2s("a.test", "b.test")
    assert [m.text for m in features.iter(f"{{{NS_SASL}}}mechanism")] == []
    s.send(f"<auth xmlns='{NS_SASL}' mechanism='EXTERNAL'>{base64.b64encode(b'a.test').decode()}</auth>")
    failure = s.next()
    assert failure.tag == f"{{{NS_SASL}}}failure"
    assert failure.find(f"{{{NS_SASL}}}not-authorized") is not None
    # Without authentication a stanza ends the stream (RFC 6120 §4.9.3.12).
    s.send("<message from='alice@a.test' to='bob@b.test'><body>x</body></message>")
    got = s.wait_closed()
    assert any(e.find(f"{{{NS_STREAMS}}}not-authorized") is not None for e in got)


def test_xep0220_dialback_between_servers_without_trusted_certificates(tmp_path, ca):
    a, b = federated_pair(tmp_path, ca, auth="dialback", trusted=False)
    with running(a, b):
        ja, jb = a.add_user("alice"), b.add_user("bob")

        async def scenario():
            alice = await Client(ja).login(a.c2s_port)
            bob = await Client(jb).login(b.c2s_port)
            await says(alice, bob, "verified by dialback")
            await says(bob, alice, "likewise")
            await alice.close()
            await bob.close()

        run(scenario())
        assert "authenticated by dialback" in b.log_text()


def test_untrusted_certificate_refused_when_policy_requires_one(tmp_path, ca):
    a, b = federated_pair(tmp_path, ca, auth="certificate", trusted=False)
    with running(a, b):
        ja = a.add_user("alice")
        b.add_user("bob")

        async def scenario():
            alice = await Client(ja).login(a.c2s_port)
            alice.send_message(mto="bob@b.test", mbody="let me in", mtype="chat")
            err = await alice.next_message()
            assert err["type"] == "error"
            assert err["error"]["condition"] == "remote-server-not-found"
            await alice.close()

        run(scenario())
        assert "is not acceptable" in a.log_text()


def test_idle_stream_closes_and_next_stanza_opens_a_new_one(tmp_path, ca):
    a, b = federated_pair(tmp_path, ca)
    for srv in (a, b):
        srv.config.write_text(srv.config.read_text().replace("connect_timeout = 5",
                                                             "connect_timeout = 5\nidle_timeout = 1"))
    with running(a, b):
        ja, jb = a.add_user("alice"), b.add_user("bob")

        async def scenario():
            alice = await Client(ja).login(a.c2s_port)
            bob = await Client(jb).login(b.c2s_port)
            await says(alice, bob, "first")
            await until(lambda: "idle for 1 s: closing" in a.log_text() + b.log_text())
            await says(alice, bob, "second")
            await alice.close()
            await bob.close()

        run(scenario())
        assert a.log_text().count("outgoing stream a.test -> b.test ready") == 2


def test_xep0368_direct_tls_route(tmp_path, ca):
    """A static route with tls:// connects with TLS from the first byte to the
    peer's direct TLS listener (XEP-0368 §3)."""
    a, b = federated_pair(tmp_path, ca)
    direct = free_port()
    b.config.write_text(b.config.read_text().replace("[s2s]\n", f"[s2s]\ndirect_tls_port = {direct}\n", 1))
    a.config.write_text(a.config.read_text().replace(
        f'"b.test" = "127.0.0.1:{b.s2s_port}"', f'"b.test" = "tls://127.0.0.1:{direct}"'))
    with running(a, b):
        ja, jb = a.add_user("alice"), b.add_user("bob")

        async def scenario():
            alice = await Client(ja).login(a.c2s_port)
            bob = await Client(jb).login(b.c2s_port)
            await says(alice, bob, "over direct TLS")
            await alice.close()
            await bob.close()

        run(scenario())
        assert "s2s connection from 127.0.0.1 (direct TLS)" in b.log_text()
