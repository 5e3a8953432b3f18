"""XEP-0352 Client State Indication: an inactive client gets presence updates
and chat states later, all at once, when something important arrives or when
it becomes active again."""
import asyncio

from clients import Client, XmppStream, q, run
from conftest import HOST

NS_CSI = "urn:xmpp:csi:0"
NS_CLIENT = "jabber:client"
CHATSTATES = "http://jabber.org/protocol/chatstates"


def test_xep0352_inactive_client_gets_presence_and_chat_states_later(server):
    a = server.add_user("alice")
    server.add_user("bob")
    alice = XmppStream(server.c2s_port)
    alice.starttls()
    alice.plain("alice")
    features = alice.open()
    assert features.find(q(NS_CSI, "csi")) is not None  # §3: offered after authentication
    alice.bind("phone")
    alice.send("<presence/>")
    alice.wait_for(lambda el: el.tag == q(NS_CLIENT, "presence"))  # our own, echoed
    bob = XmppStream(server.c2s_port)
    bob.login("bob", resource="desk")

    alice.send(f"<inactive xmlns='{NS_CSI}'/>")
    # Directed presence, a chat state, then a newer presence from bob: all wait.
    bob.send(f"<presence to='{a}/phone' id='p1'><show>away</show></presence>")
    bob.send(f"<message to='{a}/phone' type='chat' id='c1'><composing xmlns='{CHATSTATES}'/></message>")
    bob.send(f"<presence to='{a}/phone' id='p2'><show>dnd</show></presence>")
    # A ping from alice still gets its answer at once (iqs are not held).
    assert alice.request("<ping xmlns='urn:xmpp:ping'/>", to=HOST).get("type") == "result"
    assert bob.request("<ping xmlns='urn:xmpp:ping'/>", to=HOST).get("type") == "result"
    assert alice.nothing_arrives(0.5)
    # A message with a body is important: what waited comes first, in order,
    # with only the newest presence of bob.
    bob.send(f"<message to='{a}/phone' type='chat' id='m1'><body>wake up</body></message>")
    got = [alice.next() for _ in range(3)]
    assert [el.get("id") for el in got] == ["c1", "p2", "m1"]

    # Inactive again: a presence waits until the client says it is active (§4).
    alice.send(f"<inactive xmlns='{NS_CSI}'/>")
    bob.send(f"<presence to='{a}/phone' id='p3'/>")
    assert bob.request("<ping xmlns='urn:xmpp:ping'/>", to=HOST).get("type") == "result"
    assert alice.nothing_arrives(0.5)
    alice.send(f"<active xmlns='{NS_CSI}'/>")
    assert alice.next().get("id") == "p3"
    alice.close()
    bob.close()


def test_xep0352_with_slixmpp_presence_waits_for_the_next_message(server):
    """slixmpp's own XEP-0352 plugin: it sees the stream feature, says it is
    inactive, and a contact's presence reaches it only with the next message."""
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = Client(a + "/phone")
        alice.register_plugin("xep_0352")
        await alice.login(server.c2s_port)
        assert alice.plugin["xep_0352"].enabled  # the <csi/> feature was offered
        bob = await Client(b + "/desk").login(server.c2s_port)
        alice.plugin["xep_0352"].send_inactive()
        await alice.barrier()  # the server has taken the <inactive/>
        bob.send_presence(pto=a + "/phone", pshow="away")
        await bob.barrier()
        await asyncio.sleep(0.5)
        assert not any(p["from"] == bob.boundjid for p in alice.presence_log)
        bob.send_message(mto=a + "/phone", mbody="hello", mtype="chat")
        assert (await alice.next_message())["body"] == "hello"
        # slixmpp handles stanzas in order: the held presence came first.
        held = [p for p in alice.presence_log if p["from"] == bob.boundjid]
        assert [p["show"] for p in held] == ["away"]
        await alice.close()
        await bob.close()

    run(scenario())
