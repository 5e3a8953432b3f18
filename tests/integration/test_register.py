"""XEP-0077 in-band registration, password change and account removal."""
import asyncio

import pytest
import slixmpp
from slixmpp.exceptions import IqError

from clients import Client, RawStream, insecure_context, run, TIMEOUT
from conftest import HOST, PASSWORD, Server


@pytest.fixture
def open_server(tmp_path):
    srv = Server(tmp_path, extra_config="[modules.register]\nallow_registration = true\n"
                                        "registrations_per_minute_per_ip = 2\n")
    srv.start()
    yield srv
    assert srv.stop() == 0


class Registrar(slixmpp.ClientXMPP):
    """Registers an account in-band before logging in (XEP-0077 §3.1)."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.ssl_context = insecure_context()
        self.register_plugin("xep_0077")
        self["xep_0077"].force_registration = True
        # slixmpp 1.8 holds stanzas back until a session starts; registration
        # happens before authentication, so let them through.
        self._always_send_everything = True
        self.result = asyncio.get_event_loop().create_future()
        self.add_event_handler("register", self.on_register)

    async def on_register(self, form):
        iq = self.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = self.boundjid.user
        iq["register"]["password"] = self.password
        try:
            await iq.send()
            self.result.set_result("ok")
        except IqError as e:
            err = e.iq["error"]
            self.result.set_result(f"{err['type']}/{err['condition']}")
        self.disconnect()


async def register(port, local, password=PASSWORD):
    r = Registrar(f"{local}@{HOST}", password)
    r.connect(("127.0.0.1", port))
    return await asyncio.wait_for(r.result, TIMEOUT)


def test_xep0077_3_1_register_then_login(open_server):
    async def scenario():
        assert await register(open_server.c2s_port, "newbie") == "ok"
        c = await Client(f"newbie@{HOST}").login(open_server.c2s_port)
        await c.close()
        # The same name again: conflict (§3.1).
        assert await register(open_server.c2s_port, "newbie") == "cancel/conflict"

    run(scenario())
    assert "newbie@localhost" in open_server.ctl("listusers").stdout


def test_xep0077_3_1_1_registrations_are_rate_limited_per_ip(open_server):
    async def scenario():
        assert await register(open_server.c2s_port, "one") == "ok"
        assert await register(open_server.c2s_port, "two") == "ok"
        # As Prosody answers a flood: wait, not-acceptable.
        assert await register(open_server.c2s_port, "three") == "wait/not-acceptable"

    run(scenario())


def test_xep0077_registration_is_off_by_default(server):
    s = RawStream(server.c2s_port)
    s.open_stream()
    features = s.recv_until("</stream:features>")
    assert "iq-register" not in features
    s.close()


def test_xep0077_3_3_change_password(server):
    jid = server.add_user("alice")

    async def scenario():
        c = Client(jid)
        c.register_plugin("xep_0077")
        await c.login(server.c2s_port)
        await c["xep_0077"].change_password("new password")
        await c.close()
        # Old password fails, new one works.
        old = Client(jid)
        old.connect(("127.0.0.1", server.c2s_port))
        await asyncio.wait_for(old.auth_failed.wait(), TIMEOUT)
        old.disconnect()
        new = await Client(jid, password="new password").login(server.c2s_port)
        await new.close()

    run(scenario())


def test_xep0077_3_2_account_removal(server):
    jid = server.add_user("alice")

    async def scenario():
        c = Client(jid)
        c.register_plugin("xep_0077")
        await c.login(server.c2s_port)
        await c["xep_0077"].cancel_registration()
        await asyncio.wait_for(c.disconnected_ev.wait(), TIMEOUT)
        again = Client(jid)
        again.connect(("127.0.0.1", server.c2s_port))
        await asyncio.wait_for(again.auth_failed.wait(), TIMEOUT)
        again.disconnect()

    run(scenario())
    assert "alice@localhost" not in server.ctl("listusers").stdout
