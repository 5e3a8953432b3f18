"""XEP-0280 Message Carbons with slixmpp: two resources of one user and a contact."""
import asyncio

from clients import Client, run, TIMEOUT


class CarbonsClient(Client):
    def __init__(self, jid, **kw):
        super().__init__(jid, **kw)
        self.register_plugin("xep_0280")
        self.register_plugin("xep_0334")
        self.carbons = asyncio.Queue()
        self.add_event_handler("carbon_received", lambda m: self.carbons.put_nowait(("received", m)))
        self.add_event_handler("carbon_sent", lambda m: self.carbons.put_nowait(("sent", m)))

    async def next_carbon(self, timeout=TIMEOUT):
        return await asyncio.wait_for(self.carbons.get(), timeout)


async def no_carbon(client, seconds=0.5):
    try:
        kind, m = await asyncio.wait_for(client.carbons.get(), seconds)
    except asyncio.TimeoutError:
        return
    raise AssertionError(f"unexpected {kind} carbon: {m}")


def test_xep0280_received_sent_and_private(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        # phone has the higher priority: messages to the bare JID go to it
        # (RFC 6121 §8.5.2.1.1); laptop gets the carbons.
        phone = await CarbonsClient(a + "/phone", priority=10).login(server.c2s_port)
        laptop = await CarbonsClient(a + "/laptop", priority=1).login(server.c2s_port)
        bob = await CarbonsClient(b + "/desk").login(server.c2s_port)
        # §3: the server advertises carbons.
        info = await laptop["xep_0030"].get_info(jid="localhost")
        assert "urn:xmpp:carbons:2" in info["disco_info"]["features"]
        # §4: enable on both of alice's resources.
        await phone["xep_0280"].enable()
        await laptop["xep_0280"].enable()

        # §8: a message from bob to alice's bare JID reaches phone; laptop gets a received carbon.
        bob.send_message(mto=a, mbody="to the bare JID", mtype="chat")
        m = await phone.next_message()
        assert m["body"] == "to the bare JID"
        kind, c = await laptop.next_carbon()
        assert kind == "received"
        assert c["from"].full == a and c["to"].full == a + "/laptop"
        fwd = c["carbon_received"]
        assert fwd["body"] == "to the bare JID"
        assert fwd["from"].full == b + "/desk"
        await no_carbon(phone)

        # §9: a message phone sends is copied to laptop as <sent/>, not back to phone.
        phone.send_message(mto=b, mbody="from the phone", mtype="chat")
        m = await bob.next_message()
        assert m["body"] == "from the phone"
        kind, c = await laptop.next_carbon()
        assert kind == "sent"
        fwd = c["carbon_sent"]
        assert fwd["body"] == "from the phone"
        assert fwd["to"].bare == b and fwd["from"].full == a + "/phone"
        await no_carbon(phone)

        # §7: <private/> is not copied, and the recipient gets it without <private/>.
        msg = phone.make_message(mto=b, mbody="just us", mtype="chat")
        msg.enable("carbon_private")
        msg.send()
        m = await bob.next_message()
        assert m["body"] == "just us"
        assert m.xml.find("{urn:xmpp:carbons:2}private") is None
        bob.send_message(mto=a + "/phone", mbody="private reply", mtype="chat")
        reply = bob.make_message(mto=a + "/phone", mbody="private reply 2", mtype="chat")
        reply.enable("carbon_private")
        reply.send()
        assert (await phone.next_message())["body"] == "private reply"
        kind, c = await laptop.next_carbon()
        assert (kind, c["carbon_received"]["body"]) == ("received", "private reply")
        assert (await phone.next_message())["body"] == "private reply 2"
        await no_carbon(laptop)

        # XEP-0334 no-copy: not copied either.
        hinted = phone.make_message(mto=b, mbody="no copy", mtype="chat")
        hinted.enable("no-copy")
        hinted.send()
        assert (await bob.next_message())["body"] == "no copy"
        await no_carbon(laptop)

        # §5: after disable, laptop gets nothing.
        await laptop["xep_0280"].disable()
        phone.send_message(mto=b, mbody="after disable", mtype="chat")
        assert (await bob.next_message())["body"] == "after disable"
        await no_carbon(laptop)

        for c in (phone, laptop, bob):
            await c.close()

    run(scenario())
