"""Instant messaging and presence with real clients (RFC 6121, XEP-0160, XEP-0191)."""
import asyncio

from clients import Client, run, TIMEOUT, subscription, until
from conftest import Server


async def befriend(alice, bob, a, b):
    """alice and bob subscribe to each other (RFC 6121 §3.1), both clients accepting."""
    for c in (alice, bob):
        c.auto_authorize = True
        c.auto_subscribe = True
    alice.send_presence_subscription(pto=b)
    await until(lambda: subscription(alice, b) == "both" and subscription(bob, a) == "both")


def test_rfc6121_3_mutual_subscription_presence_and_chat(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await Client(a + "/home").login(server.c2s_port)
        bob = await Client(b + "/work").login(server.c2s_port)
        await befriend(alice, bob, a, b)
        # RFC 6121 §4.2 / §3.1.5: once subscribed, each sees the other available.
        await until(lambda: alice.client_roster[b].resources and bob.client_roster[a].resources)
        assert "work" in alice.client_roster[b].resources
        # Chat both ways, to the bare JID (RFC 6121 §8.5.2.1.1).
        alice.send_message(mto=b, mbody="hello bob", mtype="chat")
        m = await bob.next_message()
        assert (m["body"], m["from"].full, m["type"]) == ("hello bob", a + "/home", "chat")
        bob.send_message(mto=a, mbody="hi alice", mtype="chat")
        m = await alice.next_message()
        assert (m["body"], m["from"].full) == ("hi alice", b + "/work")
        # Logout broadcasts unavailable to subscribers (RFC 6121 §4.5.2).
        await bob.close()
        await until(lambda: not alice.client_roster[b].resources)
        await alice.close()

    run(scenario())


def test_rfc6121_subscription_state_survives_restart(tmp_path):
    server = Server(tmp_path)
    server.start()
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def first():
        alice = await Client(a).login(server.c2s_port)
        bob = await Client(b).login(server.c2s_port)
        await befriend(alice, bob, a, b)
        await alice.close()
        await bob.close()

    async def second():
        alice = await Client(a).login(server.c2s_port)
        assert subscription(alice, b) == "both"
        await alice.close()

    try:
        run(first())
        assert server.stop() == 0
        server.start()
        run(second())
    finally:
        assert server.stop() == 0


def test_xep0160_offline_message_delivered_at_next_login(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await Client(a).login(server.c2s_port)
        alice.send_message(mto=b, mbody="while you were out", mtype="chat")
        await asyncio.sleep(0.3)  # let it reach storage before bob logs in
        bob = await Client(b).login(server.c2s_port)
        m = await bob.next_message()
        assert m["body"] == "while you were out"
        assert m["from"].bare == a
        # XEP-0203 delay stamp added by the server when storing.
        assert m["delay"]["stamp"] is not None
        await alice.close()
        await bob.close()

    run(scenario())


def test_message_to_nonexistent_user_gets_service_unavailable(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await Client(a).login(server.c2s_port)
        alice.send_message(mto="ghost@localhost", mbody="anyone?", mtype="chat")
        m = await alice.next_message()
        assert m["type"] == "error"
        assert m["error"]["condition"] == "service-unavailable"
        await alice.close()

    run(scenario())


def test_rfc6121_2_1_6_roster_push_to_second_resource(server):
    a = server.add_user("alice")

    async def scenario():
        first = await Client(a + "/one").login(server.c2s_port)
        second = await Client(a + "/two").login(server.c2s_port)
        pushed = asyncio.Event()
        second.add_event_handler("roster_update", lambda _: pushed.set())
        await first.update_roster("carol@localhost", name="Carol", groups=["Friends"])
        await asyncio.wait_for(pushed.wait(), TIMEOUT)
        item = second.client_roster["carol@localhost"]
        assert item["name"] == "Carol"
        assert item["groups"] == ["Friends"]
        assert item["subscription"] == "none"
        await first.close()
        await second.close()

    run(scenario())


def test_xep0191_blocked_contact_cannot_message(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await Client(a).login(server.c2s_port)
        bob = await Client(b).login(server.c2s_port)
        await bob.plugin["xep_0191"].block([a])
        blocked = await bob.plugin["xep_0191"].get_blocked()
        assert a in [j.bare for j in blocked["blocklist"]["items"]]
        alice.send_message(mto=b, mbody="let me in", mtype="chat")
        err = await alice.next_message()
        assert err["type"] == "error"
        assert err["error"]["condition"] == "service-unavailable"
        # bob received nothing.
        assert bob.messages.empty()
        # Unblocking restores delivery.
        await bob.plugin["xep_0191"].unblock([a])
        alice.send_message(mto=b, mbody="now?", mtype="chat")
        assert (await bob.next_message())["body"] == "now?"
        await alice.close()
        await bob.close()

    run(scenario())
