"""The same core flows with a second, independent client library: aioxmpp."""
import asyncio

import aioxmpp
import aioxmpp.connector
import aioxmpp.ping
import aioxmpp.version

from clients import run, TIMEOUT
from conftest import PASSWORD


def aio_client(jid, port):
    return aioxmpp.PresenceManagedClient(
        aioxmpp.JID.fromstr(jid),
        aioxmpp.make_security_layer(PASSWORD, no_verify=True),
        override_peer=[("127.0.0.1", port, aioxmpp.connector.STARTTLSConnector())],
    )


def test_aioxmpp_login_and_chat(server):
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def scenario():
        alice = aio_client(a + "/aio", server.c2s_port)
        bob = aio_client(b + "/aio", server.c2s_port)
        received = asyncio.Queue()

        async with alice.connected(), bob.connected():
            assert str(alice.local_jid) == a + "/aio"
            dispatcher = bob.summon(aioxmpp.dispatcher.SimpleMessageDispatcher)
            dispatcher.register_callback(aioxmpp.MessageType.CHAT, None,
                                         lambda msg: received.put_nowait(msg))
            msg = aioxmpp.Message(to=aioxmpp.JID.fromstr(b + "/aio"), type_=aioxmpp.MessageType.CHAT)
            msg.body[None] = "hello from aioxmpp"
            await alice.send(msg)
            got = await asyncio.wait_for(received.get(), TIMEOUT)
            assert got.body.any() == "hello from aioxmpp"
            assert str(got.from_) == a + "/aio"

    run(scenario())
    assert "alice@localhost authenticated from 127.0.0.1 (TLS)" in server.log_text()


def test_aioxmpp_ping_and_version(server):
    a = server.add_user("alice")

    async def scenario():
        client = aio_client(a, server.c2s_port)
        async with client.connected():
            await aioxmpp.ping.ping(client, aioxmpp.JID.fromstr("localhost"))
            info = await aioxmpp.version.query_version(client.stream, aioxmpp.JID.fromstr("localhost"))
            assert info.name == "Parley"

    run(scenario())
