"""XEP-0114 external components with slixmpp's ComponentXMPP."""
import asyncio

import slixmpp

from clients import Client, RawStream, run, TIMEOUT
from conftest import HOST

GATEWAY = "gateway." + HOST  # configured in conftest with the secret "s3cret"


class Gateway(slixmpp.ComponentXMPP):
    def __init__(self, secret="s3cret"):
        super().__init__(GATEWAY, secret)
        self.ready = asyncio.Event()
        self.messages = asyncio.Queue()
        self.add_event_handler("session_start", lambda _: self.ready.set())
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))


def test_xep0114_component_exchanges_messages_with_a_user(server):
    a = server.add_user("alice")

    async def scenario():
        gw = Gateway()
        gw.connect("127.0.0.1", server.component_port)
        await asyncio.wait_for(gw.ready.wait(), TIMEOUT)
        alice = await Client(a + "/pc").login(server.c2s_port)
        # User -> component: routed by the component's domain.
        alice.send_message(mto="room@" + GATEWAY, mbody="to the gateway", mtype="chat")
        m = await asyncio.wait_for(gw.messages.get(), TIMEOUT)
        assert (m["body"], m["from"].full, m["to"].full) == ("to the gateway", a + "/pc",
                                                             "room@" + GATEWAY)
        # Component -> user, from an address in its own domain.
        gw.send_message(mto=a + "/pc", mfrom="room@" + GATEWAY, mbody="from the gateway", mtype="chat")
        m = await alice.next_message()
        assert (m["body"], m["from"].full) == ("from the gateway", "room@" + GATEWAY)
        gw.disconnect()
        await alice.close()

    run(scenario())
    assert "component gateway.localhost" in server.log_text()


def component_handshake(server, domain, digest):
    s = RawStream(server.component_port)
    s.send(f"<stream:stream xmlns='jabber:component:accept' "
           f"xmlns:stream='http://etherx.jabber.org/streams' to='{domain}'>")
    header = s.recv_until(">")
    s.send(f"<handshake>{digest}</handshake>")
    text = header + s.recv_all()
    s.close()
    return text


def test_xep0114_wrong_secret_is_not_authorized(server):
    text = component_handshake(server, GATEWAY, "00" * 20)
    assert "<not-authorized" in text


def test_xep0114_unknown_component_is_host_unknown(server):
    text = component_handshake(server, "nope." + HOST, "00" * 20)
    assert "<host-unknown" in text


def test_xep0114_component_unreachable_after_disconnect(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await Client(a).login(server.c2s_port)
        alice.send_message(mto="x@" + GATEWAY, mbody="anyone?", mtype="chat")
        err = await alice.next_message()
        assert err["type"] == "error"
        assert err["error"]["condition"] == "remote-server-not-found"
        await alice.close()

    run(scenario())
