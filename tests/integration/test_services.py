"""The server's own services with real clients (slixmpp plugins) and, where a
library will not send the stanza, a hand-driven stream: XEP-0030 disco,
XEP-0115 caps, XEP-0199 ping, XEP-0092 version, XEP-0202 time, XEP-0054
vcard-temp, XEP-0049 private storage, XEP-0012 last activity, and the stanza
errors of RFC 6120 §8 / §10 and RFC 6121 §8."""
import asyncio
import base64
import datetime
import hashlib
import re
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError

from clients import Client, XmppStream, run, TIMEOUT, NS_CLIENT, q, stanza_error
from conftest import HOST, PARLEYD, Server, running
from test_im import befriend

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
CAPS = "http://jabber.org/protocol/caps"
DATA_FORMS = "jabber:x:data"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


async def login(server, jid, *plugins, **kwargs):
    c = Client(jid, **kwargs)
    for p in plugins:
        c.register_plugin(p)
    return await c.login(server.c2s_port)


async def iq_error(awaitable):
    """(type, condition) of the error an iq is answered with; fails on a result."""
    try:
        result = await awaitable
    except IqError as e:
        return e.iq["error"]["type"], e.iq["error"]["condition"]
    raise AssertionError(f"expected an error, got {result}")


def raw_iq(client, type, to, *payloads):
    """An slixmpp Iq carrying exactly the given XML payloads."""
    iq = client.make_iq(ito=to, itype=type)
    for p in payloads:
        iq.append(ET.fromstring(p))
    return iq


# --- XEP-0030 / XEP-0115 --------------------------------------------------------

def test_xep0030_3_1_server_disco_info_identity_and_features(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a)
        info = (await alice.plugin["xep_0030"].get_info(jid=HOST, timeout=TIMEOUT))["disco_info"]
        identities = {(cat, typ) for cat, typ, _lang, _name in info["identities"]}
        assert identities == {("server", "im")}
        features = set(info["features"])
        for f in ["urn:xmpp:ping", "jabber:iq:version", "urn:xmpp:time", "jabber:iq:last",
                  "vcard-temp", "urn:xmpp:blocking", "msgoffline", DISCO_INFO, DISCO_ITEMS]:
            assert f in features, f
        # XEP-0030 §4.1: the items query is answered too.
        items = await alice.plugin["xep_0030"].get_items(jid=HOST, timeout=TIMEOUT)
        assert items["type"] == "result"
        await alice.close()

    run(scenario())


def caps_ver(query):
    """XEP-0115 §5.1: the verification string of a disco#info <query/>."""
    identities = sorted(
        (i.get("category", ""), i.get("type", ""), i.get(XML_LANG, ""), i.get("name", ""))
        for i in query.findall(q(DISCO_INFO, "identity")))
    s = "".join("/".join(i) + "<" for i in identities)
    s += "".join(f + "<" for f in sorted(f.get("var") for f in query.findall(q(DISCO_INFO, "feature"))))
    forms = []
    for x in query.findall(q(DATA_FORMS, "x")):
        fields = {}
        form_type = None
        for field in x.findall(q(DATA_FORMS, "field")):
            values = [v.text or "" for v in field.findall(q(DATA_FORMS, "value"))]
            if field.get("var") == "FORM_TYPE":
                form_type = values[0]
            else:
                fields[field.get("var")] = sorted(values)
        forms.append((form_type, fields))
    for form_type, fields in sorted(forms, key=lambda f: f[0]):
        s += form_type + "<"
        for var in sorted(fields):
            s += var + "<" + "".join(v + "<" for v in fields[var])
    return base64.b64encode(hashlib.sha1(s.encode("utf-8")).digest()).decode()


def test_xep0115_6_3_caps_ver_matches_disco_info_of_node_ver(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.login("alice", resource="caps")
    caps = [c for f in s.all_features for c in f.findall(q(CAPS, "c"))]
    assert len(caps) == 1, "the server's <c/> in its stream features (XEP-0115 §6.3)"
    c = caps[0]
    assert c.get("hash") == "sha-1"
    node, ver = c.get("node"), c.get("ver")
    assert node and ver
    reply = s.request(f"<query xmlns='{DISCO_INFO}' node='{node}#{ver}'/>", to=HOST)
    assert reply.get("type") == "result", ET.tostring(reply)
    query = reply.find(q(DISCO_INFO, "query"))
    assert query.get("node") == f"{node}#{ver}"  # XEP-0115 §6.2, XEP-0030 §3.2
    # XEP-0115 §5.4 3.3-3.4: no duplicate identities or features.
    features = [f.get("var") for f in query.findall(q(DISCO_INFO, "feature"))]
    assert len(features) == len(set(features))
    assert CAPS in features  # §7: an entity that generates caps says so
    assert caps_ver(query) == ver
    # The plain disco#info of the server says the same.
    plain = s.request(f"<query xmlns='{DISCO_INFO}'/>", to=HOST).find(q(DISCO_INFO, "query"))
    assert caps_ver(plain) == ver
    # Another node of the server is unknown.
    other = s.request(f"<query xmlns='{DISCO_INFO}' node='{node}#not-the-ver'/>", to=HOST)
    assert stanza_error(other) == ("cancel", "item-not-found")
    s.close()


def test_xep0157_contact_addresses_in_server_disco_info(tmp_path):
    srv = Server(tmp_path, extra_config="""
[modules.disco]
abuse_addresses = "mailto:abuse@example.org, xmpp:abuse@localhost"
support_addresses = "https://example.org/support"
""")
    with running(srv):
        srv.add_user("alice")
        s = XmppStream(srv.c2s_port)
        s.login("alice", resource="r")
        query = s.request(f"<query xmlns='{DISCO_INFO}'/>", to=HOST).find(q(DISCO_INFO, "query"))
        forms = query.findall(q(DATA_FORMS, "x"))
        assert len(forms) == 1 and forms[0].get("type") == "result"
        fields = {f.get("var"): [v.text for v in f.findall(q(DATA_FORMS, "value"))]
                  for f in forms[0].findall(q(DATA_FORMS, "field"))}
        assert fields["FORM_TYPE"] == ["http://jabber.org/network/serverinfo"]  # XEP-0157 §2
        assert fields["abuse-addresses"] == ["mailto:abuse@example.org", "xmpp:abuse@localhost"]
        assert fields["support-addresses"] == ["https://example.org/support"]
        # XEP-0115 §5.1: the form is part of the advertised caps hash.
        c = [c for f in s.all_features for c in f.findall(q(CAPS, "c"))][0]
        assert caps_ver(query) == c.get("ver")
        s.close()


# --- XEP-0199, XEP-0092, XEP-0202 ----------------------------------------------

def test_xep0199_4_2_ping_the_server(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a)
        pong = await alice.plugin["xep_0199"].send_ping(HOST, timeout=TIMEOUT)
        assert pong["type"] == "result"
        assert pong["from"].full == HOST
        assert len(pong.xml) == 0  # §4.2: an empty result
        await alice.close()

    run(scenario())


def test_xep0092_2_server_version_is_parley(server):
    a = server.add_user("alice")
    expected = subprocess.run([str(PARLEYD), "--version"], capture_output=True, text=True,
                              check=True).stdout.split()[1]

    async def scenario():
        alice = await login(server, a, "xep_0092")
        reply = await alice.plugin["xep_0092"].get_version(HOST, timeout=TIMEOUT)
        v = reply["software_version"]
        assert v["name"] == "Parley"
        assert v["version"] == expected
        assert v["os"] in ("", None)  # §5: not disclosed unless the admin enables it
        await alice.close()

    run(scenario())


def test_xep0202_2_server_time_has_utc_and_tzo(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a, "xep_0202")
        reply = await alice.plugin["xep_0202"].get_entity_time(HOST, timeout=TIMEOUT)
        t = reply.xml.find(q("urn:xmpp:time", "time"))
        utc = t.find(q("urn:xmpp:time", "utc")).text
        tzo = t.find(q("urn:xmpp:time", "tzo")).text
        # XEP-0082 §3.2 DateTime in UTC ("Z"), §2.1 TZD.
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", utc), utc
        assert re.fullmatch(r"(Z|[+-]\d\d:\d\d)", tzo), tzo
        when = datetime.datetime.fromisoformat(utc.replace("Z", "+00:00"))
        now = datetime.datetime.now(datetime.timezone.utc)
        assert abs((now - when).total_seconds()) < 30
        offset = time.localtime().tm_gmtoff
        sign = "-" if offset < 0 else "+"
        assert tzo in (f"{sign}{abs(offset) // 3600:02}:{abs(offset) % 3600 // 60:02}", "Z")
        await alice.close()

    run(scenario())


# --- XEP-0054 vcard-temp -----------------------------------------------------

def test_xep0054_3_vcard_set_get_and_read_by_another_user(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await login(server, a, "xep_0054")
        bob = await login(server, b, "xep_0054")
        vcards = alice.plugin["xep_0054"]
        # §3.1: nothing stored yet: an empty vCard for the owner.
        mine = await vcards.get_vcard(jid=a, local=False, timeout=TIMEOUT)
        assert len(mine.xml.find(q("vcard-temp", "vCard"))) == 0
        # §3.3: bob asks for alice's, which does not exist yet.
        cond = await iq_error(bob.plugin["xep_0054"].get_vcard(jid=a, local=False, timeout=TIMEOUT))
        assert cond[1] in ("item-not-found", "service-unavailable")
        # §3.2: alice publishes hers.
        card = vcards.make_vcard()
        card["FN"] = "Alice Liddell"
        card["NICKNAME"] = "alice"
        await vcards.publish_vcard(card, timeout=TIMEOUT)
        # §3.1 again: she gets it back, asking with no 'to' (her own account)...
        got = await raw_iq(alice, "get", None, "<vCard xmlns='vcard-temp'/>").send(timeout=TIMEOUT)
        assert got["vcard_temp"]["FN"] == "Alice Liddell"
        assert got["vcard_temp"]["NICKNAME"] == ["alice"]
        # ... and with her bare JID.
        got = await vcards.get_vcard(jid=a, local=False, timeout=TIMEOUT)
        assert got["vcard_temp"]["FN"] == "Alice Liddell"
        # §3.3: bob reads it.
        theirs = await bob.plugin["xep_0054"].get_vcard(jid=a, local=False, timeout=TIMEOUT)
        assert theirs["from"].full == a
        assert theirs["vcard_temp"]["FN"] == "Alice Liddell"
        # Nobody but the owner may change it.
        fake = bob.plugin["xep_0054"].make_vcard()
        fake["FN"] = "Mallory"
        cond = await iq_error(raw_iq(bob, "set", a, str(fake)).send(timeout=TIMEOUT))
        assert cond == ("auth", "forbidden")
        got = await vcards.get_vcard(jid=a, local=False, timeout=TIMEOUT)
        assert got["vcard_temp"]["FN"] == "Alice Liddell"
        await alice.close()
        await bob.close()

    run(scenario())


# --- XEP-0049 private XML storage -------------------------------------------------

PREFS = "urn:example:parley:prefs"


def test_xep0049_2_private_storage_set_get_and_forbidden_for_others(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await login(server, a)
        bob = await login(server, b)
        stored = f"<query xmlns='jabber:iq:private'><prefs xmlns='{PREFS}'><color>blue</color></prefs></query>"
        result = await raw_iq(alice, "set", None, stored).send(timeout=TIMEOUT)
        assert result["type"] == "result"
        got = await raw_iq(alice, "get", None,
                           f"<query xmlns='jabber:iq:private'><prefs xmlns='{PREFS}'/></query>"
                           ).send(timeout=TIMEOUT)
        prefs = got.xml.find(f"{q('jabber:iq:private', 'query')}/{q(PREFS, 'prefs')}")
        assert prefs is not None
        assert prefs.find(q(PREFS, "color")).text == "blue"
        # §2.3 / §3: another user's private data is neither readable nor writable.
        cond = await iq_error(raw_iq(
            bob, "get", a, f"<query xmlns='jabber:iq:private'><prefs xmlns='{PREFS}'/></query>"
        ).send(timeout=TIMEOUT))
        assert cond == ("auth", "forbidden")
        cond = await iq_error(raw_iq(bob, "set", a, stored.replace("blue", "red")).send(timeout=TIMEOUT))
        assert cond == ("auth", "forbidden")
        # bob's own storage is separate: nothing stored there, an empty element back.
        own = await raw_iq(bob, "get", None,
                           f"<query xmlns='jabber:iq:private'><prefs xmlns='{PREFS}'/></query>"
                           ).send(timeout=TIMEOUT)
        empty = own.xml.find(f"{q('jabber:iq:private', 'query')}/{q(PREFS, 'prefs')}")
        assert empty is not None and len(empty) == 0
        # alice's data is unchanged.
        again = await raw_iq(alice, "get", None,
                             f"<query xmlns='jabber:iq:private'><prefs xmlns='{PREFS}'/></query>"
                             ).send(timeout=TIMEOUT)
        assert again.xml.find(f".//{q(PREFS, 'color')}").text == "blue"
        await alice.close()
        await bob.close()

    run(scenario())


# --- XEP-0012 last activity ------------------------------------------------------

def test_xep0012_5_last_activity_of_the_server_is_its_uptime(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a, "xep_0012")
        reply = await alice.plugin["xep_0012"].get_last_activity(HOST, timeout=TIMEOUT)
        seconds = int(reply.xml.find(q("jabber:iq:last", "query")).get("seconds"))
        assert 0 <= seconds <= time.time() - server.started_at + 1
        await alice.close()

    run(scenario())


def test_xep0012_3_last_activity_of_a_logged_out_contact(server):
    a = server.add_user("alice")
    b = server.add_user("bob")
    c = server.add_user("carol")

    async def last_of(client, jid):
        reply = await client.plugin["xep_0012"].get_last_activity(jid, timeout=TIMEOUT)
        query = reply.xml.find(q("jabber:iq:last", "query"))
        return int(query.get("seconds")), query.text or ""

    async def scenario():
        alice = await login(server, a, "xep_0012")
        bob = await login(server, b)
        carol = await login(server, c, "xep_0012")
        await befriend(alice, bob, a, b)
        # §3: online now: 0.
        assert await last_of(alice, b) == (0, "")
        # §8: someone without a subscription learns nothing.
        assert await iq_error(carol.plugin["xep_0012"].get_last_activity(b, timeout=TIMEOUT)) \
            == ("auth", "forbidden")
        bob.send_presence(ptype="unavailable", pstatus="gone fishing")
        await bob.close()
        await alice.next_presence(lambda p: p["from"].bare == b and p["type"] == "unavailable")
        # Wait for the server to finish with bob's session (the logout time is
        # stored when it closes); until then the answer is an error.
        answers = []

        async def answered():
            try:
                answers.append(await last_of(alice, b))
                return True
            except IqError:
                return False

        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while not await answered():
            assert asyncio.get_running_loop().time() < deadline, "no last activity for bob"
            await asyncio.sleep(0.05)
        seconds, status = answers[-1]
        assert 0 <= seconds <= 3
        assert status == "gone fishing"
        await alice.close()
        await carol.close()

    run(scenario())


# --- Stanza errors --------------------------------------------------------------

def test_rfc6120_8_4_iq_with_unknown_namespace_to_server_is_service_unavailable(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a)
        for type in ("get", "set"):
            cond = await iq_error(raw_iq(alice, type, HOST,
                                         "<query xmlns='urn:example:parley:nothing-here'/>"
                                         ).send(timeout=TIMEOUT))
            assert cond == ("cancel", "service-unavailable"), type
        await alice.close()

    run(scenario())


def test_rfc6120_8_2_3_iq_get_with_two_children_is_bad_request(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a)
        iq = raw_iq(alice, "get", HOST, "<ping xmlns='urn:xmpp:ping'/>",
                    "<query xmlns='jabber:iq:version'/>")
        assert await iq_error(iq.send(timeout=TIMEOUT)) == ("modify", "bad-request")
        iq = raw_iq(alice, "get", HOST)  # no child at all
        assert await iq_error(iq.send(timeout=TIMEOUT)) == ("modify", "bad-request")
        await alice.close()

    run(scenario())


@pytest.mark.parametrize("to", [f"ghost@{HOST}", f"ghost@{HOST}/phone"])
def test_rfc6121_8_5_1_iq_to_nonexistent_local_user_is_service_unavailable(server, to):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a, "xep_0092")
        cond = await iq_error(alice.plugin["xep_0092"].get_version(to, timeout=TIMEOUT))
        assert cond == ("cancel", "service-unavailable")
        await alice.close()

    run(scenario())


def test_rfc6120_10_4_3_message_to_remote_domain_is_remote_server_not_found(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await login(server, a)
        alice.send_message(mto="bob@elsewhere.example", mbody="hello over there", mtype="chat")
        err = await alice.next_message()
        assert err["type"] == "error"
        assert err["from"].full == "bob@elsewhere.example"
        assert err["error"]["condition"] == "remote-server-not-found"
        assert err["error"]["type"] == "cancel"
        # An iq likewise (RFC 6120 §8.3.3.15).
        cond = await iq_error(raw_iq(alice, "get", "elsewhere.example",
                                     "<ping xmlns='urn:xmpp:ping'/>").send(timeout=TIMEOUT))
        assert cond == ("cancel", "remote-server-not-found")
        await alice.close()

    run(scenario())


@pytest.mark.parametrize("bad", ["a@b@c", f"@{HOST}", f"alice@{HOST}/", "bad domain.example",
                                 "x" * 1024 + f"@{HOST}"])
def test_rfc6120_8_3_3_8_invalid_to_is_jid_malformed(server, bad):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.login("alice", resource="raw")
    reply = s.request("<ping xmlns='urn:xmpp:ping'/>", to=bad)
    assert reply.get("type") == "error"
    assert stanza_error(reply) == ("modify", "jid-malformed")
    s.send(f"<message to='{bad}' id='m1' type='chat'><body>hi</body></message>")
    reply = s.wait_for(lambda el: el.tag == q(NS_CLIENT, "message"))
    assert reply.get("id") == "m1" and reply.get("type") == "error"
    assert stanza_error(reply) == ("modify", "jid-malformed")
    s.send(f"<presence to='{bad}' id='p1'/>")  # directed presence
    reply = s.wait_for(lambda el: el.tag == q(NS_CLIENT, "presence") and el.get("id") == "p1")
    assert reply.get("type") == "error"
    assert stanza_error(reply) == ("modify", "jid-malformed")
    # The stream stays up.
    assert s.request("<ping xmlns='urn:xmpp:ping'/>", to=HOST).get("type") == "result"
    s.close()
