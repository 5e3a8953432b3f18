"""XEP-0163 Personal Eventing Protocol over XEP-0060 with slixmpp: OMEMO
device lists and bundles (XEP-0384) with publish-options, filtered
notifications by entity caps (XEP-0115), item retrieval, retraction, access
models, the last item on becoming available, XEP-0223 private nodes and
XEP-0402 bookmarks with their XEP-0048/0049 compatibility (XEP-0402 §5)."""
import asyncio
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError
from slixmpp.plugins.xep_0004 import Form

from clients import Client, run, until, subscription, TIMEOUT

PUBSUB = "http://jabber.org/protocol/pubsub"
PUBSUB_ERRORS = "http://jabber.org/protocol/pubsub#errors"
PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"
AXOLOTL_DEVICES = "eu.siacs.conversations.axolotl.devicelist"
AXOLOTL = "eu.siacs.conversations.axolotl"
OMEMO2 = "urn:xmpp:omemo:2"
OMEMO2_DEVICES = "urn:xmpp:omemo:2:devices"
OMEMO2_BUNDLES = "urn:xmpp:omemo:2:bundles"
TUNE = "http://jabber.org/protocol/tune"
BOOKMARKS = "urn:xmpp:bookmarks:1"


class PepClient(Client):
    """A client that says which PEP nodes it wants (+notify in its caps,
    XEP-0163 §4) before its initial presence, and queues the events it gets."""

    def __init__(self, jid, notify=(), **kw):
        super().__init__(jid, **kw)
        for plugin in ("xep_0004", "xep_0060", "xep_0115", "xep_0163", "xep_0048", "xep_0049",
                       "xep_0223"):
            self.register_plugin(plugin)
        self.notify = list(notify)
        self.events = asyncio.Queue()
        self.add_event_handler("pubsub_publish", lambda m: self.events.put_nowait(("publish", m)))
        self.add_event_handler("pubsub_retract", lambda m: self.events.put_nowait(("retract", m)))

    async def _on_start(self, event):
        for node in self.notify:
            self["xep_0030"].add_feature(node + "+notify")
        # slixmpp computes its caps 'ver' once, before its plugins finish
        # adding features; recomputing it here makes the <c/> of the initial
        # presence match what the client answers (XEP-0115 §5.4 checks that).
        await self["xep_0115"].update_caps(broadcast=False)
        await super()._on_start(event)

    async def next_event(self, timeout=TIMEOUT):
        return await asyncio.wait_for(self.events.get(), timeout)

    async def no_event(self, seconds=1.0):
        try:
            kind, m = await asyncio.wait_for(self.events.get(), seconds)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"unexpected {kind} event: {m}")

    async def publish(self, node, payload, id=None, options=None):
        form = None
        if options is not None:
            form = Form()
            form["type"] = "submit"
            form.add_field(var="FORM_TYPE", ftype="hidden", value=PUBLISH_OPTIONS)
            for var, value in options.items():
                form.add_field(var=var, value=value)
        return await self["xep_0060"].publish(self.boundjid.bare, node, id=id,
                                              payload=ET.fromstring(payload), options=form)

    async def items(self, owner, node, **kw):
        iq = await self["xep_0060"].get_items(owner, node, **kw)
        return [(item["id"], item["payload"]) for item in iq["pubsub"]["items"]]


async def refused(request):
    """The IqError an awaitable request ends with (failing when it succeeds)."""
    try:
        await request
    except IqError as e:
        return e
    raise AssertionError("the request was not refused")


def pubsub_condition(e):
    """The (stanza condition, pubsub#errors condition) of an IqError."""
    err = e.iq.xml.find("{jabber:client}error")
    app = [c.tag.split("}")[1] for c in err if c.tag.startswith("{" + PUBSUB_ERRORS + "}")]
    return e.iq["error"]["condition"], (app[0] if app else None)


async def befriend(a, b):
    """A mutual presence subscription ("both"), which slixmpp's defaults
    (auto_authorize, auto_subscribe) complete."""
    a.send_presence_subscription(pto=b.boundjid.bare)
    await until(lambda: subscription(a, b.boundjid.bare) == "both"
                and subscription(b, a.boundjid.bare) == "both")


def device_list(*ids, ns=AXOLOTL):
    return f"<list xmlns='{ns}'>" + "".join(f"<device id='{i}'/>" for i in ids) + "</list>"


def bundle(device, ns=AXOLOTL):
    return (f"<bundle xmlns='{ns}'><signedPreKeyPublic signedPreKeyId='1'>"
            f"BQ{device}</signedPreKeyPublic><identityKey>id{device}</identityKey></bundle>")


def test_xep0163_account_advertises_pep_identity_and_features(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        info = (await alice["xep_0030"].get_info(jid=a))["disco_info"]
        assert ("pubsub", "pep", None, None) in info["identities"]
        for feature in ("publish", "publish-options", "retrieve-items", "retract-items",
                        "access-open", "access-presence", "access-whitelist", "auto-create",
                        "filtered-notifications", "last-published", "persistent-items",
                        "config-node", "delete-nodes", "item-ids"):
            assert f"{PUBSUB}#{feature}" in info["features"], feature
        assert BOOKMARKS + "#compat" in info["features"]
        await alice.close()

    run(scenario())


def test_xep0384_two_clients_publish_and_fetch_each_others_device_lists_and_bundles(server):
    a, b, c = server.add_user("alice"), server.add_user("bob"), server.add_user("carol")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop").login(server.c2s_port)
        carol = await PepClient(c + "/tablet").login(server.c2s_port)
        open_ = {"pubsub#access_model": "open"}
        for client, device in ((alice, 1111), (bob, 2222)):
            # Legacy OMEMO (eu.siacs.conversations.axolotl): one list, one node per bundle.
            await client.publish(AXOLOTL_DEVICES, device_list(device), id="current",
                                 options=open_)
            await client.publish(f"{AXOLOTL}.bundles:{device}", bundle(device), id="current",
                                 options=open_)
            # OMEMO 2 (XEP-0384 §5.3): the bundles in one node, item id = device id.
            await client.publish(OMEMO2_DEVICES, device_list(device, ns=OMEMO2), id="current",
                                 options=open_)
            await client.publish(OMEMO2_BUNDLES, bundle(device, ns=OMEMO2), id=str(device),
                                 options={"pubsub#access_model": "open",
                                          "pubsub#max_items": "max"})

        # Each fetches the other's, without any subscription (access model open).
        items = await alice.items(b, AXOLOTL_DEVICES)
        assert [i for i, _ in items] == ["current"]
        assert items[0][1].find(f"{{{AXOLOTL}}}device").get("id") == "2222"
        items = await bob.items(a, f"{AXOLOTL}.bundles:1111")
        assert items[0][1].find(f"{{{AXOLOTL}}}identityKey").text == "id1111"
        items = await bob.items(a, OMEMO2_DEVICES)
        assert items[0][1].find(f"{{{OMEMO2}}}device").get("id") == "1111"
        iq = await alice["xep_0060"].get_item(b, OMEMO2_BUNDLES, "2222")
        assert iq["pubsub"]["items"]["item"]["payload"].find(
            f"{{{OMEMO2}}}identityKey").text == "id2222"
        # A stranger too: that is what "open" is for (XEP-0384 §5.3.2).
        items = await carol.items(a, OMEMO2_BUNDLES)
        assert [i for i, _ in items] == ["1111"]

        # A second device: the list is replaced (same item id), the bundle added.
        await alice.publish(OMEMO2_DEVICES, device_list(1111, 1112, ns=OMEMO2), id="current",
                            options=open_)
        await alice.publish(OMEMO2_BUNDLES, bundle(1112, ns=OMEMO2), id="1112",
                            options={"pubsub#access_model": "open", "pubsub#max_items": "max"})
        items = await bob.items(a, OMEMO2_DEVICES)
        assert len(items) == 1
        assert [d.get("id") for d in items[0][1]] == ["1111", "1112"]
        assert sorted(i for i, _ in await bob.items(a, OMEMO2_BUNDLES)) == ["1111", "1112"]
        for client in (alice, bob, carol):
            await client.close()

    run(scenario())


def test_xep0060_7_1_5_publish_options_conflicting_with_the_node_are_a_precondition_not_met(server):
    a, b = server.add_user("alice"), server.add_user("bob")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop").login(server.c2s_port)
        await alice.publish(AXOLOTL_DEVICES, device_list(1), id="current",
                            options={"pubsub#access_model": "open"})
        e = await refused(alice.publish(AXOLOTL_DEVICES, device_list(2), id="current",
                                        options={"pubsub#access_model": "presence"}))
        assert pubsub_condition(e) == ("conflict", "precondition-not-met")
        # Nothing was published: bob still reads device 1.
        items = await bob.items(a, AXOLOTL_DEVICES)
        assert items[0][1].find(f"{{{AXOLOTL}}}device").get("id") == "1"
        # The node's own owner can re-configure it (§8.2), then the same publish passes.
        form = Form()
        form["type"] = "submit"
        form.add_field(var="FORM_TYPE", ftype="hidden",
                       value="http://jabber.org/protocol/pubsub#node_config")
        form.add_field(var="pubsub#access_model", value="presence")
        await alice["xep_0060"].set_node_config(a, AXOLOTL_DEVICES, form)
        await alice.publish(AXOLOTL_DEVICES, device_list(2), id="current",
                            options={"pubsub#access_model": "presence"})
        # Only the owner publishes (XEP-0163 §3; XEP-0060 §7.1.3.1).
        e = await refused(bob["xep_0060"].publish(a, TUNE, payload=ET.fromstring(tune("x"))))
        assert pubsub_condition(e)[0] == "forbidden"
        await alice.close()
        await bob.close()

    run(scenario())


def tune(title):
    return f"<tune xmlns='{TUNE}'><title>{title}</title></tune>"


def test_xep0163_4_notifications_go_to_contacts_whose_caps_want_the_node(server):
    a, b, c = server.add_user("alice"), server.add_user("bob"), server.add_user("carol")

    async def scenario():
        alice = await PepClient(a + "/phone", notify=[TUNE]).login(server.c2s_port)
        bob = await PepClient(b + "/laptop", notify=[TUNE]).login(server.c2s_port)
        carol = await PepClient(c + "/tablet").login(server.c2s_port)  # no tune+notify
        await befriend(alice, bob)
        await befriend(alice, carol)
        await asyncio.sleep(1.0)  # caps queries (XEP-0115 §6.2) run after the presences

        await alice.publish(TUNE, tune("Yesterday"), id="t1")
        kind, m = await bob.next_event()
        assert kind == "publish"
        assert m["from"].full == a  # XEP-0163 §4.3.2: from the account's bare JID
        assert m["type"] == "headline"
        assert m["pubsub_event"]["items"]["node"] == TUNE
        item = m["pubsub_event"]["items"]["item"]
        assert item["id"] == "t1"
        assert item["payload"].find(f"{{{TUNE}}}title").text == "Yesterday"
        # The publisher's own resource wants tunes too.
        kind, m = await alice.next_event()
        assert m["pubsub_event"]["items"]["item"]["id"] == "t1"
        # carol's caps lack tune+notify: nothing for her.
        await carol.no_event()
        for client in (alice, bob, carol):
            await client.close()

    run(scenario())


def test_xep0060_6_5_items_with_max_items_and_item_ids_and_7_2_retract_with_notify(server):
    a, b = server.add_user("alice"), server.add_user("bob")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop", notify=[TUNE]).login(server.c2s_port)
        await befriend(alice, bob)
        await asyncio.sleep(1.0)
        for n in (1, 2, 3):
            await alice.publish(TUNE, tune(f"song {n}"), id=f"s{n}",
                                options={"pubsub#max_items": "10"})
            kind, m = await bob.next_event()
            assert m["pubsub_event"]["items"]["item"]["id"] == f"s{n}"
        # §6.5.7: the newest two.
        items = await bob.items(a, TUNE, max_items=2)
        assert sorted(i for i, _ in items) == ["s2", "s3"]
        assert len(await bob.items(a, TUNE)) == 3
        # §6.5.8: by id.
        iq = await bob["xep_0060"].get_item(a, TUNE, "s1")
        assert iq["pubsub"]["items"]["item"]["payload"].find(f"{{{TUNE}}}title").text == "song 1"
        # §7.2: retract with notify='true'; bob is told.
        await alice["xep_0060"].retract(a, TUNE, "s2", notify=True)
        kind, m = await bob.next_event()
        assert kind == "retract"
        assert m["pubsub_event"]["items"]["retract"]["id"] == "s2"
        assert sorted(i for i, _ in await bob.items(a, TUNE)) == ["s1", "s3"]
        # §7.2.3.5: no such item.
        e = await refused(alice["xep_0060"].retract(a, TUNE, "s2"))
        assert pubsub_condition(e)[0] == "item-not-found"
        await alice.close()
        await bob.close()

    run(scenario())


def test_xep0060_6_5_9_access_model_presence_refuses_a_stranger(server):
    a, b, d = server.add_user("alice"), server.add_user("bob"), server.add_user("dave")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop").login(server.c2s_port)
        dave = await PepClient(d + "/desk").login(server.c2s_port)
        await befriend(alice, bob)
        await alice.publish(TUNE, tune("private"), id="t")  # XEP-0163 default: presence
        assert [i for i, _ in await bob.items(a, TUNE)] == ["t"]
        e = await refused(dave.items(a, TUNE))
        assert e.iq["error"]["type"] == "auth"
        assert pubsub_condition(e) == ("not-authorized", "presence-subscription-required")
        e = await refused(dave.items(a, "no-such-node"))
        assert pubsub_condition(e)[0] == "item-not-found"
        for client in (alice, bob, dave):
            await client.close()

    run(scenario())


def test_xep0163_6_2_last_item_is_sent_when_a_contact_becomes_available(server):
    a, b = server.add_user("alice"), server.add_user("bob")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop").login(server.c2s_port)
        await befriend(alice, bob)
        await bob.close()
        await alice.publish(TUNE, tune("first"), id="1")
        await alice.publish(TUNE, tune("latest"), id="2")
        # bob comes back wanting tunes: he gets the last one.
        bob = await PepClient(b + "/laptop", notify=[TUNE]).login(server.c2s_port)
        kind, m = await bob.next_event()
        item = m["pubsub_event"]["items"]["item"]
        assert (item["id"], item["payload"].find(f"{{{TUNE}}}title").text) == ("2", "latest")
        await bob.no_event(0.5)  # only the last one
        # So does a new resource of alice's own.
        tablet = await PepClient(a + "/tablet", notify=[TUNE]).login(server.c2s_port)
        kind, m = await tablet.next_event()
        assert m["pubsub_event"]["items"]["item"]["id"] == "2"
        for client in (alice, bob, tablet):
            await client.close()

    run(scenario())


def test_xep0223_private_node_is_whitelisted_and_persistent(server):
    a, b = server.add_user("alice"), server.add_user("bob")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop").login(server.c2s_port)
        await befriend(alice, bob)
        node = "urn:example:secrets"
        # XEP-0223 §4: publish-options persist_items + access_model whitelist.
        await alice.publish(node, "<secret xmlns='urn:example:secrets'>42</secret>", id="current",
                            options={"pubsub#persist_items": "true",
                                     "pubsub#access_model": "whitelist"})
        e = await refused(bob.items(a, node))
        assert pubsub_condition(e) == ("not-allowed", "closed-node")
        await alice.close()
        # Persistent: another session, after the first is gone, reads it back.
        tablet = await PepClient(a + "/tablet").login(server.c2s_port)
        items = await tablet.items(a, node)
        assert items[0][1].text == "42"
        await tablet.close()
        await bob.close()

    run(scenario())


def conference(name, nick):
    return (f"<conference xmlns='{BOOKMARKS}' name='{name}' autojoin='true'>"
            f"<nick>{nick}</nick></conference>")


def test_xep0402_bookmarks_and_5_compatibility_with_private_storage(server):
    a = server.add_user("alice")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        # XEP-0402 §3: publish with the node configuration it requires.
        await alice.publish(BOOKMARKS, conference("Coven", "hag"), id="coven@chat.example",
                            options={"pubsub#persist_items": "true",
                                     "pubsub#max_items": "max",
                                     "pubsub#send_last_published_item": "never",
                                     "pubsub#access_model": "whitelist"})
        items = await alice.items(a, BOOKMARKS)
        assert [i for i, _ in items] == ["coven@chat.example"]
        # §5: a legacy client reading XEP-0048 bookmarks from XEP-0049 private storage sees it.
        legacy = await alice["xep_0048"].get_bookmarks(method="xep_0049")
        confs = legacy["private"]["bookmarks"]["conferences"]
        assert [(str(c["jid"]), c["name"], c["nick"], c["autojoin"]) for c in confs] == \
            [("coven@chat.example", "Coven", "hag", True)]
        # A legacy client stores a new list: the native node follows.
        bookmarks = legacy["private"]["bookmarks"]
        bookmarks.add_conference("tavern@chat.example", "toby", name="Tavern", autojoin=False)
        await alice["xep_0048"].set_bookmarks(bookmarks, method="xep_0049")
        items = dict(await alice.items(a, BOOKMARKS))
        assert sorted(items) == ["coven@chat.example", "tavern@chat.example"]
        tavern = items["tavern@chat.example"]
        assert tavern.get("name") == "Tavern"
        assert tavern.find(f"{{{BOOKMARKS}}}nick").text == "toby"
        # Retracting natively removes it from the legacy copy.
        await alice["xep_0060"].retract(a, BOOKMARKS, "coven@chat.example")
        legacy = await alice["xep_0048"].get_bookmarks(method="xep_0049")
        assert [str(c["jid"]) for c in legacy["private"]["bookmarks"]["conferences"]] == \
            ["tavern@chat.example"]
        await alice.close()

    run(scenario())


def test_xep0398_avatar_hash_goes_into_presence(server):
    a, b = server.add_user("alice"), server.add_user("bob")
    avatar_id = "111f4b3c50d7b0df729d299bc6f8e9ef9066971f"  # XEP-0084 §4.2: SHA-1 of the image

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop").login(server.c2s_port)
        await befriend(alice, bob)
        # XEP-0084 §4.2 metadata: the item id is the image's hash.
        await alice.publish("urn:xmpp:avatar:metadata",
                            "<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='12345' "
                            f"id='{avatar_id}' height='64' width='64' type='image/png'/>"
                            "</metadata>", id=avatar_id)
        alice.send_presence(pstatus="with an avatar")

        def photo(p):
            x = p.xml.find("{vcard-temp:x:update}x")
            return None if x is None else x.findtext("{vcard-temp:x:update}photo")

        p = await bob.next_presence(lambda p: p["from"].bare == a
                                    and p["status"] == "with an avatar")
        assert photo(p) == avatar_id
        # Avatar disabled (an empty <metadata/>): an empty <photo/> (XEP-0153 §4.1).
        await alice.publish("urn:xmpp:avatar:metadata",
                            "<metadata xmlns='urn:xmpp:avatar:metadata'/>", id="none")
        alice.send_presence(pstatus="no avatar")
        p = await bob.next_presence(lambda p: p["from"].bare == a and p["status"] == "no avatar")
        assert photo(p) == ""
        await alice.close()
        await bob.close()

    run(scenario())


def test_xep0163_6_2_last_item_is_sent_when_a_subscription_is_approved(server):
    a, b = server.add_user("alice"), server.add_user("bob")

    async def scenario():
        alice = await PepClient(a + "/phone").login(server.c2s_port)
        bob = await PepClient(b + "/laptop", notify=[TUNE]).login(server.c2s_port)
        await alice.publish(TUNE, tune("before we met"), id="t")
        # alice subscribes to bob (his presence reaches her account), then bob
        # asks for hers and she approves: the approval gives him her last tune.
        await befriend(alice, bob)
        kind, m = await bob.next_event()
        item = m["pubsub_event"]["items"]["item"]
        assert (item["id"], item["payload"].find(f"{{{TUNE}}}title").text) == \
            ("t", "before we met")
        await bob.no_event(0.5)
        await alice.close()
        await bob.close()

    run(scenario())
