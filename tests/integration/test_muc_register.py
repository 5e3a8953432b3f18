"""XEP-0045 v1.35.5 §7.10 "Registering with a Room", §7.12 "Discovering
Reserved Room Nickname" and reserved nicknames enforced on entry (§7.2.8)
and on nickname change (§7.6), with real slixmpp clients against a real
parleyd. The registration form and submissions are written by hand so that
their exact shape (muc#register FORM_TYPE, muc#register_roomnick required)
is what the test checks; the reserved nickname is discovered with slixmpp's
own XEP-0030 plugin."""
from clients import run, q
from conftest import HOST
from test_muc import (DATA, DISCO_INFO, MUC_ADMIN, SERVICE, create_room, error_of, iq, join,
                      login, muc_item, status_codes, with_muc_config)

REGISTER = "jabber:iq:register"
MUC_REGISTER = "http://jabber.org/protocol/muc#register"


def register_form(nick):
    """§7.10 "User Submits Registration Form" (the optional fields included)."""
    return (f"<query xmlns='{REGISTER}'><x xmlns='{DATA}' type='submit'>"
            f"<field var='FORM_TYPE'><value>{MUC_REGISTER}</value></field>"
            f"<field var='muc#register_first'><value>Brunhilde</value></field>"
            f"<field var='muc#register_roomnick'><value>{nick}</value></field>"
            f"</x></query>")


async def register(c, room, nick):
    return await iq(c, room, "set", register_form(nick))


async def reserved_nick(c, room):
    """§7.12 through slixmpp's XEP-0030 plugin: the name of the
    conference/text identity at node x-roomuser-item, or None."""
    info = await c["xep_0030"].get_info(jid=room, node="x-roomuser-item", local=False)
    query = info.xml.find(q(DISCO_INFO, "query"))
    assert query.get("node") == "x-roomuser-item"
    identities = query.findall(q(DISCO_INFO, "identity"))
    if not identities:
        return None
    assert len(identities) == 1
    assert (identities[0].get("category"), identities[0].get("type")) == ("conference", "text")
    return identities[0].get("name")


def test_xep0045_7_10_registration_form_and_reserved_nick(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        carol = await login(server, "carol")
        room = await create_room(alice, "coven", "alice")
        info = await iq(bob, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert REGISTER in {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}

        # §7.10 "Service Returns Registration Form".
        r = await iq(bob, room, "get", f"<query xmlns='{REGISTER}'/>")
        assert r["type"] == "result", r
        query = r.xml.find(q(REGISTER, "query"))
        assert query.find(q(REGISTER, "registered")) is None
        x = query.find(q(DATA, "x"))
        assert x is not None and x.get("type") == "form"
        fields = {f.get("var"): f for f in x.findall(q(DATA, "field"))}
        assert fields["FORM_TYPE"].get("type") == "hidden"
        assert fields["FORM_TYPE"].findtext(q(DATA, "value")) == MUC_REGISTER
        assert fields["muc#register_roomnick"].get("type") == "text-single"
        assert fields["muc#register_roomnick"].find(q(DATA, "required")) is not None
        for var, f in fields.items():  # every other field is optional
            if var not in ("FORM_TYPE", "muc#register_roomnick"):
                assert f.find(q(DATA, "required")) is None, var

        # No reservation yet: §7.12 "MUST return ... empty".
        assert await reserved_nick(bob, room) is None

        # Bob is in the room when he registers: result, then the
        # "Notice of Membership to All Occupants".
        await join(bob, room, "thirdwitch")
        r = await register(bob, room, "thirdwitch")
        assert r["type"] == "result", r
        notice = await alice.next_presence(
            lambda p: p["from"].full == f"{room}/thirdwitch" and muc_item(p) is not None
            and muc_item(p).get("affiliation") == "member")
        assert muc_item(notice).get("role") == "participant"
        assert muc_item(notice).get("jid", "").startswith(f"bob@{HOST}")  # alice is a moderator

        # "If the user is already registered ... <registered/>".
        r = await iq(bob, room, "get", f"<query xmlns='{REGISTER}'/>")
        query = r.xml.find(q(REGISTER, "query"))
        assert query.find(q(REGISTER, "registered")) is not None
        assert query.findtext(q(REGISTER, "username")) == "thirdwitch"

        # §7.12: the reserved nickname as the identity's name.
        assert await reserved_nick(bob, room) == "thirdwitch"
        assert await reserved_nick(carol, room) is None

        # §9.5: the member list shows it.
        r = await iq(alice, room, "get", f"<query xmlns='{MUC_ADMIN}'><item affiliation='member'/></query>")
        items = [(i.get("jid"), i.get("nick")) for i in r.xml.iter(q(MUC_ADMIN, "item"))]
        assert items == [(f"bob@{HOST}", "thirdwitch")]

        # Bob leaves; carol may not take his reserved nickname (§7.2.8) ...
        bob.send_raw(f"<presence to='{room}/thirdwitch' type='unavailable'/>")
        await alice.next_presence(lambda p: p["from"].full == f"{room}/thirdwitch" and p["type"] == "unavailable")
        err = await join(carol, room, "thirdwitch", expect_error=True)
        assert error_of(err) == ("cancel", "conflict")
        # ... nor change to it (§7.6).
        await join(carol, room, "carol")
        carol.send_raw(f"<presence to='{room}/thirdwitch'/>")
        p = await carol.next_presence(lambda p: p["type"] == "error")
        assert error_of(p) == ("cancel", "conflict")
        # Nor register it: §7.10 "already reserved ... <conflict/>".
        r = await register(carol, room, "thirdwitch")
        assert error_of(r) == ("cancel", "conflict")
        # Bob himself enters with it.
        p = await join(bob, room, "thirdwitch")
        assert muc_item(p).get("affiliation") == "member"
        for c in (alice, bob, carol):
            await c.close()
    run(scenario())


def test_xep0045_7_10_unregister_frees_the_nickname(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        carol = await login(server, "carol")
        room = await create_room(alice, "free", "alice")
        assert (await register(bob, room, "bobby"))["type"] == "result"
        assert error_of(await register(carol, room, "bobby")) == ("cancel", "conflict")
        # XEP-0077 §3.2 <remove/>: the registration (and the membership it gave) ends.
        r = await iq(bob, room, "set", f"<query xmlns='{REGISTER}'><remove/></query>")
        assert r["type"] == "result", r
        assert await reserved_nick(bob, room) is None
        r = await iq(alice, room, "get", f"<query xmlns='{MUC_ADMIN}'><item affiliation='member'/></query>")
        assert list(r.xml.iter(q(MUC_ADMIN, "item"))) == []
        p = await join(carol, room, "bobby")
        assert 110 in status_codes(p)
        for c in (alice, bob, carol):
            await c.close()
    run(scenario())


def test_xep0045_7_10_errors(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "strict", "alice", {"muc#roomconfig_membersonly": "1"})
        # Not on the member list of a members-only room: "not allowed to register".
        r = await iq(bob, room, "get", f"<query xmlns='{REGISTER}'/>")
        assert error_of(r) == ("cancel", "not-allowed")
        # A form that is not muc#register: bad-request.
        open_room = await create_room(alice, "open", "alice")
        r = await iq(bob, open_room, "set",
                     f"<query xmlns='{REGISTER}'><x xmlns='{DATA}' type='submit'>"
                     f"<field var='muc#register_roomnick'><value>x</value></field></x></query>")
        assert error_of(r) == ("modify", "bad-request")
        r = await iq(bob, open_room, "set", f"<query xmlns='{REGISTER}'/>")
        assert error_of(r) == ("modify", "bad-request")
        # A room that does not exist: item-not-found (§7.10).
        r = await iq(bob, f"nowhere@{SERVICE}", "get", f"<query xmlns='{REGISTER}'/>")
        assert error_of(r) == ("cancel", "item-not-found")
        # The server kept serving: bob registers properly.
        assert (await register(bob, open_room, "bob"))["type"] == "result"
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0045_7_10_registered_nick_survives_restart(server):
    room = f"kept@{SERVICE}"

    async def before():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        await create_room(alice, "kept", "alice", {"muc#roomconfig_persistentroom": "1"})
        assert (await register(bob, room, "thirdwitch"))["type"] == "result"
        await alice.close()
        await bob.close()
    run(before())
    assert server.stop() == 0
    server.start()

    async def after():
        bob = await login(server, "bob", new=False)
        carol = await login(server, "carol")
        assert await reserved_nick(bob, room) == "thirdwitch"
        err = await join(carol, room, "thirdwitch", expect_error=True)
        assert error_of(err) == ("cancel", "conflict")
        p = await join(bob, room, "thirdwitch")
        assert muc_item(p).get("affiliation") == "member"
        await bob.close()
        await carol.close()
    run(after())


def test_xep0045_7_10_nickname_lock_down(tmp_path):
    """enforce_registered_nickname: §7.10 last paragraph, "SHOULD return a
    <not-acceptable/> error to the user if the user attempts to join the
    room with a roomnick other than the user's registered roomnick"."""
    async def scenario(server):
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "locked", "alice")
        assert (await register(bob, room, "thirdwitch"))["type"] == "result"
        err = await join(bob, room, "bob", expect_error=True)
        # The XEP shows no example; the type is RFC 6120 §8.3.3.9's (modify).
        assert error_of(err) == ("modify", "not-acceptable")
        p = await join(bob, room, "thirdwitch")
        assert muc_item(p).get("affiliation") == "member"
        await alice.close()
        await bob.close()
    with_muc_config(tmp_path, "enforce_registered_nickname = true\n", scenario)
