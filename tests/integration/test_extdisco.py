"""XEP-0215 External Service Discovery v1.0.0 with a real slixmpp client:
§3.1 the services list, §3.2 filtered by type, §3.3 credentials, and TURN
REST credentials (username = expiry:user, password =
base64(HMAC-SHA1(secret, username))) that coturn's use-auth-secret accepts."""
import base64
import hashlib
import hmac
import time
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

from clients import Client, TIMEOUT, run, q, stanza_error
from conftest import HOST, Server, running

EXTDISCO = "urn:xmpp:extdisco:2"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
SECRET = "coturn shared secret"


def server(tmp_path):
    return Server(tmp_path, extra_config=f"""
[modules.extdisco]
services = "stun:stun.example.org:3478/udp, turn:turn.example.org:3478/udp, turns:turn.example.org:5349/tcp"
secret = "{SECRET}"
credential_ttl = 600
""")


async def ask(c, payload):
    iq = c.make_iq_get(ito=HOST)
    iq.append(payload)
    res = await iq.send(timeout=TIMEOUT)
    return res.xml.find(q(EXTDISCO, payload.tag.split("}")[1]))


def test_services_types_and_turn_credentials(tmp_path):
    srv = server(tmp_path)
    with running(srv):
        async def go():
            c = Client(srv.add_user("alice"), roster=False)
            await c.login(srv.c2s_port)
            info = await c["xep_0030"].get_info(jid=HOST)
            assert EXTDISCO in [f.get("var") for f in
                                info.xml.find(q(DISCO_INFO, "query")).findall(q(DISCO_INFO, "feature"))]
            # §3.1: every service.
            services = await ask(c, ET.Element(f"{{{EXTDISCO}}}services"))
            listed = [(s.get("type"), s.get("host"), s.get("port"), s.get("transport"))
                      for s in services.findall(q(EXTDISCO, "service"))]
            assert listed == [("stun", "stun.example.org", "3478", "udp"),
                              ("turn", "turn.example.org", "3478", "udp"),
                              ("turns", "turn.example.org", "5349", "tcp")]
            stun = services.findall(q(EXTDISCO, "service"))[0]
            assert stun.get("username") is None and stun.get("password") is None
            # TURN REST credentials, valid for credential_ttl.
            turn = services.findall(q(EXTDISCO, "service"))[1]
            expiry, user = turn.get("username").split(":", 1)
            assert user == f"alice@{HOST}"
            assert abs(int(expiry) - (time.time() + 600)) < 30
            expected = base64.b64encode(hmac.new(SECRET.encode(), turn.get("username").encode(),
                                                 hashlib.sha1).digest()).decode()
            assert turn.get("password") == expected
            assert turn.get("expires").endswith("Z")
            # §3.2: by type.
            only = await ask(c, ET.Element(f"{{{EXTDISCO}}}services", type="turns"))
            assert [s.get("type") for s in only.findall(q(EXTDISCO, "service"))] == ["turns"]
            # §3.3: credentials for a named service.
            req = ET.Element(f"{{{EXTDISCO}}}credentials")
            ET.SubElement(req, f"{{{EXTDISCO}}}service", host="turn.example.org", type="turn")
            creds = await ask(c, req)
            got = creds.findall(q(EXTDISCO, "service"))
            assert len(got) == 1 and got[0].get("password")
            req = ET.Element(f"{{{EXTDISCO}}}credentials")
            ET.SubElement(req, f"{{{EXTDISCO}}}service", host="nowhere.example.org")
            try:
                await ask(c, req)
                raise AssertionError("credentials for an unknown service")
            except IqError as e:
                assert stanza_error(e.iq.xml) == ("cancel", "item-not-found")
            await c.close()
        run(go())
