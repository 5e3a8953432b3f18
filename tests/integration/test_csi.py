"""XEP-0352 Client State Indication: an inactive client gets presence updates
and chat states later, all at once, when something important arrives or when
it becomes active again."""
from clients import XmppStream, q
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
