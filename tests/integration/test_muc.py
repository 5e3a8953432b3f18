"""XEP-0045 Multi-User Chat (v1.35.5 section numbers) and XEP-0410 MUC
Self-Ping with real slixmpp clients against a real parleyd: the service at
conference.localhost, room creation (instant and reserved), occupants
exchanging groupchat and private messages, nickname conflicts, kick and ban,
members-only and password-protected rooms, a persistent room surviving a
restart, mediated invitations and declines, self-ping, iqs to occupants, and
service discovery. Stanzas are written by hand where the XEP's exact shape
matters; what comes back is parsed with ElementTree and checked against the
XEP's status codes and error conditions."""
import asyncio
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from clients import Client, TIMEOUT, run, q, stanza_error
from conftest import HOST, Server

MUC = "http://jabber.org/protocol/muc"
MUC_USER = MUC + "#user"
MUC_ADMIN = MUC + "#admin"
MUC_OWNER = MUC + "#owner"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
DATA = "jabber:x:data"
PING = "urn:xmpp:ping"
NS_CLIENT = "jabber:client"
SERVICE = f"conference.{HOST}"


# --- helpers -------------------------------------------------------------------

async def login(server, local, new=True):
    c = Client(server.add_user(local) if new else f"{local}@{HOST}", roster=False)
    # slixmpp's 'message' event skips messages without a <body/> (invitations,
    # subjects, voice requests) and errors: record every message here.
    c.all_messages = asyncio.Queue()
    c.register_handler(Callback("every message", MatchXPath(f"{{{NS_CLIENT}}}message"),
                                lambda m: c.all_messages.put_nowait(m)))
    return await c.login(server.c2s_port)


def status_codes(stanza):
    x = stanza.xml.find(q(MUC_USER, "x"))
    return set() if x is None else {int(s.get("code")) for s in x.findall(q(MUC_USER, "status"))}


def muc_item(stanza):
    x = stanza.xml.find(q(MUC_USER, "x"))
    return None if x is None else x.find(q(MUC_USER, "item"))


def error_of(stanza):
    """(type, condition) of a stanza's error."""
    return stanza_error(stanza.xml)


async def join(c, room, nick, password=None, expect_error=False):
    """Enters `room` as `nick` (§7.2.1) and returns the self-presence (§7.2.2:
    status 110), or the error presence when expect_error."""
    pw = f"<password>{password}</password>" if password is not None else ""
    occupant = f"{room}/{nick}"
    c.send_raw(f"<presence to='{occupant}'><x xmlns='{MUC}'>{pw}</x></presence>")
    p = await c.next_presence(lambda p: p["from"].full == occupant and
                              (p["type"] == "error" or 110 in status_codes(p)))
    if expect_error:
        assert p["type"] == "error", p
    else:
        assert p["type"] != "error", p
    return p


async def message(c, pred=lambda m: True, timeout=TIMEOUT):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        m = await asyncio.wait_for(c.all_messages.get(), max(0.01, deadline - loop.time()))
        if pred(m):
            return m


def from_(jid):
    return lambda s: s["from"].full == jid


async def iq(c, to, type, payload):
    """Sends an iq with `payload` and returns the answer (result or error)."""
    i = c.make_iq(ito=to, itype=type)
    i.append(ET.fromstring(payload))
    try:
        return await i.send(timeout=TIMEOUT)
    except IqError as e:
        return e.iq


def with_muc_config(tmp_path, settings, scenario):
    """Runs scenario(server) against a parleyd with [modules.muc] `settings`."""
    srv = Server(tmp_path, extra_config="[modules.muc]\n" + settings)
    srv.start()
    try:
        run(scenario(srv))
    finally:
        assert srv.stop() == 0
        text = srv.log_text()  # as the server fixture: a sanitizer report fails the test
        assert "ERROR: AddressSanitizer" not in text and "runtime error:" not in text, text[-5000:]


def form(fields, type="submit"):
    """A muc#roomconfig form with the given {var: value or [values]}."""
    out = [f"<x xmlns='{DATA}' type='{type}'><field var='FORM_TYPE'>"
           f"<value>{MUC}#roomconfig</value></field>"]
    for var, value in fields.items():
        values = value if isinstance(value, list) else [value]
        out.append(f"<field var='{var}'>" + "".join(f"<value>{v}</value>" for v in values) +
                   "</field>")
    return "".join(out) + "</x>"


async def configure(c, room, fields):
    r = await iq(c, room, "set", f"<query xmlns='{MUC_OWNER}'>{form(fields)}</query>")
    assert r["type"] == "result", r


async def create_room(c, name, nick, fields=None):
    """Creates room name@service with `c` as owner: an instant room (§10.1.2)
    or, with `fields`, a reserved one configured with them (§10.1.3)."""
    room = f"{name}@{SERVICE}"
    p = await join(c, room, nick)
    assert {110, 201} <= status_codes(p), p  # §10.1.1
    if fields is None:
        r = await iq(c, room, "set", f"<query xmlns='{MUC_OWNER}'><x xmlns='{DATA}' type='submit'/></query>")
        assert r["type"] == "result", r
    else:
        await configure(c, room, fields)
    return room


async def admin_set(c, room, item_attrs, reason=""):
    attrs = " ".join(f"{k}='{v}'" for k, v in item_attrs.items())
    r = f"<reason>{reason}</reason>" if reason else ""
    return await iq(c, room, "set", f"<query xmlns='{MUC_ADMIN}'><item {attrs}>{r}</item></query>")


async def nothing_from(c, pred, seconds=0.5):
    """Asserts that no message matching pred arrives within `seconds`."""
    try:
        m = await message(c, pred, timeout=seconds)
    except asyncio.TimeoutError:
        return
    raise AssertionError(f"unexpected message {m}")


# --- §6 service discovery --------------------------------------------------------

def test_xep0045_6_1_service_listed_and_6_2_identity_and_feature(server):
    async def scenario():
        alice = await login(server, "alice")
        items = await iq(alice, HOST, "get", f"<query xmlns='{DISCO_ITEMS}'/>")
        jids = [i.get("jid") for i in items.xml.iter(q(DISCO_ITEMS, "item"))]
        assert SERVICE in jids
        info = await iq(alice, SERVICE, "get", f"<query xmlns='{DISCO_INFO}'/>")
        ids = [(i.get("category"), i.get("type")) for i in info.xml.iter(q(DISCO_INFO, "identity"))]
        assert ("conference", "text") in ids
        features = {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}
        assert MUC in features
        await alice.close()
    run(scenario())


def test_xep0045_6_3_public_rooms_listed_hidden_and_locked_not(server):
    async def scenario():
        alice = await login(server, "alice")
        await create_room(alice, "open", "alice", {"muc#roomconfig_roomname": "Open Room"})
        await create_room(alice, "secret", "alice", {"muc#roomconfig_publicroom": "0"})
        await join(alice, f"locked@{SERVICE}", "alice")  # created, never configured
        items = await iq(alice, SERVICE, "get", f"<query xmlns='{DISCO_ITEMS}'/>")
        listed = {i.get("jid"): i.get("name") for i in items.xml.iter(q(DISCO_ITEMS, "item"))}
        assert listed == {f"open@{SERVICE}": "Open Room"}
        # §6.4: the room's own disco#info, with the muc#roominfo form.
        info = await iq(alice, f"open@{SERVICE}", "get", f"<query xmlns='{DISCO_INFO}'/>")
        features = {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}
        assert {MUC, "muc_public", "muc_temporary", "muc_open", "muc_unsecured",
                "muc_unmoderated", "muc_semianonymous",
                "http://jabber.org/protocol/muc#self-ping-optimization"} <= features
        names = [i.get("name") for i in info.xml.iter(q(DISCO_INFO, "identity"))]
        assert names == ["Open Room"]
        fields = {f.get("var"): f.findtext(q(DATA, "value"))
                  for f in info.xml.iter(q(DATA, "field"))}
        assert fields["FORM_TYPE"] == f"{MUC}#roominfo"
        assert fields["muc#roominfo_occupants"] == "1"
        await alice.close()
    run(scenario())


# --- §10.1 creating rooms ----------------------------------------------------------

def test_xep0045_10_1_2_instant_room_locked_until_configured(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = f"coven@{SERVICE}"
        p = await join(alice, room, "alice")
        assert {110, 201} <= status_codes(p)
        item = muc_item(p)
        assert (item.get("affiliation"), item.get("role")) == ("owner", "moderator")
        # §7.2.10: until the owner configures it, nobody else may enter.
        err = await join(bob, room, "bob", expect_error=True)
        assert error_of(err) == ("cancel", "item-not-found")
        r = await iq(alice, room, "set",
                     f"<query xmlns='{MUC_OWNER}'><x xmlns='{DATA}' type='submit'/></query>")
        assert r["type"] == "result"
        p = await join(bob, room, "bob")
        assert 110 in status_codes(p)
        assert (muc_item(p).get("affiliation"), muc_item(p).get("role")) == ("none", "participant")
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0045_10_1_3_reserved_room_config_form(server):
    async def scenario():
        alice = await login(server, "alice")
        room = f"reserved@{SERVICE}"
        await join(alice, room, "alice")
        r = await iq(alice, room, "get", f"<query xmlns='{MUC_OWNER}'/>")
        assert r["type"] == "result"
        x = r.xml.find(q(MUC_OWNER, "query")).find(q(DATA, "x"))
        assert x.get("type") == "form"
        vars_ = {f.get("var") for f in x.iter(q(DATA, "field"))}
        assert {"FORM_TYPE", "muc#roomconfig_roomname", "muc#roomconfig_persistentroom",
                "muc#roomconfig_membersonly", "muc#roomconfig_roomsecret"} <= vars_
        await configure(alice, room, {"muc#roomconfig_roomname": "Reserved",
                                      "muc#roomconfig_moderatedroom": "1"})
        info = await iq(alice, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        features = {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}
        assert "muc_moderated" in features
        # §10.2: a non-owner may not read the form.
        bob = await login(server, "bob")
        await join(bob, room, "bob")
        err = await iq(bob, room, "get", f"<query xmlns='{MUC_OWNER}'/>")
        assert error_of(err) == ("auth", "forbidden")
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0045_10_1_1_creation_limited_by_policy(tmp_path):
    async def scenario(srv):
        alice = await login(srv, "alice")
        bob = await login(srv, "bob")
        await create_room(alice, "allowed", "alice")
        err = await join(bob, f"denied@{SERVICE}", "bob", expect_error=True)
        assert error_of(err) == ("cancel", "not-allowed")  # §10.1.1
        await alice.close()
        await bob.close()
    with_muc_config(tmp_path, f"room_creation = \"admins\"\nadmins = \"alice@{HOST}\"\n", scenario)


# --- §7.4, §7.5 messages between two and three occupants --------------------------

def test_xep0045_7_4_groupchat_between_two_occupants(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "chat", "alice")
        await join(bob, room, "bob")
        # §7.2.2: the existing occupant sees the newcomer's presence.
        p = await alice.next_presence(from_(f"{room}/bob"))
        assert muc_item(p).get("role") == "participant"
        alice.send_raw(f"<message to='{room}' type='groupchat' id='m1'><body>Harpier cries</body></message>")
        for c in (alice, bob):  # §7.4: to every occupant, the sender included
            m = await message(c, lambda m: m["type"] == "groupchat" and m["body"])
            assert m["from"].full == f"{room}/alice"
            assert m["body"] == "Harpier cries"
            assert m["id"] == "m1"
        bob.send_raw(f"<message to='{room}' type='groupchat'><body>'Tis time</body></message>")
        for c in (alice, bob):
            m = await message(c, lambda m: m["type"] == "groupchat" and m["body"])
            assert (m["from"].full, m["body"]) == (f"{room}/bob", "'Tis time")
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0045_7_5_private_messages_among_three_occupants(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        carol = await login(server, "carol")
        room = await create_room(alice, "three", "alice")
        await join(bob, room, "bob")
        await join(carol, room, "carol")
        for c, others in ((alice, ("bob", "carol")), (bob, ("alice", "carol")), (carol, ("alice", "bob"))):
            for nick in others:
                await c.saw_presence(from_(f"{room}/{nick}"))
        bob.send_raw(f"<message to='{room}/carol' type='chat'><body>psst</body></message>")
        m = await message(carol, lambda m: m["body"] == "psst")
        assert m["from"].full == f"{room}/bob"
        assert m.xml.find(q(MUC_USER, "x")) is not None  # §7.5: marked as a MUC PM
        # Everyone sees groupchat; only carol got the private message.
        carol.send_raw(f"<message to='{room}' type='groupchat'><body>all hear</body></message>")
        for c in (alice, bob, carol):
            m = await message(c, lambda m: m["body"] in ("all hear", "psst"))
            assert m["body"] == "all hear"
        # §7.5: a private message to a nickname not in the room.
        bob.send_raw(f"<message to='{room}/nobody' type='chat' id='pm2'><body>?</body></message>")
        err = await message(bob, lambda m: m["type"] == "error")
        assert error_of(err) == ("cancel", "item-not-found")
        # §7.5: type groupchat to an occupant JID is refused.
        bob.send_raw(f"<message to='{room}/carol' type='groupchat'><body>x</body></message>")
        err = await message(bob, lambda m: m["type"] == "error")
        assert error_of(err) == ("modify", "bad-request")
        for c in (alice, bob, carol):
            await c.close()
    run(scenario())


def test_xep0045_7_2_8_nickname_conflict(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "names", "witch")
        err = await join(bob, room, "witch", expect_error=True)
        assert error_of(err) == ("cancel", "conflict")  # 409 in the legacy codes
        await join(bob, room, "bob")
        # §7.6: changing to a nickname in use is a conflict too.
        bob.send_raw(f"<presence to='{room}/witch'/>")
        p = await bob.next_presence(lambda p: p["type"] == "error")
        assert error_of(p) == ("cancel", "conflict")
        # §7.6: a free one works: 303 with the new nick, then the new presence.
        bob.send_raw(f"<presence to='{room}/robert'/>")
        gone = await alice.next_presence(lambda p: p["from"].full == f"{room}/bob" and p["type"] == "unavailable")
        assert 303 in status_codes(gone)
        assert muc_item(gone).get("nick") == "robert"
        await alice.next_presence(from_(f"{room}/robert"))
        await alice.close()
        await bob.close()
    run(scenario())


# --- §8.2 kick, §9.1 ban --------------------------------------------------------------

def test_xep0045_8_2_kick_307_and_9_1_ban_301(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        carol = await login(server, "carol")
        room = await create_room(alice, "court", "alice")
        await join(bob, room, "bob")
        await join(carol, room, "carol")
        # §8.2: kick bob (role none).
        r = await admin_set(alice, room, {"nick": "bob", "role": "none"}, "Avaunt")
        assert r["type"] == "result"
        p = await bob.next_presence(lambda p: p["from"].full == f"{room}/bob" and p["type"] == "unavailable")
        assert status_codes(p) == {110, 307}
        assert muc_item(p).findtext(q(MUC_USER, "reason")) == "Avaunt"
        p = await carol.next_presence(lambda p: p["from"].full == f"{room}/bob" and p["type"] == "unavailable")
        assert 307 in status_codes(p) and 110 not in status_codes(p)
        # A kicked user may come back.
        await join(bob, room, "bob")
        # §9.1: ban carol (affiliation outcast).
        r = await admin_set(alice, room, {"jid": f"carol@{HOST}", "affiliation": "outcast"}, "Treason")
        assert r["type"] == "result"
        p = await carol.next_presence(lambda p: p["from"].full == f"{room}/carol" and p["type"] == "unavailable")
        assert status_codes(p) == {110, 301}
        assert muc_item(p).get("affiliation") == "outcast"
        p = await bob.next_presence(lambda p: p["from"].full == f"{room}/carol" and p["type"] == "unavailable")
        assert 301 in status_codes(p)
        # §7.2.7: a banned user cannot enter.
        err = await join(carol, room, "carol", expect_error=True)
        assert error_of(err) == ("auth", "forbidden")
        # §8.2: a participant may not kick.
        r = await admin_set(bob, room, {"nick": "alice", "role": "none"})
        assert error_of(r)[1] in ("forbidden", "not-allowed")
        # §9.2: the ban list shows carol.
        r = await iq(alice, room, "get", f"<query xmlns='{MUC_ADMIN}'><item affiliation='outcast'/></query>")
        assert [i.get("jid") for i in r.xml.iter(q(MUC_ADMIN, "item"))] == [f"carol@{HOST}"]
        for c in (alice, bob, carol):
            await c.close()
    run(scenario())


# --- §7.2.6 members-only, §7.2.5 password -----------------------------------------

def test_xep0045_7_2_6_members_only_room(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "club", "alice", {"muc#roomconfig_membersonly": "1"})
        err = await join(bob, room, "bob", expect_error=True)
        assert error_of(err) == ("auth", "registration-required")
        r = await admin_set(alice, room, {"jid": f"bob@{HOST}", "affiliation": "member"})
        assert r["type"] == "result"
        p = await join(bob, room, "bob")
        assert muc_item(p).get("affiliation") == "member"
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0045_7_2_5_password_protected_room(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "vault", "alice", {
            "muc#roomconfig_passwordprotectedroom": "1",
            "muc#roomconfig_roomsecret": "cauldronburn"})
        err = await join(bob, room, "bob", expect_error=True)
        assert error_of(err) == ("auth", "not-authorized")
        err = await join(bob, room, "bob", password="wrong", expect_error=True)
        assert error_of(err) == ("auth", "not-authorized")
        await join(bob, room, "bob", password="cauldronburn")
        await alice.close()
        await bob.close()
    run(scenario())


# --- §10.1.3 persistent rooms --------------------------------------------------------

def test_xep0045_10_1_3_persistent_room_survives_restart(server):
    room = f"keep@{SERVICE}"

    async def before():
        alice = await login(server, "alice")
        await create_room(alice, "keep", "alice", {
            "muc#roomconfig_persistentroom": "1",
            "muc#roomconfig_roomname": "Kept",
            "muc#roomconfig_membersonly": "1"})
        r = await admin_set(alice, room, {"jid": f"bob@{HOST}", "affiliation": "member"})
        assert r["type"] == "result"
        alice.send_raw(f"<message to='{room}' type='groupchat'><subject>Still here</subject></message>")
        await message(alice, lambda m: m["subject"] == "Still here")
        alice.send_raw(f"<presence to='{room}/alice' type='unavailable'/>")
        await alice.next_presence(lambda p: p["from"].full == f"{room}/alice" and p["type"] == "unavailable")
        # A temporary room would be gone now; this one stays (§10.1.3).
        info = await iq(alice, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert info["type"] == "result"
        await alice.close()
    run(before())
    assert server.stop() == 0
    server.start()

    async def after():
        alice = await login(server, "alice", new=False)
        bob = await login(server, "bob")
        info = await iq(bob, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert info["type"] == "result", info
        features = {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}
        assert {"muc_persistent", "muc_membersonly"} <= features
        assert [i.get("name") for i in info.xml.iter(q(DISCO_INFO, "identity"))] == ["Kept"]
        # The member list survived: bob may enter the members-only room.
        p = await join(bob, room, "bob")
        assert muc_item(p).get("affiliation") == "member"
        subject = await message(bob, lambda m: m["subject"])
        assert subject["subject"] == "Still here"
        # And alice is still its owner.
        p = await join(alice, room, "alice")
        assert 201 not in status_codes(p)
        assert muc_item(p).get("affiliation") == "owner"
        await alice.close()
        await bob.close()
    run(after())


def test_xep0045_7_14_temporary_room_destroyed_when_empty(server):
    async def scenario():
        alice = await login(server, "alice")
        room = await create_room(alice, "brief", "alice")
        alice.send_raw(f"<presence to='{room}/alice' type='unavailable'/>")
        p = await alice.next_presence(lambda p: p["from"].full == f"{room}/alice" and p["type"] == "unavailable")
        assert 110 in status_codes(p)
        info = await iq(alice, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert error_of(info) == ("cancel", "item-not-found")
        await alice.close()
    run(scenario())


def test_xep0045_10_9_destroy_with_alternate_venue(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "doomed", "alice", {"muc#roomconfig_persistentroom": "1"})
        await join(bob, room, "bob")
        r = await iq(alice, room, "set", f"<query xmlns='{MUC_OWNER}'><destroy jid='new@{SERVICE}'>"
                     "<reason>Moving</reason></destroy></query>")
        assert r["type"] == "result"
        p = await bob.next_presence(lambda p: p["from"].full == f"{room}/bob" and p["type"] == "unavailable")
        d = p.xml.find(q(MUC_USER, "x")).find(q(MUC_USER, "destroy"))
        assert d.get("jid") == f"new@{SERVICE}"
        assert d.findtext(q(MUC_USER, "reason")) == "Moving"
        info = await iq(bob, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert error_of(info) == ("cancel", "item-not-found")
        await alice.close()
        await bob.close()
    run(scenario())


# --- §7.8.2 mediated invitations -------------------------------------------------------

def test_xep0045_7_8_2_mediated_invitation_and_decline(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "party", "alice", {
            "muc#roomconfig_membersonly": "1",
            "muc#roomconfig_passwordprotectedroom": "1",
            "muc#roomconfig_roomsecret": "cauldronburn"})
        alice.send_raw(f"<message to='{room}'><x xmlns='{MUC_USER}'><invite to='bob@{HOST}'>"
                       "<reason>Come along</reason></invite></x></message>")
        m = await message(bob, lambda m: m.xml.find(q(MUC_USER, "x")) is not None)
        assert m["from"].full == room
        x = m.xml.find(q(MUC_USER, "x"))
        invite = x.find(q(MUC_USER, "invite"))
        assert invite.get("from") == str(alice.boundjid)
        assert invite.findtext(q(MUC_USER, "reason")) == "Come along"
        assert x.findtext(q(MUC_USER, "password")) == "cauldronburn"
        # The invitee of a members-only room was made a member.
        p = await join(bob, room, "bob", password="cauldronburn")
        assert muc_item(p).get("affiliation") == "member"
        # A decline reaches the inviter from the room, naming the invitee.
        carol = await login(server, "carol")
        carol.send_raw(f"<message to='{room}'><x xmlns='{MUC_USER}'><decline to='alice@{HOST}'>"
                       "<reason>Busy</reason></decline></x></message>")
        m = await message(alice, lambda m: m.xml.find(q(MUC_USER, "x")) is not None and
                          m.xml.find(q(MUC_USER, "x")).find(q(MUC_USER, "decline")) is not None)
        decline = m.xml.find(q(MUC_USER, "x")).find(q(MUC_USER, "decline"))
        assert m["from"].full == room
        assert decline.get("from") == f"carol@{HOST}"
        assert decline.findtext(q(MUC_USER, "reason")) == "Busy"
        # Only occupants may invite.
        carol.send_raw(f"<message to='{room}'><x xmlns='{MUC_USER}'><invite to='dave@{HOST}'/></x></message>")
        err = await message(carol, lambda m: m["type"] == "error")
        assert error_of(err) == ("modify", "not-acceptable")
        for c in (alice, bob, carol):
            await c.close()
    run(scenario())


# --- XEP-0410 self-ping, iqs to occupants ------------------------------------------------

def test_xep0410_3_self_ping(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "ping", "alice")
        r = await iq(alice, f"{room}/alice", "get", f"<ping xmlns='{PING}'/>")
        assert r["type"] == "result"  # §3.3: answered by the service
        assert r["from"].full == f"{room}/alice"
        r = await iq(bob, f"{room}/bob", "get", f"<ping xmlns='{PING}'/>")
        assert error_of(r) == ("modify", "not-acceptable")  # §3.2: not joined
        info = await iq(alice, room, "get", f"<query xmlns='{DISCO_INFO}'/>")
        features = {f.get("var") for f in info.xml.iter(q(DISCO_INFO, "feature"))}
        assert "http://jabber.org/protocol/muc#self-ping-optimization" in features
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0045_iq_to_occupant_forwarded_and_answered(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "iqs", "alice")
        await join(bob, room, "bob")
        # bob asks alice's client (through her occupant JID); slixmpp answers
        # disco#info itself; the answer comes back from the occupant JID.
        r = await iq(bob, f"{room}/alice", "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert r["type"] == "result", r
        assert r["from"].full == f"{room}/alice"
        assert r.xml.find(q(DISCO_INFO, "query")) is not None
        r = await iq(bob, f"{room}/nobody", "get", f"<query xmlns='{DISCO_INFO}'/>")
        assert error_of(r) == ("cancel", "item-not-found")
        await alice.close()
        await bob.close()
    run(scenario())


def test_xep0045_7_14_disconnect_removes_occupant(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "leave", "alice")
        await join(bob, room, "bob")
        await bob.close()  # RFC 6121 §4.6.3: the server tells the room
        p = await alice.next_presence(lambda p: p["from"].full == f"{room}/bob" and p["type"] == "unavailable")
        assert muc_item(p).get("role") == "none"
        await alice.close()
    run(scenario())


def test_xep0045_8_6_voice_request_in_moderated_room(server):
    async def scenario():
        alice = await login(server, "alice")
        bob = await login(server, "bob")
        room = await create_room(alice, "stage", "alice", {"muc#roomconfig_moderatedroom": "1"})
        p = await join(bob, room, "bob")
        assert muc_item(p).get("role") == "visitor"  # §5.1.2 in a moderated room
        bob.send_raw(f"<message to='{room}' type='groupchat'><body>hello?</body></message>")
        err = await message(bob, lambda m: m["type"] == "error")
        assert error_of(err) == ("auth", "forbidden")  # §7.4: a visitor has no voice
        bob.send_raw(f"<message to='{room}'><x xmlns='{DATA}' type='submit'>"
                     f"<field var='FORM_TYPE'><value>{MUC}#request</value></field>"
                     "<field var='muc#role'><value>participant</value></field></x></message>")
        m = await message(alice, lambda m: m.xml.find(q(DATA, "x")) is not None)
        fields = {f.get("var"): f.findtext(q(DATA, "value")) for f in m.xml.iter(q(DATA, "field"))}
        assert fields["muc#roomnick"] == "bob"
        assert fields["FORM_TYPE"] == f"{MUC}#request"
        alice.send_raw(f"<message to='{room}'><x xmlns='{DATA}' type='submit'>"
                       f"<field var='FORM_TYPE'><value>{MUC}#request</value></field>"
                       "<field var='muc#role'><value>participant</value></field>"
                       "<field var='muc#roomnick'><value>bob</value></field>"
                       "<field var='muc#request_allow'><value>true</value></field></x></message>")
        p = await bob.next_presence(lambda p: p["from"].full == f"{room}/bob" and
                                    muc_item(p) is not None and muc_item(p).get("role") == "participant")
        assert 110 in status_codes(p)
        await alice.close()
        await bob.close()
    run(scenario())


# --- service limits ([modules.muc]) ------------------------------------------------------

def test_muc_limits_message_rate_occupants_and_rooms_per_user(tmp_path):
    async def scenario(srv):
        alice = await login(srv, "alice")
        bob = await login(srv, "bob")
        room = await create_room(alice, "small", "alice", {"muc#roomconfig_maxusers": "1"})
        # §7.2.9: the room is full (maxusers 1).
        err = await join(bob, room, "bob", expect_error=True)
        assert error_of(err) == ("wait", "service-unavailable")
        # One room per user: the second creation is refused (§10.1.1).
        err = await join(alice, f"second@{SERVICE}", "alice", expect_error=True)
        assert error_of(err) == ("cancel", "not-allowed")
        # 4 a minute allows a burst of one, then policy-violation (wait).
        alice.send_raw(f"<message to='{room}' type='groupchat'><body>one</body></message>")
        m = await message(alice, lambda m: m["type"] in ("groupchat", "error") and m["body"])
        assert m["type"] == "groupchat"
        alice.send_raw(f"<message to='{room}' type='groupchat'><body>two</body></message>")
        err = await message(alice, lambda m: m["type"] == "error")
        assert error_of(err) == ("wait", "policy-violation")
        await alice.close()
        await bob.close()
    with_muc_config(tmp_path, "messages_per_minute = 4\nmax_rooms_per_user = 1\n", scenario)


def test_xep0045_7_2_1_join_without_nickname_is_jid_malformed(server):
    async def scenario():
        alice = await login(server, "alice")
        alice.send_raw(f"<presence to='nonick@{SERVICE}'><x xmlns='{MUC}'/></presence>")
        p = await alice.next_presence(lambda p: p["type"] == "error")
        assert error_of(p) == ("modify", "jid-malformed")
        await alice.close()
    run(scenario())
