"""RFC 6121 details with two or three real clients: pre-approval, requests
to offline contacts, cancellations, directed presence, priorities and the
delivery rules of §8.5, the presence of a user's other resources, roster
versioning and roster errors."""
import asyncio
import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError

from clients import Client, run, TIMEOUT, q
from conftest import HOST
from test_im import befriend, until

ROSTER = "jabber:iq:roster"


async def login(server, jid, **kwargs):
    return await Client(jid, **kwargs).login(server.c2s_port)


def manual(*clients):
    """Subscription requests are left to the test (slixmpp answers them by default)."""
    for c in clients:
        c.auto_authorize = None
        c.auto_subscribe = False


def watch_pushes(client):
    """A queue of the roster pushes (RFC 6121 §2.1.6) the client receives."""
    queue = asyncio.Queue()
    client.add_event_handler("roster_update",
                             lambda iq: queue.put_nowait(iq) if iq["type"] == "set" else None)
    return queue


def push_item(iq):
    items = iq.xml.findall(f"{q(ROSTER, 'query')}/{q(ROSTER, 'item')}")
    assert len(items) == 1, ET.tostring(iq.xml)  # §2.1.6: one item per push
    return dict(items[0].attrib)


async def next_push(queue, jid, timeout=TIMEOUT):
    """The attributes of the next pushed item for jid."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        item = push_item(await asyncio.wait_for(queue.get(), max(0.01, deadline - loop.time())))
        if item["jid"] == jid:
            return item


def received(client, pred):
    """The presences the client has received so far for which pred holds."""
    return [p for p in client.presence_log if pred(p)]


def of_type(jid, type):
    return lambda p: p["from"].bare == jid and p["type"] == type


async def roster_item(client, jid):
    """The item for jid in a fresh roster get (None if absent)."""
    reply = await client.make_iq_get(queryxmlns=ROSTER).send(timeout=TIMEOUT)
    for item in reply.xml.findall(f"{q(ROSTER, 'query')}/{q(ROSTER, 'item')}"):
        if item.get("jid") == jid:
            return dict(item.attrib)
    return None


# --- §3 subscriptions ------------------------------------------------------------

def test_rfc6121_3_4_1_pre_approval_stream_feature(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a)
        assert "preapproval" in alice.features
        await alice.close()

    run(scenario())


def test_rfc6121_3_4_pre_approved_subscribe_is_granted_without_asking_the_contact(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await login(server, a + "/home")
        bob = await login(server, b + "/work")
        manual(alice, bob)
        alice_pushes, bob_pushes = watch_pushes(alice), watch_pushes(bob)
        # §3.4.2: bob pre-approves alice before she asks.
        bob.send_presence(pto=a, ptype="subscribed")
        item = await next_push(bob_pushes, a)
        assert item.get("approved") == "true"
        assert item.get("subscription", "none") == "none"
        await bob.barrier()
        await alice.barrier()
        # The pre-approval is not routed to alice (§3.4.2).
        assert received(alice, lambda p: p["from"].bare == b) == []
        # §3.4.3 / §3.1.3: her subscribe is approved by bob's server.
        alice.send_presence_subscription(pto=b)
        subscribed = await alice.saw_presence(of_type(b, "subscribed"))
        assert subscribed["from"].full == b
        item = await next_push(alice_pushes, b)
        while item.get("subscription") != "to":  # first the pending request (ask='subscribe')
            item = await next_push(alice_pushes, b)
        item = await next_push(bob_pushes, a)
        assert item.get("subscription") == "from"
        assert item.get("approved") in (None, "false")
        # §3.1.5: and she receives bob's current presence.
        available = await alice.saw_presence(of_type(b, "available"))
        assert available["from"].full == b + "/work"
        # bob's client never saw a request.
        await asyncio.sleep(0.3)
        assert received(bob, lambda p: p["type"] == "subscribe") == []
        assert (await roster_item(bob, a))["subscription"] == "from"
        assert (await roster_item(alice, b))["subscription"] == "to"
        await alice.close()
        await bob.close()

    run(scenario())


def test_rfc6121_3_1_3_request_to_offline_contact_is_delivered_at_each_login_until_answered(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def bob_login():
        bob = Client(b)
        manual(bob)
        return await bob.login(server.c2s_port)

    async def scenario():
        alice = await login(server, a)
        manual(alice)
        pushes = watch_pushes(alice)
        alice.send_presence_subscription(pto=b)  # bob has never logged in
        item = await next_push(pushes, b)
        assert item.get("ask") == "subscribe"
        await alice.barrier()  # the request has reached bob's account
        # bob logs in: the request is delivered.
        bob = await bob_login()
        request = await bob.saw_presence(lambda p: p["type"] == "subscribe")
        assert request["from"].full == a  # §3.1.2: from the bare JID
        await bob.close()
        # Not answered: delivered again at the next login.
        bob = await bob_login()
        request = await bob.saw_presence(lambda p: p["type"] == "subscribe")
        assert request["from"].full == a
        # bob approves.
        bob.send_presence(pto=a, ptype="subscribed")
        await alice.saw_presence(of_type(b, "subscribed"))
        item = await next_push(pushes, b)
        assert item.get("subscription") == "to" and "ask" not in item
        await bob.close()
        # Answered: no request any more.
        bob = await bob_login()
        await bob.barrier()
        await asyncio.sleep(0.3)
        assert received(bob, lambda p: p["type"] == "subscribe") == []
        assert (await roster_item(bob, a))["subscription"] == "from"
        await bob.close()
        await alice.close()

    run(scenario())


def test_rfc6121_3_3_unsubscribe_cancels_own_subscription_in_both_rosters(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await login(server, a + "/home")
        bob = await login(server, b + "/work")
        await befriend(alice, bob, a, b)
        await until(lambda: "work" in alice.client_roster[b].resources)
        manual(alice, bob)
        alice_pushes, bob_pushes = watch_pushes(alice), watch_pushes(bob)
        alice.presence_log.clear()
        bob.presence_log.clear()
        # alice no longer wants bob's presence.
        alice.send_presence(pto=b, ptype="unsubscribe")
        assert (await next_push(alice_pushes, b)).get("subscription") == "from"  # §3.3.2
        assert (await next_push(bob_pushes, a)).get("subscription") == "to"      # §3.3.3
        request = await bob.saw_presence(of_type(a, "unsubscribe"))
        assert request["from"].full == a
        # §3.3.3: bob's server tells alice that bob is gone.
        gone = await alice.saw_presence(of_type(b, "unavailable"))
        assert gone["from"].full == b + "/work"
        assert (await roster_item(alice, b))["subscription"] == "from"
        assert (await roster_item(bob, a))["subscription"] == "to"
        await alice.close()
        await bob.close()

    run(scenario())


def test_rfc6121_3_2_unsubscribed_cancels_contacts_subscription_in_both_rosters(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await login(server, a + "/home")
        bob = await login(server, b + "/work")
        await befriend(alice, bob, a, b)
        await until(lambda: "work" in alice.client_roster[b].resources)
        manual(alice, bob)
        alice_pushes, bob_pushes = watch_pushes(alice), watch_pushes(bob)
        alice.presence_log.clear()
        bob.presence_log.clear()
        # bob no longer lets alice see his presence.
        bob.send_presence(pto=a, ptype="unsubscribed")
        assert (await next_push(bob_pushes, a)).get("subscription") == "to"      # §3.2.2
        assert (await next_push(alice_pushes, b)).get("subscription") == "from"  # §3.2.3
        cancelled = await alice.saw_presence(of_type(b, "unsubscribed"))
        assert cancelled["from"].full == b
        # §3.2.2: and alice receives unavailable from bob's resources.
        gone = await alice.saw_presence(of_type(b, "unavailable"))
        assert gone["from"].full == b + "/work"
        assert (await roster_item(alice, b))["subscription"] == "from"
        assert (await roster_item(bob, a))["subscription"] == "to"
        # bob's later presence no longer reaches alice.
        bob.send_presence(pstatus="still here")
        await bob.barrier()
        await asyncio.sleep(0.3)
        assert received(alice, lambda p: p["from"].bare == b and p["status"] == "still here") == []
        await alice.close()
        await bob.close()

    run(scenario())


# --- §4 presence -------------------------------------------------------------------

@pytest.mark.parametrize("how", ["unavailable presence", "stream close", "dropped connection"])
def test_rfc6121_4_6_3_directed_presence_target_learns_of_logout(server, how):
    a = server.add_user("alice")
    c = server.add_user("carol")

    async def scenario():
        alice = await login(server, a + "/home")
        carol = await login(server, c + "/desk")
        # alice and carol have no subscription: only directed presence.
        alice.send_presence(pto=c + "/desk", pstatus="hi carol")
        hello = await carol.saw_presence(of_type(a, "available"))
        assert hello["type"] == "available" and hello["status"] == "hi carol"
        assert hello["from"].full == a + "/home"
        if how == "unavailable presence":
            alice.send_presence(ptype="unavailable")  # a broadcast, no 'to'
            await alice.barrier()
            await alice.close()
        elif how == "stream close":
            await alice.close()
        else:
            alice.abort()
        bye = await carol.saw_presence(of_type(a, "unavailable"))
        assert bye["from"].full == a + "/home"
        await carol.close()

    run(scenario())


def test_rfc6121_4_2_2_new_resource_receives_presence_of_other_resources(server):
    a = server.add_user("alice")

    async def scenario():
        one = await login(server, a + "/one", status="at my desk")
        await one.barrier()
        two = await login(server, a + "/two", status="on the train")
        other = await two.saw_presence(lambda p: p["from"].full == a + "/one")
        assert other["type"] == "available" and other["status"] == "at my desk"
        # §4.2.2: the new resource's presence goes to all available resources, itself included.
        own = await two.saw_presence(lambda p: p["from"].full == a + "/two")
        assert own["status"] == "on the train"
        seen = await one.saw_presence(lambda p: p["from"].full == a + "/two")
        assert seen["type"] == "available" and seen["status"] == "on the train"
        await one.close()
        await two.close()

    run(scenario())


def test_rfc6121_8_5_2_negative_priority_resources_and_offline_storage(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        neg = await login(server, a + "/neg", priority=-1)
        pos = await login(server, a + "/pos", priority=1)
        bob = await login(server, b + "/x")
        await neg.barrier()
        await pos.barrier()
        # §8.5.2.1.1: to the bare JID: only non-negative priority resources.
        bob.send_message(mto=a, mbody="one", mtype="chat")
        assert (await pos.next_message())["body"] == "one"
        # A full JID still reaches the negative-priority resource (§8.5.3.1).
        bob.send_message(mto=a + "/neg", mbody="direct", mtype="chat")
        assert (await neg.next_message())["body"] == "direct"
        assert neg.messages.empty()
        # §8.5.2.2: with only negative-priority resources left, the message is stored.
        await pos.close()
        await neg.saw_presence(lambda p: p["from"].full == a + "/pos" and p["type"] == "unavailable")
        bob.send_message(mto=a, mbody="two", mtype="chat")
        await bob.barrier()
        await asyncio.sleep(0.3)
        assert neg.messages.empty()
        assert bob.messages.empty()  # not bounced
        later = await login(server, a + "/later")
        m = await later.next_message()
        assert m["body"] == "two"
        assert m["from"].full == b + "/x"
        assert m["delay"]["stamp"] is not None  # XEP-0160 §2 / XEP-0203
        await asyncio.sleep(0.2)
        assert neg.messages.empty()
        for c in (neg, later, bob):
            await c.close()

    run(scenario())


def test_xep0160_2_stored_messages_go_to_a_resource_raising_its_priority_to_non_negative(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        neg = await login(server, a + "/neg", priority=-1)
        bob = await login(server, b + "/x")
        await neg.barrier()
        bob.send_message(mto=a, mbody="kept for later", mtype="chat")
        await bob.barrier()
        await asyncio.sleep(0.2)
        assert neg.messages.empty()  # §8.5.2.2: stored, not delivered
        assert bob.messages.empty()  # and not bounced
        # "When the recipient next sends non-negative available presence to the
        # server, the server delivers the message to the resource that has sent
        # that presence": a subsequent presence counts, not only the initial one.
        neg.send_presence(ppriority=0)
        m = await neg.next_message()
        assert m["body"] == "kept for later"
        assert m["delay"]["stamp"] is not None
        # Delivered once: another priority change brings nothing more.
        neg.send_presence(ppriority=-1)
        neg.send_presence(ppriority=1)
        await neg.barrier()
        await asyncio.sleep(0.2)
        assert neg.messages.empty()
        await neg.close()
        await bob.close()

    run(scenario())


# --- §2 roster ---------------------------------------------------------------------

def test_rfc6121_2_6_3_roster_get_with_current_version_is_an_empty_result(server):
    a = server.add_user("alice")

    async def roster_get(client, ver):
        iq = client.make_iq_get()
        iq.append(ET.fromstring(f"<query xmlns='{ROSTER}' ver='{ver}'/>"))
        return await iq.send(timeout=TIMEOUT)

    async def scenario():
        alice = await login(server, a)
        assert "rosterver" in alice.features  # §2.6.1 stream feature
        pushes = watch_pushes(alice)
        first = (await roster_get(alice, "")).xml.find(q(ROSTER, "query"))
        assert first is not None and first.get("ver") is not None
        old = first.get("ver")
        await alice.update_roster(f"carol@{HOST}", name="Carol")
        push = await asyncio.wait_for(pushes.get(), TIMEOUT)
        current = push.xml.find(q(ROSTER, "query")).get("ver")
        assert current and current != old  # §2.6.1: a push carries the new version
        # §2.6.3: the client's version is current: an empty result.
        reply = await roster_get(alice, current)
        assert reply["type"] == "result"
        assert len(reply.xml) == 0
        # A stale version: the whole roster (or pushes of what changed).
        reply = await roster_get(alice, old)
        query = reply.xml.find(q(ROSTER, "query"))
        if query is not None:
            assert query.get("ver") == current
            assert [i.get("jid") for i in query.findall(q(ROSTER, "item"))] == [f"carol@{HOST}"]
        else:
            assert push_item(await asyncio.wait_for(pushes.get(), TIMEOUT))["jid"] == f"carol@{HOST}"
        await alice.close()

    run(scenario())


def test_rfc6121_2_5_3_removing_an_item_that_does_not_exist_is_item_not_found(server):
    a = server.add_user("alice")

    async def remove(client, jid):
        iq = client.make_iq_set()
        iq.append(ET.fromstring(f"<query xmlns='{ROSTER}'><item jid='{jid}' subscription='remove'/></query>"))
        return await iq.send(timeout=TIMEOUT)

    async def scenario():
        alice = await login(server, a)
        with pytest.raises(IqError) as e:
            await remove(alice, f"nobody@{HOST}")
        assert (e.value.iq["error"]["type"], e.value.iq["error"]["condition"]) == \
            ("cancel", "item-not-found")
        # An item that exists is removed; removing it again is the same error.
        await alice.update_roster(f"carol@{HOST}", name="Carol")
        assert (await remove(alice, f"carol@{HOST}"))["type"] == "result"
        assert await roster_item(alice, f"carol@{HOST}") is None
        with pytest.raises(IqError) as e:
            await remove(alice, f"carol@{HOST}")
        assert e.value.iq["error"]["condition"] == "item-not-found"
        await alice.close()

    run(scenario())
