"""XEP-0313 Message Archive Management v0.8.0 for rooms, XEP-0359 stanza-ids
by the room and XEP-0421 occupant-id, with real slixmpp clients against a real
parleyd: groupchat messages are archived by the room and carry its
<stanza-id by='room'/>; a query to the room's bare JID pages through the
archive with XEP-0059 RSM, in order, with the ids the occupants saw and
<fin complete='true'/> on the last page; who may read a room's archive; the
archive goes with the room."""
import asyncio

from clients import run, q
from conftest import HOST
from test_muc import (DISCO_INFO, MUC_OWNER, SERVICE, admin_set, configure, create_room,
                      error_of, from_, iq, join, login, message)

MAM = "urn:xmpp:mam:2"
SID = "urn:xmpp:sid:0"
RSM = "http://jabber.org/protocol/rsm"
FORWARD = "urn:xmpp:forward:0"
NS_CLIENT = "jabber:client"


def stanza_ids(m, by):
    return [s.get("id") for s in m.xml.findall(q(SID, "stanza-id")) if s.get("by") == by]


async def say(sender, receivers, room, body):
    """Sends a groupchat message and returns the room's stanza-id of it, as
    each receiver saw it (XEP-0359 §4: the same id for everyone)."""
    sender.send_raw(f"<message to='{room}' type='groupchat'><body>{body}</body></message>")
    seen = set()
    for c in receivers:
        m = await message(c, lambda m: m["type"] == "groupchat" and m["body"] == body)
        ids = stanza_ids(m, room)
        assert len(ids) == 1, m  # exactly one, added by the room
        seen.add(ids[0])
    assert len(seen) == 1
    return seen.pop()


async def query(c, room, queryid, rsm="", form=""):
    """One MAM query to the room: ([(result id, forwarded message)], fin)."""
    r = await iq(c, room, "set", f"<query xmlns='{MAM}' queryid='{queryid}'>{form}"
                 f"<set xmlns='{RSM}'>{rsm}</set></query>")
    assert r["type"] == "result", r
    fin = r.xml.find(q(MAM, "fin"))
    results = []
    # §4.2: the results precede the iq result on the stream.
    while not c.all_messages.empty():
        m = c.all_messages.get_nowait()
        res = m.xml.find(q(MAM, "result"))
        if res is None or res.get("queryid") != queryid:
            continue
        assert m["from"].full == room  # from the archive's JID: the room
        fwd = res.find(q(FORWARD, "forwarded")).find(q(NS_CLIENT, "message"))
        results.append((res.get("id"), fwd))
    return results, fin


async def room_of_two(server, name):
    """alice (owner, moderator) and bob (participant) in a new instant room."""
    alice = await login(server, "alice")
    bob = await login(server, "bob")
    room = await create_room(alice, name, "alice")
    await join(bob, room, "bob")
    await alice.next_presence(from_(f"{room}/bob"))
    return alice, bob, room


def test_xep0313_room_archive_paged_with_rsm_in_order_with_stanza_ids(server):
    async def scenario():
        alice, bob, room = await room_of_two(server, "archived")
        info = await iq(bob, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        features = {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}
        assert {MAM, SID} <= features  # XEP-0313 §7, XEP-0359 §4
        ids = []
        for i in range(5):
            ids.append(await say(alice if i % 2 == 0 else bob, (alice, bob), room, f"line {i}"))
        assert len(set(ids)) == 5
        # XEP-0059 §2.2 paging forwards, two at a time.
        got, after, pages = [], "", 0
        while True:
            rsm = "<max>2</max>" + (f"<after>{after}</after>" if after else "")
            results, fin = await query(bob, room, f"q{pages}", rsm)
            pages += 1
            got += results
            last = fin.find(q(RSM, "set")).findtext(q(RSM, "last"))
            if fin.get("complete") == "true":
                break
            assert len(results) == 2 and last == results[-1][0]
            after = last
            assert pages < 5
        assert pages == 3
        assert [rid for rid, _ in got] == ids  # archive order = the order sent (§3.1)
        for i, (rid, fwd) in enumerate(got):
            assert fwd.findtext(q(NS_CLIENT, "body")) == f"line {i}"
            sender = "alice" if i % 2 == 0 else "bob"
            assert fwd.get("from") == f"{room}/{sender}"  # the occupant JID, not the real JID
            assert fwd.get("type") == "groupchat"
        # XEP-0059 §2.5: the last page; <before/> empty.
        results, fin = await query(bob, room, "last", "<max>2</max><before/>")
        assert [rid for rid, _ in results] == ids[3:]
        # §4.3: paging backwards, complete only once the oldest is in the page.
        assert fin.get("complete") is None
        results, fin = await query(bob, room, "first", f"<max>3</max><before>{ids[3]}</before>")
        assert [rid for rid, _ in results] == ids[:3] and fin.get("complete") == "true"
        # §4.1.1 'with' an occupant JID: that occupant's messages.
        form = (f"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>{MAM}"
                f"</value></field><field var='with'><value>{room}/bob</value></field></x>")
        results, fin = await query(bob, room, "with", "", form)
        assert [rid for rid, _ in results] == [ids[1], ids[3]]
        # §4.1.3: an id that is not in the archive.
        r = await iq(bob, room, "set", f"<query xmlns='{MAM}'><set xmlns='{RSM}'>"
                     "<after>nonexistent</after></set></query>")
        assert error_of(r) == ("cancel", "item-not-found")
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0359_5_forged_stanza_id_by_room_is_removed(server):
    async def scenario():
        alice = await login(server, "alice")
        room = await create_room(alice, "forgery", "alice")
        alice.send_raw(f"<message to='{room}' type='groupchat'><body>hi</body>"
                       f"<stanza-id xmlns='{SID}' id='forged' by='{room}'/>"
                       f"<stanza-id xmlns='{SID}' id='other' by='someone@else'/></message>")
        m = await message(alice, lambda m: m["type"] == "groupchat" and m["body"] == "hi")
        ids = stanza_ids(m, room)
        assert len(ids) == 1 and ids[0] != "forged"
        assert stanza_ids(m, "someone@else") == ["other"]  # not ours: kept
        await alice.close()
    run(scenario())


def test_xep0313_room_archive_access_follows_room_access(server):
    async def scenario():
        alice = await login(server, "alice")
        carol = await login(server, "carol")
        # An open room: anyone who may enter may read, without joining.
        room = await create_room(alice, "open", "alice")
        sid = await say(alice, (alice,), room, "public words")
        results, fin = await query(carol, room, "c1")
        assert [rid for rid, _ in results] == [sid] and fin.get("complete") == "true"
        # A members-only room: only members.
        closed = await create_room(alice, "closed", "alice", {"muc#roomconfig_membersonly": "1"})
        await say(alice, (alice,), closed, "private words")
        r = await iq(carol, closed, "set", f"<query xmlns='{MAM}'/>")
        assert error_of(r) == ("auth", "forbidden")
        # Archiving switched off: nothing new is archived, no stanza-id.
        await configure(alice, room, {"muc#roomconfig_enablearchiving": "0"})
        alice.send_raw(f"<message to='{room}' type='groupchat'><body>off the record</body></message>")
        m = await message(alice, lambda m: m["type"] == "groupchat" and m["body"] == "off the record")
        assert stanza_ids(m, room) == []
        results, _ = await query(carol, room, "c2")
        assert [rid for rid, _ in results] == [sid]
        await alice.close()
        await carol.close()
    run(scenario())


def test_xep0313_room_archive_removed_with_the_room(server):
    async def scenario():
        alice = await login(server, "alice")
        room = await create_room(alice, "ephemeral", "alice", {"muc#roomconfig_persistentroom": "1"})
        await say(alice, (alice,), room, "soon gone")
        r = await iq(alice, room, "set", f"<query xmlns='{MUC_OWNER}'><destroy/></query>")
        assert r["type"] == "result"
        room2 = await create_room(alice, "ephemeral", "alice")
        assert room2 == room
        results, fin = await query(alice, room, "fresh")
        assert results == [] and fin.get("complete") == "true"
        await alice.close()
    run(scenario())


OCC = "urn:xmpp:occupant-id:0"


def occupant_ids(stanza):
    return [e.get("id") for e in stanza.xml.findall(q(OCC, "occupant-id"))]


def test_xep0421_occupant_id_stable_per_user_and_forgeries_replaced(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "ids", "alice")
        info = await iq(bob, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert OCC in {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}  # §3
        # §4: a forged occupant-id in the join presence is replaced by the room's.
        bob.send_raw(f"<presence to='{room}/bob'><x xmlns='http://jabber.org/protocol/muc'/>"
                     f"<occupant-id xmlns='{OCC}' id='forged'/></presence>")
        p = await alice.next_presence(from_(f"{room}/bob"))
        [bob_id] = occupant_ids(p)
        assert bob_id != "forged"
        bob.send_raw(f"<message to='{room}' type='groupchat'><body>me</body>"
                     f"<occupant-id xmlns='{OCC}' id='forged'/></message>")
        m = await message(alice, lambda m: m["type"] == "groupchat" and m["body"] == "me")
        assert occupant_ids(m) == [bob_id]  # the same id in messages (§4)
        alice.send_raw(f"<message to='{room}' type='groupchat'><body>you</body></message>")
        m = await message(bob, lambda m: m["type"] == "groupchat" and m["body"] == "you")
        [alice_id] = occupant_ids(m)
        assert alice_id != bob_id
        # Stable across nicknames and sessions: bob leaves and comes back as "robert".
        bob.send_raw(f"<presence to='{room}/bob' type='unavailable'/>")
        await alice.next_presence(lambda p: p["from"].full == f"{room}/bob" and p["type"] == "unavailable")
        await join(bob, room, "robert")
        p = await alice.next_presence(from_(f"{room}/robert"))
        assert occupant_ids(p) == [bob_id]
        await alice.close()
        await bob.close()
    run(scenario())


RETRACT = "urn:xmpp:message-retract:1"
MODERATE = "urn:xmpp:message-moderate:1"


def test_xep0425_moderator_retracts_a_message_tombstone_in_archive(server):
    async def scenario():
        alice, bob, room = await room_of_two(server, "moderated")
        info = await iq(bob, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert MODERATE in {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}  # §2
        keep = await say(alice, (alice, bob), room, "keep me")
        spam = await say(bob, (alice, bob), room, "buy now")
        moderate = (f"<moderate xmlns='{MODERATE}' id='{{}}'><retract xmlns='{RETRACT}'/>"
                    "<reason>Spam</reason></moderate>")
        # A participant is no moderator.
        r = await iq(bob, room, "set", moderate.format(keep))
        assert error_of(r) == ("auth", "forbidden")
        r = await iq(alice, room, "set", moderate.format("not-an-id"))
        assert error_of(r) == ("cancel", "item-not-found")
        r = await iq(alice, room, "set", moderate.format(spam))
        assert r["type"] == "result", r
        for c in (alice, bob):  # §4: everyone is told, from the room
            m = await message(c, lambda m: m.xml.find(q(RETRACT, "retract")) is not None)
            assert m["from"].full == room and m["type"] == "groupchat"
            retract = m.xml.find(q(RETRACT, "retract"))
            assert retract.get("id") == spam
            assert retract.find(q(MODERATE, "moderated")).get("by") == f"{room}/alice"
            assert retract.findtext(q(RETRACT, "reason")) == "Spam"
        # §5: the archive holds a tombstone in the message's place.
        results, fin = await query(alice, room, "after")
        by_id = dict(results)
        assert [rid for rid, _ in results][:2] == [keep, spam]
        tomb = by_id[spam]
        assert tomb.find(q(NS_CLIENT, "body")) is None
        retracted = tomb.find(q(RETRACT, "retracted"))
        assert retracted is not None and retracted.get("stamp")
        assert retracted.find(q(MODERATE, "moderated")).get("by") == f"{room}/alice"
        assert tomb.get("from") == f"{room}/bob"
        assert by_id[keep].findtext(q(NS_CLIENT, "body")) == "keep me"
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0424_author_retraction_passes_through_the_room(server):
    async def scenario():
        alice, bob, room = await room_of_two(server, "oops")
        sid = await say(bob, (alice, bob), room, "typo")
        bob.send_raw(f"<message to='{room}' type='groupchat'><retract xmlns='{RETRACT}' id='{sid}'/>"
                     "<body>/me retracted a message</body><store xmlns='urn:xmpp:hints'/></message>")
        m = await message(alice, lambda m: m.xml.find(q(RETRACT, "retract")) is not None)
        assert m["from"].full == f"{room}/bob"
        assert m.xml.find(q(RETRACT, "retract")).get("id") == sid
        await message(bob, lambda m: m.xml.find(q(RETRACT, "retract")) is not None)
        # alice cannot retract bob's message by sending a retraction herself.
        keep = await say(bob, (alice, bob), room, "mine")
        alice.send_raw(f"<message to='{room}' type='groupchat'><retract xmlns='{RETRACT}' "
                       f"id='{keep}'/><body>/me retracted a message</body></message>")
        await message(alice, lambda m: m.xml.find(q(RETRACT, "retract")) is not None)
        # XEP-0424 §5: the archive keeps a tombstone of the author's own
        # retracted message, without <moderated/>; bob's other message stays.
        results, _ = await query(alice, room, "tomb")
        by_id = dict(results)
        retracted = by_id[sid].find(q(RETRACT, "retracted"))
        assert retracted is not None and retracted.find(q(MODERATE, "moderated")) is None
        assert by_id[sid].find(q(NS_CLIENT, "body")) is None
        assert by_id[keep].findtext(q(NS_CLIENT, "body")) == "mine"
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0313_xep0421_archive_and_occupant_ids_survive_a_restart(server):
    """A persistent members-only room: its archive and its occupants' ids
    (the service's stored secret) are the same after parleyd restarts; a
    member may read the archive of a members-only room, an outsider may not."""
    room = f"lasting@{SERVICE}"
    seen = {}

    async def before():
        alice = await login(server, "alice")
        await create_room(alice, "lasting", "alice", {"muc#roomconfig_persistentroom": "1",
                                                       "muc#roomconfig_membersonly": "1"})
        r = await admin_set(alice, room, {"jid": f"bob@{HOST}", "affiliation": "member"})
        assert r["type"] == "result"
        alice.send_raw(f"<message to='{room}' type='groupchat'><body>before the night</body></message>")
        m = await message(alice, lambda m: m["type"] == "groupchat" and m["body"] == "before the night")
        seen["sid"] = stanza_ids(m, room)[0]
        seen["alice"] = occupant_ids(m)[0]
        await alice.close()
    server.add_user("bob")
    server.add_user("carol")
    run(before())
    assert server.stop() == 0
    server.start()

    async def after():
        bob = await login(server, "bob", new=False)
        carol = await login(server, "carol", new=False)
        results, fin = await query(bob, room, "kept")  # a member, not in the room
        assert [rid for rid, _ in results] == [seen["sid"]] and fin.get("complete") == "true"
        r = await iq(carol, room, "set", f"<query xmlns='{MAM}'/>")
        assert error_of(r) == ("auth", "forbidden")
        alice = await login(server, "alice", new=False)
        await join(alice, room, "alice")
        alice.send_raw(f"<message to='{room}' type='groupchat'><body>after</body></message>")
        m = await message(alice, lambda m: m["type"] == "groupchat" and m["body"] == "after")
        assert occupant_ids(m) == [seen["alice"]]  # XEP-0421: stable across restarts
        for c in (alice, bob, carol):
            await c.close()
    run(after())
