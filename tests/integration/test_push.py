"""XEP-0357 Push Notifications: a test app server — a real XEP-0114 component
(slixmpp's ComponentXMPP) acting as the XMPP Push Service — records the pubsub
publishes parleyd sends it for messages that reach an offline account (§7) or
a session hibernating under XEP-0198, and answers them (or not: §7.1)."""
import asyncio
import xml.etree.ElementTree as ET

import pytest
import slixmpp
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from clients import Client, XmppStream, q, run, TIMEOUT
from conftest import HOST, Server, running

APP = "gateway." + HOST  # the component conftest configures (secret "s3cret")
NS_PUSH = "urn:xmpp:push:0"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_DATA = "jabber:x:data"
NS_SM = "urn:xmpp:sm:3"
PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"


class Publish:
    """One §7 publish as the app server received it."""

    def __init__(self, iq):
        self.sender = iq["from"].full
        pubsub = iq.xml.find(q(NS_PUBSUB, "pubsub"))
        publish = pubsub.find(q(NS_PUBSUB, "publish"))
        self.node = publish.get("node")
        notification = publish.find(f"{q(NS_PUBSUB, 'item')}/{q(NS_PUSH, 'notification')}")
        assert notification is not None, ET.tostring(iq.xml)
        self.summary = form_values(notification.find(q(NS_DATA, "x")))
        options = pubsub.find(f"{q(NS_PUBSUB, 'publish-options')}/{q(NS_DATA, 'x')}")
        self.options = None if options is None else form_values(options)


def form_values(x):
    assert x is not None
    return {f.get("var"): [v.text or "" for v in f.findall(q(NS_DATA, "value"))]
            for f in x.findall(q(NS_DATA, "field"))}


class AppServer(slixmpp.ComponentXMPP):
    """The XMPP Push Service of an app server: records every publish and
    answers with a result, or with <item-not-found/> for the nodes in `refuse`."""

    def __init__(self, refuse=()):
        super().__init__(APP, "s3cret")
        self.refuse = set(refuse)
        self.ready = asyncio.Event()
        self.publishes = asyncio.Queue()
        self.add_event_handler("session_start", lambda _: self.ready.set())
        self.register_handler(Callback(
            "pubsub publish",
            MatchXPath(f"{{{self.default_ns}}}iq/{{{NS_PUBSUB}}}pubsub"),
            self._on_publish))

    def _on_publish(self, iq):
        p = Publish(iq)
        self.publishes.put_nowait(p)
        reply = iq.reply(clear=True)
        if p.node in self.refuse:
            reply["type"] = "error"
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "item-not-found"
        reply.send()

    async def start(self, port):
        self.connect("127.0.0.1", port)
        await asyncio.wait_for(self.ready.wait(), TIMEOUT)
        return self

    async def next_publish(self, timeout=TIMEOUT):
        return await asyncio.wait_for(self.publishes.get(), timeout)

    async def nothing_published(self, seconds=0.7):
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(self.publishes.get(), seconds)


async def push_iq(client, payload, to=None):
    iq = client.make_iq_set(ito=to)
    iq.append(ET.fromstring(payload))
    return await iq.send(timeout=TIMEOUT)


async def enable(client, node, secret=None):
    form = ""
    if secret is not None:
        form = (f"<x xmlns='{NS_DATA}' type='submit'>"
                f"<field var='FORM_TYPE'><value>{PUBLISH_OPTIONS}</value></field>"
                f"<field var='secret'><value>{secret}</value></field></x>")
    await push_iq(client, f"<enable xmlns='{NS_PUSH}' jid='{APP}' node='{node}'>{form}</enable>")


def test_xep0357_offline_message_publishes_a_summary_without_body(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        app = await AppServer().start(server.component_port)
        alice = await Client(a + "/phone").login(server.c2s_port)
        # §4.1: the feature is on the account's bare JID.
        info = await alice["xep_0030"].get_info(jid=a)
        assert NS_PUSH in info["disco_info"]["features"]
        await enable(alice, "node-a", secret="eruio234vzxc2kla-91")  # §5
        await alice.close()

        bob = await Client(b + "/desk").login(server.c2s_port)
        bob.send_message(mto=a, mbody="Wherefore art thou?", mtype="chat")
        p = await app.next_publish()
        # §7: from the account's bare JID to the node it enabled.
        assert (p.sender, p.node) == (a, "node-a")
        assert p.summary["FORM_TYPE"] == ["urn:xmpp:push:summary"]
        assert p.summary["message-count"] == ["1"]
        assert p.summary["last-message-sender"] == [b + "/desk"]
        assert "last-message-body" not in p.summary  # summary only by default
        # §5/§7: the publish options come back with every publish.
        assert p.options == {"FORM_TYPE": [PUBLISH_OPTIONS], "secret": ["eruio234vzxc2kla-91"]}

        # A chat state alone is not worth a notification; the next message
        # counts two waiting.
        composing = bob.make_message(mto=a, mtype="chat")
        composing["chat_state"] = "composing"
        composing.send()
        bob.send_message(mto=a, mbody="second", mtype="chat")
        p = await app.next_publish()
        assert p.summary["message-count"] == ["2"]

        # Offline storage still has both; coming online restarts the count.
        alice = await Client(a + "/phone").login(server.c2s_port)
        got = sorted([(await alice.next_message())["body"], (await alice.next_message())["body"]])
        assert got == ["Wherefore art thou?", "second"]
        await alice.close()
        bob.send_message(mto=a, mbody="third", mtype="chat")
        p = await app.next_publish()
        assert p.summary["message-count"] == ["1"]
        await bob.close()
        app.disconnect()

    run(scenario())


def test_xep0357_include_body_sends_the_last_message_body(tmp_path):
    srv = Server(tmp_path, extra_config="[modules.push]\ninclude_body = true\n"
                                        "include_sender = false\n")
    with running(srv):
        a = srv.add_user("alice")
        b = srv.add_user("bob")

        async def scenario():
            app = await AppServer().start(srv.component_port)
            alice = await Client(a + "/phone").login(srv.c2s_port)
            await enable(alice, "n1")
            await alice.close()
            bob = await Client(b + "/desk").login(srv.c2s_port)
            bob.send_message(mto=a, mbody="Wherefore art thou?", mtype="chat")
            p = await app.next_publish()
            assert p.summary["last-message-body"] == ["Wherefore art thou?"]
            assert "last-message-sender" not in p.summary
            assert p.options is None  # none were given
            await bob.close()
            app.disconnect()

        run(scenario())


class SmClient(Client):
    def __init__(self, jid, **kw):
        super().__init__(jid, **kw)
        self.register_plugin("xep_0198")
        self.resumed = asyncio.Event()
        self.sm_enabled = asyncio.Event()
        self.add_event_handler("session_resumed", lambda _: self.resumed.set())
        self.add_event_handler("sm_enabled", lambda _: self.sm_enabled.set())


def test_xep0357_hibernated_session_notifies_and_resumes(server):
    """XEP-0198 §5: the connection dies under a resumable session; a message
    kept for it while it waits is pushed; the client resumes and gets it."""
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        app = await AppServer().start(server.component_port)
        alice = SmClient(a + "/phone")
        await alice.login(server.c2s_port)
        await asyncio.wait_for(alice.sm_enabled.wait(), TIMEOUT)
        await enable(alice, "phone-node")
        await alice.barrier()
        await alice.barrier()  # everything acknowledged

        alice.disconnected_ev.clear()
        alice.transport.abort()  # no </stream:stream>: the connection just dies
        await asyncio.wait_for(alice.disconnected_ev.wait(), TIMEOUT)
        bob = await Client(b + "/desk").login(server.c2s_port)
        bob.send_message(mto=a + "/phone", mbody="are you there?", mtype="chat")
        p = await app.next_publish()
        assert (p.sender, p.node) == (a, "phone-node")
        assert p.summary["last-message-sender"] == [b + "/desk"]
        assert "last-message-body" not in p.summary

        alice.connect(("127.0.0.1", server.c2s_port))
        await asyncio.wait_for(alice.resumed.wait(), TIMEOUT)
        assert (await alice.next_message())["body"] == "are you there?"
        await alice.close()
        await bob.close()
        app.disconnect()

    run(scenario())
    assert "lost its connection" in server.log_text()


def test_xep0357_unacknowledged_message_at_the_drop_is_pushed(server):
    """A message written to the client but never acknowledged when the
    connection dies (XEP-0198 §5) is kept for the hibernating session: it is
    pushed like one arriving later."""
    a = server.add_user("alice")
    server.add_user("bob")

    def drop_with_an_unacked_message():
        s = XmppStream(server.c2s_port)
        s.login("alice", resource="phone")
        s.send(f"<enable xmlns='{NS_SM}' resume='true'/>")
        assert s.next().tag == q(NS_SM, "enabled")
        reply = s.request(f"<enable xmlns='{NS_PUSH}' jid='{APP}' node='raw'/>", type="set")
        assert reply.get("type") == "result", ET.tostring(reply)
        s.send("<presence/>")
        bob = XmppStream(server.c2s_port)
        bob.login("bob", resource="desk")
        bob.send(f"<message to='{a}/phone' type='chat'><body>unacked</body></message>")
        s.wait_for(lambda el: el.tag == q("jabber:client", "message"))
        s.sock.close()  # never acknowledged
        return bob

    async def scenario():
        app = await AppServer().start(server.component_port)
        bob = await asyncio.to_thread(drop_with_an_unacked_message)
        p = await app.next_publish()
        assert (p.sender, p.node) == (a, "raw")
        assert p.summary["last-message-sender"] == ["bob@" + HOST + "/desk"]
        await app.nothing_published()  # once
        bob.close()
        app.disconnect()

    run(scenario())


def test_xep0357_6_disable_stops_notifications(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        app = await AppServer().start(server.component_port)
        alice = await Client(a + "/phone").login(server.c2s_port)
        for node in ("node-a", "node-b", "node-c"):
            await enable(alice, node)
        # §6: with a node, only that one goes.
        await push_iq(alice, f"<disable xmlns='{NS_PUSH}' jid='{APP}' node='node-a'/>")
        await alice.close()
        bob = await Client(b + "/desk").login(server.c2s_port)
        bob.send_message(mto=a, mbody="one", mtype="chat")
        # Registrations are notified one after the other in a fixed order, so
        # node-a's publish would come before these.
        assert sorted([(await app.next_publish()).node, (await app.next_publish()).node]) == \
            ["node-b", "node-c"]
        await app.nothing_published()

        # §6: without a node, every node of the service goes.
        alice = await Client(a + "/phone").login(server.c2s_port)
        await alice.next_message()
        await push_iq(alice, f"<disable xmlns='{NS_PUSH}' jid='{APP}'/>")
        await alice.close()
        bob.send_message(mto=a, mbody="two", mtype="chat")
        await app.nothing_published()
        await bob.close()
        app.disconnect()

    run(scenario())


def test_xep0357_7_1_an_error_answer_disables_the_registration(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        app = await AppServer(refuse={"bad"}).start(server.component_port)
        alice = await Client(a + "/phone").login(server.c2s_port)
        await enable(alice, "bad")
        await enable(alice, "good")
        await alice.close()
        bob = await Client(b + "/desk").login(server.c2s_port)
        bob.send_message(mto=a, mbody="one", mtype="chat")
        # 'bad' is notified first (its key sorts first) and answers with an error.
        assert [(await app.next_publish()).node, (await app.next_publish()).node] == \
            ["bad", "good"]
        bob.send_message(mto=a, mbody="two", mtype="chat")
        assert (await app.next_publish()).node == "good"
        await app.nothing_published()
        await bob.close()
        app.disconnect()

    run(scenario())
    assert "disabled notifications of " + a in server.log_text()


def test_xep0357_max_registrations_evicts_the_oldest(tmp_path):
    srv = Server(tmp_path, extra_config="[modules.push]\nmax_registrations = 2\n")
    with running(srv):
        a = srv.add_user("alice")
        b = srv.add_user("bob")

        async def scenario():
            app = await AppServer().start(srv.component_port)
            alice = await Client(a + "/phone").login(srv.c2s_port)
            for node in ("n1", "n2", "n3"):
                await enable(alice, node)
            await enable(alice, "n2")  # enabling again replaces, evicts nothing
            await alice.close()
            bob = await Client(b + "/desk").login(srv.c2s_port)
            bob.send_message(mto=a, mbody="hi", mtype="chat")
            got = sorted([(await app.next_publish()).node, (await app.next_publish()).node])
            assert got == ["n2", "n3"]
            await app.nothing_published()
            await bob.close()
            app.disconnect()

        run(scenario())


def test_xep0357_5_bad_requests_are_refused(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await Client(a + "/phone").login(server.c2s_port)
        with pytest.raises(IqError) as e:  # §5: 'jid' is required
            await push_iq(alice, f"<enable xmlns='{NS_PUSH}' node='n'/>")
        assert e.value.iq["error"]["condition"] == "bad-request"
        with pytest.raises(IqError) as e:  # not a publish-options form
            await push_iq(alice, f"<enable xmlns='{NS_PUSH}' jid='{APP}' node='n'>"
                                 f"<x xmlns='{NS_DATA}' type='submit'><field var='FORM_TYPE'>"
                                 f"<value>urn:example</value></field></x></enable>")
        assert e.value.iq["error"]["condition"] == "bad-request"
        with pytest.raises(IqError) as e:  # someone else's account
            await push_iq(alice, f"<enable xmlns='{NS_PUSH}' jid='{APP}' node='n'/>", to=b)
        assert e.value.iq["error"]["condition"] == "forbidden"
        await alice.barrier()  # and the server keeps serving
        await alice.close()

    run(scenario())
