"""XEP-0313 Message Archive Management with slixmpp's xep_0313: archiving both
directions with XEP-0359 stanza ids, paging with XEP-0059 RSM, 'with', the
extended fields, flipped pages, <fin complete='true'/>, and XEP-0441 prefs."""
import asyncio
import xml.etree.ElementTree as ET

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath
from slixmpp.exceptions import IqError

from clients import Client, run, TIMEOUT

MAM = "urn:xmpp:mam:2"
SID = "urn:xmpp:sid:0"


class MamClient(Client):
    def __init__(self, jid, **kw):
        super().__init__(jid, **kw)
        self.register_plugin("xep_0313")
        self.register_plugin("xep_0280")
        self.results = []  # <result/> messages outside slixmpp's own collector
        self.register_handler(Callback("mam results", MatchXPath(f"{{jabber:client}}message/{{{MAM}}}result"),
                                       lambda m: self.results.append(m)))

    async def raw_query(self, fields=None, rsm=None, flip=False):
        """A query built by hand (fields slixmpp's retrieve() does not offer):
        returns (result ids in arrival order, the iq result)."""
        self.results.clear()
        iq = self.make_iq_set()
        query = ET.SubElement(iq.xml, f"{{{MAM}}}query", {"queryid": "raw"})
        if fields:
            x = ET.SubElement(query, "{jabber:x:data}x", {"type": "submit"})
            f = ET.SubElement(x, "{jabber:x:data}field", {"var": "FORM_TYPE", "type": "hidden"})
            ET.SubElement(f, "{jabber:x:data}value").text = MAM
            for var, values in fields.items():
                f = ET.SubElement(x, "{jabber:x:data}field", {"var": var})
                for v in values if isinstance(values, list) else [values]:
                    ET.SubElement(f, "{jabber:x:data}value").text = v
        if rsm:
            s = ET.SubElement(query, "{http://jabber.org/protocol/rsm}set")
            for k, v in rsm.items():
                ET.SubElement(s, f"{{http://jabber.org/protocol/rsm}}{k}").text = v
        if flip:
            ET.SubElement(query, f"{{{MAM}}}flip-page")
        answer = await iq.send(timeout=TIMEOUT)
        return [m["mam_result"]["id"] for m in self.results], answer


def body_of(result_msg):
    return result_msg["mam_result"]["forwarded"]["stanza"]["body"]


def fin_of(iq):
    return iq.xml.find(f"{{{MAM}}}fin")


def stanza_id(msg, by):
    for el in msg.xml.findall(f"{{{SID}}}stanza-id"):
        if el.get("by") == by:
            return el.get("id")
    return None


def test_xep0313_archive_then_page_with_rsm(server):
    a = server.add_user("alice")
    b = server.add_user("bob")
    c = server.add_user("carol")

    async def scenario():
        alice = await MamClient(a + "/phone").login(server.c2s_port)
        bob = await MamClient(b + "/desk").login(server.c2s_port)
        carol = await MamClient(c + "/pc").login(server.c2s_port)

        # §7: the features on the account's bare JID.
        info = await alice["xep_0030"].get_info(jid=a)
        features = info["disco_info"]["features"]
        assert "urn:xmpp:mam:2" in features and "urn:xmpp:mam:2#extended" in features

        # §3.5, XEP-0359: incoming messages arrive with a stanza-id by alice's
        # bare JID; a forged one by alice's JID is replaced.
        expected, live_ids = [], []
        for i in range(23):
            m = bob.make_message(mto=a, mbody=f"bob {i}", mtype="chat")
            if i == 0:
                ET.SubElement(m.xml, f"{{{SID}}}stanza-id", {"by": a, "id": "forged"})
            m.send()
            got = await alice.next_message()
            assert got["body"] == f"bob {i}"
            sid = stanza_id(got, a)
            assert sid and sid != "forged"
            assert len(got.xml.findall(f"{{{SID}}}stanza-id")) == 1
            expected.append(f"bob {i}")
            live_ids.append(sid)
        # Outgoing messages are archived too, without leaking the id to the contact.
        for i in range(2):
            alice.send_message(mto=b, mbody=f"alice {i}", mtype="chat")
            got = await bob.next_message()
            assert stanza_id(got, a) is None and stanza_id(got, b)
            expected.append(f"alice {i}")
        for i in range(3):
            carol.send_message(mto=a, mbody=f"carol {i}", mtype="chat")
            await alice.next_message()
            expected.append(f"carol {i}")
        # Not archived (§6.1.1, XEP-0334): no body; a no-store hint.
        bob.send_message(mto=a, mtype="chat", mbody=None)
        hinted = bob.make_message(mto=a, mbody="forget me", mtype="chat")
        ET.SubElement(hinted.xml, "{urn:xmpp:hints}no-store")
        hinted.send()
        await alice.next_message()

        # XEP-0059 paging, 10 at a time, through slixmpp's iterator.
        pages = []
        async for page in alice["xep_0313"].retrieve(iterator=True, rsm={"max": 10}):
            pages.append(page)
        sizes = [len(p["mam"]["results"]) for p in pages]
        assert sizes[:3] == [10, 10, 8], sizes
        bodies = [body_of(m) for p in pages for m in p["mam"]["results"]]
        assert bodies == expected
        ids = [m["mam_result"]["id"] for p in pages for m in p["mam"]["results"]]
        assert ids[:23] == live_ids  # the live stanza-id is the archive id
        assert fin_of(pages[0]).get("complete") in (None, "false")
        assert fin_of(pages[2]).get("complete") == "true"

        # One page holding everything is complete.
        iq = await alice["xep_0313"].retrieve(rsm={"max": 100})
        assert len(iq["mam"]["results"]) == 28
        assert fin_of(iq).get("complete") == "true"
        # The delay stamp of the forwarded message (XEP-0203).
        assert iq["mam"]["results"][0]["mam_result"]["forwarded"]["delay"]["stamp"] is not None

        # 'with' filters (§4.1.1).
        iq = await alice["xep_0313"].retrieve(with_jid=b, rsm={"max": 100})
        assert [body_of(m) for m in iq["mam"]["results"]] == expected[:25]
        iq = await alice["xep_0313"].retrieve(with_jid=c, rsm={"max": 100})
        assert [body_of(m) for m in iq["mam"]["results"]] == expected[25:]

        # The last page (empty <before/>), in chronological order.
        got, answer = await alice.raw_query(rsm={"max": "5", "before": ""})
        assert got == ids[-5:]
        assert fin_of(answer).get("complete") in (None, "false")
        # Extended: after-id/before-id, ids, flipped pages (§4.1.3, §4.3.4).
        got, _ = await alice.raw_query(fields={"after-id": ids[3], "before-id": ids[8]})
        assert got == ids[4:8]
        got, _ = await alice.raw_query(fields={"ids": [ids[20], ids[2]]})
        assert got == [ids[2], ids[20]]
        got, answer = await alice.raw_query(rsm={"max": "4", "after": ids[10]}, flip=True)
        assert got == list(reversed(ids[11:15]))
        first = fin_of(answer).find("{http://jabber.org/protocol/rsm}set/{http://jabber.org/protocol/rsm}first")
        assert first.text == ids[11]
        # Unknown ids: item-not-found; unknown fields: feature-not-implemented.
        for fields, rsm, condition in ((None, {"after": "nope"}, "item-not-found"),
                                       ({"ids": "nope"}, None, "item-not-found"),
                                       ({"fulltext": "x"}, None, "feature-not-implemented")):
            try:
                await alice.raw_query(fields=fields, rsm=rsm)
                raise AssertionError("no error")
            except IqError as e:
                assert e.iq["error"]["condition"] == condition

        # §5 metadata.
        md = alice.make_iq_get()
        ET.SubElement(md.xml, f"{{{MAM}}}metadata")
        answer = await md.send(timeout=TIMEOUT)
        meta = answer.xml.find(f"{{{MAM}}}metadata")
        assert meta.find(f"{{{MAM}}}start").get("id") == ids[0]
        assert meta.find(f"{{{MAM}}}end").get("id") == ids[-1]

        # §8.1: another user's archive is forbidden.
        try:
            await bob["xep_0313"].retrieve(jid=a)
            raise AssertionError("no error")
        except IqError as e:
            assert e.iq["error"]["condition"] == "forbidden"

        for cl in (alice, bob, carol):
            await cl.close()

    run(scenario())


def test_xep0441_prefs_never_keeps_a_contact_out(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = await MamClient(a + "/phone").login(server.c2s_port)
        bob = await MamClient(b + "/desk").login(server.c2s_port)
        get = alice.make_iq_get()
        ET.SubElement(get.xml, f"{{{MAM}}}prefs")
        answer = await get.send(timeout=TIMEOUT)
        prefs = answer.xml.find(f"{{{MAM}}}prefs")
        assert prefs.get("default") == "always"
        assert prefs.find(f"{{{MAM}}}always") is not None and prefs.find(f"{{{MAM}}}never") is not None

        put = alice.make_iq_set()
        p = ET.SubElement(put.xml, f"{{{MAM}}}prefs", {"default": "always"})
        ET.SubElement(p, f"{{{MAM}}}always")
        ET.SubElement(ET.SubElement(p, f"{{{MAM}}}never"), f"{{{MAM}}}jid").text = b
        answer = await put.send(timeout=TIMEOUT)
        assert answer.xml.find(f"{{{MAM}}}prefs/{{{MAM}}}never/{{{MAM}}}jid").text == b

        bob.send_message(mto=a, mbody="not kept", mtype="chat")
        got = await alice.next_message()
        assert stanza_id(got, a) is None
        iq = await alice["xep_0313"].retrieve(rsm={"max": 10})
        assert iq["mam"]["results"] == []
        assert fin_of(iq).get("complete") == "true"
        for cl in (alice, bob):
            await cl.close()

    run(scenario())


def test_xep0313_3_5_sent_carbon_carries_the_senders_archive_id(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        phone = await MamClient(a + "/phone").login(server.c2s_port)
        laptop = await MamClient(a + "/laptop").login(server.c2s_port)
        bob = await MamClient(b + "/desk").login(server.c2s_port)
        await laptop["xep_0280"].enable()
        sent = asyncio.Queue()
        laptop.add_event_handler("carbon_sent", lambda m: sent.put_nowait(m))
        phone.send_message(mto=b, mbody="hello", mtype="chat")
        assert stanza_id(await bob.next_message(), a) is None
        carbon = await asyncio.wait_for(sent.get(), TIMEOUT)
        inner = carbon["carbon_sent"]
        sid = stanza_id(inner, a)
        assert sid
        iq = await phone["xep_0313"].retrieve(rsm={"max": 10})
        assert [m["mam_result"]["id"] for m in iq["mam"]["results"]] == [sid]
        for cl in (phone, laptop, bob):
            await cl.close()

    run(scenario())
