"""XEP-0198 Stream Management: acks, resumption after a dropped connection,
and what becomes of unacknowledged stanzas when a session ends (§5)."""
import asyncio
import xml.etree.ElementTree as ET

import pytest

from clients import Client, XmppStream, q, run, TIMEOUT
from conftest import HOST, Server, running

NS_SM = "urn:xmpp:sm:3"
NS_CLIENT = "jabber:client"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"


def sm(name):
    return q(NS_SM, name)


def is_message(el):
    return el.tag == q(NS_CLIENT, "message")


def body(el):
    b = el.find(q(NS_CLIENT, "body"))
    return None if b is None else b.text


def enable(stream, resume=True):
    resume_attr = " resume='true'" if resume else ""
    stream.send(f"<enable xmlns='{NS_SM}'{resume_attr}/>")
    enabled = stream.next()
    assert enabled.tag == sm("enabled"), ET.tostring(enabled)
    return enabled


def authenticate(server, user):
    """A raw stream authenticated as `user`, not bound (where <resume/> goes)."""
    s = XmppStream(server.c2s_port)
    s.starttls()
    assert s.plain(user).tag == q("urn:ietf:params:xml:ns:xmpp-sasl", "success")
    features = s.open()
    assert features.find(sm("sm")) is not None  # §2: offered after authentication
    return s


class SmClient(Client):
    def __init__(self, jid, **kw):
        super().__init__(jid, **kw)
        self.register_plugin("xep_0198")
        self.resumed = asyncio.Event()
        self.sm_enabled = asyncio.Event()
        self.add_event_handler("session_resumed", lambda _: self.resumed.set())
        self.add_event_handler("sm_enabled", lambda _: self.sm_enabled.set())


def test_xep0198_resume_after_the_socket_is_killed_loses_nothing(server):
    """slixmpp's own XEP-0198 plugin: the TCP connection is killed in the middle
    of a conversation; the client reconnects, resumes the same session (no new
    bind) and receives everything sent meanwhile, each message once."""
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = SmClient(a + "/phone")
        await alice.login(server.c2s_port)
        await asyncio.wait_for(alice.sm_enabled.wait(), TIMEOUT)
        bob = await Client(b + "/desk").login(server.c2s_port)
        got = []
        for i in range(1, 6):
            bob.send_message(mto=a + "/phone", mbody=f"m{i}", mtype="chat")
        for _ in range(5):
            got.append((await alice.next_message())["body"])
        # Two round trips: the server's <r/> for the messages is answered
        # before the second ping reaches it, so all five are acknowledged.
        await alice.barrier()
        await alice.barrier()

        alice.disconnected_ev.clear()
        alice.transport.abort()  # no </stream:stream>: the connection just dies
        await asyncio.wait_for(alice.disconnected_ev.wait(), TIMEOUT)
        for i in range(6, 11):
            bob.send_message(mto=a + "/phone", mbody=f"m{i}", mtype="chat")
        await bob.barrier()  # the server has routed them all (to the waiting session)

        alice.connect(("127.0.0.1", server.c2s_port))
        await asyncio.wait_for(alice.resumed.wait(), TIMEOUT)
        for _ in range(5):
            got.append((await alice.next_message())["body"])
        assert got == [f"m{i}" for i in range(1, 11)]
        # Nothing more (no duplicate), and the session answers as before.
        with pytest.raises(asyncio.TimeoutError):
            await alice.next_message(timeout=0.5)
        bob.send_message(mto=a, mbody="after", mtype="chat")
        assert (await alice.next_message())["body"] == "after"
        await alice.close()
        await bob.close()

    run(scenario())


def test_xep0198_4_acks_count_stanzas_both_ways(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.login("alice", resource="r")
    enabled = enable(s)
    assert enabled.get("resume") == "true" and enabled.get("id")
    assert enabled.get("max") == "300"  # the default c2s.sm_resume_timeout
    s.send(f"<r xmlns='{NS_SM}'/>")
    assert s.next().attrib == {"h": "0"}
    # Two stanzas in, two out: after the first result the server asks for an ack (§4).
    ping = f"<ping xmlns='urn:xmpp:ping'/>"
    s.send(f"<iq type='get' id='p1' to='{HOST}'>{ping}</iq><iq type='get' id='p2' to='{HOST}'>{ping}</iq>")
    got = [s.next() for _ in range(3)]
    assert [(el.tag, el.get("id")) for el in got] == [
        (q(NS_CLIENT, "iq"), "p1"), (sm("r"), None), (q(NS_CLIENT, "iq"), "p2")]
    s.send(f"<r xmlns='{NS_SM}'/>")
    a_el = s.wait_for(lambda el: el.tag == sm("a"))
    assert a_el.get("h") == "2"
    # Acknowledging more than was sent ends the stream (§4).
    s.send(f"<a xmlns='{NS_SM}' h='7'/>")
    closing = s.wait_closed()
    err = closing[-1]
    assert err.tag == q("http://etherx.jabber.org/streams", "error")
    assert err.find(q(NS_STREAMS, "undefined-condition")) is not None
    too_high = err.find(sm("handled-count-too-high"))
    assert too_high is not None and too_high.get("h") == "7"
    assert too_high.get("send-count") is not None
    s.close()


def test_xep0198_enable_needs_a_bound_resource_and_a_known_previd(server):
    server.add_user("alice")
    server.add_user("mallory")
    s = authenticate(server, "alice")
    # §3: before binding, <enable/> fails.
    s.send(f"<enable xmlns='{NS_SM}' resume='true'/>")
    failed = s.next()
    assert failed.tag == sm("failed")
    assert failed.find(q(NS_STANZAS, "unexpected-request")) is not None
    # §5: an unknown id cannot be resumed; the client may still bind.
    s.send(f"<resume xmlns='{NS_SM}' h='0' previd='nope'/>")
    failed = s.next()
    assert failed.tag == sm("failed") and failed.find(q(NS_STANZAS, "item-not-found")) is not None
    s.bind("r")
    sm_id = enable(s).get("id")
    # Another account cannot take alice's session.
    m = authenticate(server, "mallory")
    m.send(f"<resume xmlns='{NS_SM}' h='0' previd='{sm_id}'/>")
    failed = m.next()
    assert failed.tag == sm("failed") and failed.find(q(NS_STANZAS, "item-not-found")) is not None
    m.close()
    # Enabling twice fails too.
    s.send(f"<enable xmlns='{NS_SM}'/>")
    assert s.next().tag == sm("failed")
    s.close()


def test_xep0198_5_raw_resume_sends_unacknowledged_stanzas_again(server):
    a = server.add_user("alice")
    server.add_user("bob")
    s = XmppStream(server.c2s_port)
    s.login("alice", resource="phone")
    sm_id = enable(s).get("id")
    s.send("<presence/>")
    bob = XmppStream(server.c2s_port)
    bob.login("bob", resource="desk")
    bob.send(f"<message to='{a}/phone' type='chat' id='x1'><body>one</body></message>")
    assert body(s.wait_for(is_message)) == "one"
    # Not acknowledged. The connection dies; another message comes meanwhile.
    s.sock.close()
    bob.send(f"<message to='{a}/phone' type='chat' id='x2'><body>two</body></message>")
    assert bob.request(f"<ping xmlns='urn:xmpp:ping'/>", to=HOST).get("type") == "result"

    r = authenticate(server, "alice")
    # h='0': we claim to have handled nothing, so everything comes again.
    r.send(f"<resume xmlns='{NS_SM}' h='0' previd='{sm_id}'/>")
    resumed = r.next()
    assert resumed.tag == sm("resumed"), ET.tostring(resumed)
    assert resumed.get("previd") == sm_id
    assert resumed.get("h") == "1"  # the server handled our one presence
    bodies = []
    while len(bodies) < 2:
        el = r.next()
        if is_message(el):
            bodies.append(body(el))
    assert bodies == ["one", "two"]
    # The resumed stream is bound as before: no new bind, messages flow.
    bob.send(f"<message to='{a}/phone' type='chat'><body>three</body></message>")
    assert body(r.wait_for(is_message)) == "three"
    r.close()
    bob.close()


def test_xep0198_5_unacknowledged_messages_go_offline_when_not_resumed(tmp_path):
    srv = Server(tmp_path, c2s_config="sm_resume_timeout = 1")
    with running(srv):
        a = srv.add_user("alice")
        srv.add_user("bob")
        s = XmppStream(srv.c2s_port)
        s.login("alice", resource="phone")
        enabled = enable(s)
        assert enabled.get("max") == "1"
        s.send("<presence/>")
        bob = XmppStream(srv.c2s_port)
        bob.login("bob", resource="desk")
        bob.send(f"<message to='{a}/phone' type='chat'><body>unacked</body></message>")
        assert body(s.wait_for(is_message)) == "unacked"
        s.sock.close()  # never acknowledged, never resumed
        bob.send(f"<message to='{a}' type='chat'><body>meanwhile</body></message>")

        async def later():
            await asyncio.sleep(2)  # past the 1 s resumption window
            alice = Client(a + "/laptop")
            await alice.login(srv.c2s_port)
            got = [await alice.next_message(), await alice.next_message()]
            assert sorted(m["body"] for m in got) == ["meanwhile", "unacked"]
            # XEP-0203: both carry the delay of offline delivery.
            assert all(m["delay"]["stamp"] is not None for m in got)
            await alice.close()

        run(later())
        bob.close()
