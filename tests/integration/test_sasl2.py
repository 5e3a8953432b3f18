"""XEP-0388 SASL2, XEP-0386 Bind 2 and XEP-0484 FAST against a real parleyd.

Neither Debian's slixmpp (1.8.3) nor aioxmpp implements SASL2, Bind 2 or
FAST, so the SASL2 side of these tests is a hand-written client stream
(clients.XmppStream) doing SCRAM-SHA-256 (RFC 5802/7677) and the HT-SHA-256-*
mechanisms (draft-schmaus-kitten-sasl-ht) in Python with hashlib/hmac; the
other party of every message exchange is a real slixmpp client.
"""
import asyncio
import base64
import hashlib
import hmac
import time
import uuid
import xml.etree.ElementTree as ET

from clients import Client, XmppStream, NS_CLIENT, NS_SASL, NS_STREAM, NS_TLS, b64, q, run
from conftest import HOST, PASSWORD, Server, running
from test_sasl import Scram

NS_SASL2 = "urn:xmpp:sasl:2"
NS_BIND2 = "urn:xmpp:bind:0"
NS_FAST = "urn:xmpp:fast:0"
NS_SM = "urn:xmpp:sm:3"
NS_CARBONS = "urn:xmpp:carbons:2"
NS_FORWARD = "urn:xmpp:forward:0"


class Sasl2Stream(XmppStream):
    """A client stream that authenticates with SASL2 (no stream restart)."""

    def __init__(self, port, user, ua_id=None):
        super().__init__(port)
        self.user = user
        self.ua_id = ua_id or str(uuid.uuid4())

    def open(self, to=HOST):
        # XEP-0388 §2.1: a SASL2 client names the bare JID in 'from'.
        self._reset_parser()
        self.send(f"<?xml version='1.0'?><stream:stream to='{to}' from='{self.user}@{to}' "
                  f"version='1.0' xmlns='{NS_CLIENT}' xmlns:stream='{NS_STREAM}'>")
        self.features = self.next()
        assert self.features is not None and self.features.tag == q(NS_STREAM, "features")
        return self.features

    def secure(self):
        features = super().open()
        assert features.find(q(NS_TLS, "starttls")) is not None
        self.send(f"<starttls xmlns='{NS_TLS}'/>")
        assert self.next().tag == q(NS_TLS, "proceed")
        self.sock = self.tls_wrap(self.sock)
        return self.open()

    def authenticate(self, mechanism, initial, extra=""):
        ir = "" if initial is None else f"<initial-response>{b64(initial)}</initial-response>"
        self.send(f"<authenticate xmlns='{NS_SASL2}' mechanism='{mechanism}'>{ir}"
                  f"<user-agent id='{self.ua_id}'><software>parley-tests</software>"
                  f"<device>pytest</device></user-agent>{extra}</authenticate>")
        return self.next()

    def scram(self, password=PASSWORD, extra=""):
        """SCRAM-SHA-256 over SASL2; returns the final element (<success/> or <failure/>)."""
        s = Scram(self.user, password)
        answer = self.authenticate("SCRAM-SHA-256", s.client_first(), extra)
        if answer is None or answer.tag != q(NS_SASL2, "challenge"):
            return answer
        server_first = base64.b64decode(answer.text).decode()
        self.send(f"<response xmlns='{NS_SASL2}'>{b64(s.client_final(server_first))}</response>")
        final = self.next()
        if final is not None and final.tag == q(NS_SASL2, "success"):
            # RFC 5802 §3: the server proves it knows the password too.
            data = base64.b64decode(final.find(q(NS_SASL2, "additional-data")).text)
            assert data == b"v=" + base64.b64encode(s.server_signature), data
        return final

    def fast(self, token, mechanism="HT-SHA-256-NONE", extra="", fast_attrs=""):
        """Authenticates with a FAST token (one round trip); returns the answer."""
        proof = hmac.new(token.encode(), b"Initiator", hashlib.sha256).digest()
        answer = self.authenticate(mechanism, self.user.encode() + b"\0" + proof,
                                   f"<fast xmlns='{NS_FAST}'{fast_attrs}/>{extra}")
        if answer is not None and answer.tag == q(NS_SASL2, "success"):
            # draft-schmaus-kitten-sasl-ht §3.3: the server's proof of the token.
            data = base64.b64decode(answer.find(q(NS_SASL2, "additional-data")).text)
            assert data == hmac.new(token.encode(), b"Responder", hashlib.sha256).digest()
        return answer


async def message_for(st):
    """The next <message/> on a raw stream, read off the event loop (so that
    the slixmpp clients of the same test keep running meanwhile)."""
    return await asyncio.to_thread(st.wait_for, lambda el: el.tag == q(NS_CLIENT, "message"))


def connect(port, user, ua_id=None):
    """A new stream, TLS on, features read: ready for <authenticate/>."""
    st = Sasl2Stream(port, user, ua_id)
    st.secure()
    return st


def bind2(tag="AwesomeXMPP", features=""):
    return f"<bind xmlns='{NS_BIND2}'><tag>{tag}</tag>{features}</bind>"


def authz(success):
    return success.find(q(NS_SASL2, "authorization-identifier")).text


def failure_conditions(el):
    assert el is not None and el.tag == q(NS_SASL2, "failure"), \
        ET.tostring(el).decode() if el is not None else "stream ended"
    return [c.tag for c in el]


def login_bound(port, user, extra_bind="", extra="", ua_id=None):
    """A SASL2 + Bind 2 login; returns (stream, success)."""
    st = connect(port, user, ua_id)
    ok = st.scram(extra=bind2(features=extra_bind) + extra)
    assert ok is not None and ok.tag == q(NS_SASL2, "success"), ET.tostring(ok).decode()
    st.jid = authz(ok)
    # XEP-0388 §2.6.1: <success/> is followed by the stream features, without a restart.
    features = st.next()
    assert features.tag == q(NS_STREAM, "features"), features.tag
    return st, ok


def test_xep0388_2_1_features_offer_sasl2_with_bind2_sm_and_fast_after_tls(server):
    st = Sasl2Stream(server.c2s_port, "alice")
    plain = super(Sasl2Stream, st).open()
    # Before TLS (required here) nothing is offered but STARTTLS.
    assert plain.find(q(NS_SASL2, "authentication")) is None
    st.send(f"<starttls xmlns='{NS_TLS}'/>")
    st.next()
    st.sock = st.tls_wrap(st.sock)
    features = st.open()
    auth = features.find(q(NS_SASL2, "authentication"))
    assert auth is not None
    mechs = [m.text for m in auth.findall(q(NS_SASL2, "mechanism"))]
    assert "SCRAM-SHA-256" in mechs and "SCRAM-SHA-256-PLUS" in mechs
    inline = auth.find(q(NS_SASL2, "inline"))
    # XEP-0386 §2.1: Bind 2 with the features that can be enabled inline.
    b = inline.find(q(NS_BIND2, "bind"))
    assert b is not None
    vars_ = {f.get("var") for f in b.find(q(NS_BIND2, "inline")).findall(q(NS_BIND2, "feature"))}
    assert {NS_CARBONS, NS_SM, "urn:xmpp:csi:0"} <= vars_, vars_
    # XEP-0198 v1.6.1, SASL2 integration: <sm/> inline for resumption.
    assert inline.find(q(NS_SM, "sm")) is not None
    # XEP-0484 §4.1: FAST with at least HT-SHA-256-NONE.
    fast = inline.find(q(NS_FAST, "fast"))
    assert "HT-SHA-256-NONE" in [m.text for m in fast.findall(q(NS_FAST, "mechanism"))]
    st.close()


def test_xep0386_sasl2_bind2_login_in_one_round_trip_then_messages_with_slixmpp(server):
    server.add_user("alice")
    bob = server.add_user("bob")
    st, ok = login_bound(server.c2s_port, "alice")
    # XEP-0386 §2.2: the full JID in the authorization identifier, <bound/>,
    # and a resource of the form "<tag>/<id>" (§3.1).
    assert st.jid.startswith(f"alice@{HOST}/AwesomeXMPP/"), st.jid
    assert ok.find(q(NS_BIND2, "bound")) is not None

    async def scenario():
        c = await Client(bob + "/desk").login(server.c2s_port)
        c.send_message(mto=st.jid, mbody="hello over bind 2", mtype="chat")
        m = await message_for(st)
        assert m.find(q(NS_CLIENT, "body")).text == "hello over bind 2"
        assert m.get("to") == st.jid
        st.send(f"<message to='{bob}/desk' type='chat' id='m1'><body>hi bob</body></message>")
        got = await c.next_message()
        assert got["body"] == "hi bob"
        assert got["from"].full == st.jid
        await c.close()

    run(scenario())
    st.close()


def test_xep0386_3_1_resource_is_stable_per_client_and_replaces_the_old_session(server):
    server.add_user("alice")
    ua = str(uuid.uuid4())
    first, _ = login_bound(server.c2s_port, "alice", ua_id=ua)
    second, _ = login_bound(server.c2s_port, "alice", ua_id=ua)
    assert first.jid == second.jid
    assert ua not in second.jid  # the user-agent id is never shown
    # §2.2: the earlier session of the same client is terminated.
    closed = first.wait_closed()
    assert any(e.tag == q(NS_STREAM, "error") for e in closed)
    other, _ = login_bound(server.c2s_port, "alice")  # another client: another resource
    assert other.jid != second.jid
    second.close()
    other.close()


def test_xep0388_2_6_2_wrong_password_fails_with_not_authorized_and_stream_continues(server):
    server.add_user("alice")
    st = connect(server.c2s_port, "alice")
    bad = st.scram(password="wrong", extra=bind2())
    assert failure_conditions(bad) == [q(NS_SASL, "not-authorized")]
    ok = st.scram(extra=bind2())
    assert ok.tag == q(NS_SASL2, "success")
    unknown = connect(server.c2s_port, "nobody")
    assert failure_conditions(unknown.scram()) == [q(NS_SASL, "not-authorized")]
    bogus = unknown.authenticate("NOT-A-MECH", b"x")
    assert q(NS_SASL, "invalid-mechanism") in failure_conditions(bogus)
    st.close()
    unknown.close()


def test_xep0386_inline_sm_and_carbons_enable(server):
    alice = server.add_user("alice")
    bob = server.add_user("bob")
    st, ok = login_bound(server.c2s_port, "alice",
                         extra_bind=f"<enable xmlns='{NS_CARBONS}'/><enable xmlns='{NS_SM}' resume='true'/>")
    # XEP-0386 §2.2: <bound/> carries XEP-0198's <enabled/>.
    enabled = ok.find(f"{q(NS_BIND2, 'bound')}/{q(NS_SM, 'enabled')}")
    assert enabled is not None and enabled.get("resume") == "true" and enabled.get("id")
    st.send(f"<r xmlns='{NS_SM}'/>")
    a = st.wait_for(lambda el: el.tag == q(NS_SM, "a"))
    assert a.get("h") == "0"

    async def scenario():
        phone = await Client(alice + "/phone").login(server.c2s_port)
        b = await Client(bob + "/desk").login(server.c2s_port)
        # XEP-0280 §9: what another resource sends is copied to the Bind 2
        # session, which enabled carbons inline.
        phone.send_message(mto=bob + "/desk", mbody="sent from the phone", mtype="chat")
        assert (await b.next_message())["body"] == "sent from the phone"
        m = await message_for(st)
        fwd = m.find(f"{q(NS_CARBONS, 'sent')}/{q(NS_FORWARD, 'forwarded')}/{q(NS_CLIENT, 'message')}")
        assert fwd is not None, ET.tostring(m).decode()
        assert fwd.find(q(NS_CLIENT, "body")).text == "sent from the phone"
        await phone.close()
        await b.close()

    run(scenario())
    st.close()


def test_xep0198_resume_inline_in_sasl2_after_the_socket_drops(server):
    server.add_user("alice")
    bob = server.add_user("bob")
    ua = str(uuid.uuid4())
    st, ok = login_bound(server.c2s_port, "alice", extra_bind=f"<enable xmlns='{NS_SM}' resume='true'/>",
                         ua_id=ua)
    previd = ok.find(f"{q(NS_BIND2, 'bound')}/{q(NS_SM, 'enabled')}").get("id")
    jid = st.jid

    async def scenario():
        c = await Client(bob + "/desk").login(server.c2s_port)
        c.send_message(mto=jid, mbody="while you were away", mtype="chat")
        m = await message_for(st)
        assert m.find(q(NS_CLIENT, "body")).text == "while you were away"
        st.sock.close()  # dropped without acknowledging: the message stays unacked
        time.sleep(0.3)
        # XEP-0198 with SASL2: <resume/> inside <authenticate/>; <resumed/> in
        # <success/> and no new binding (XEP-0386 §2.2 note).
        again = connect(server.c2s_port, "alice", ua)
        res = again.scram(extra=f"<resume xmlns='{NS_SM}' previd='{previd}' h='0'/>" + bind2())
        assert res.tag == q(NS_SASL2, "success"), ET.tostring(res).decode()
        resumed = res.find(q(NS_SM, "resumed"))
        assert resumed is not None and resumed.get("previd") == previd and resumed.get("h") == "0"
        assert res.find(q(NS_BIND2, "bound")) is None
        assert authz(res) == jid
        # §5: the unacknowledged message is sent again.
        m2 = await message_for(again)
        assert m2.find(q(NS_CLIENT, "body")).text == "while you were away"
        again.send(f"<message to='{bob}/desk' type='chat'><body>back</body></message>")
        assert (await c.next_message())["body"] == "back"
        # A resumption that fails: <failed/> in <success/>, then the bind goes ahead.
        third = connect(server.c2s_port, "alice")
        res3 = third.scram(extra=f"<resume xmlns='{NS_SM}' previd='nope' h='0'/>" + bind2())
        assert res3.tag == q(NS_SASL2, "success")
        assert res3.find(q(NS_SM, "failed")) is not None
        assert res3.find(q(NS_BIND2, "bound")) is not None
        third.close()
        again.close()
        await c.close()

    run(scenario())


def request_token(server_port, user, ua, mechanism="HT-SHA-256-NONE"):
    st = connect(server_port, user, ua)
    ok = st.scram(extra=bind2() + f"<request-token xmlns='{NS_FAST}' mechanism='{mechanism}'/>")
    assert ok.tag == q(NS_SASL2, "success"), ET.tostring(ok).decode()
    tok = ok.find(q(NS_FAST, "token"))
    assert tok is not None and tok.get("token") and tok.get("expiry"), ET.tostring(ok).decode()
    st.close()
    return tok.get("token"), tok.get("expiry")


def test_xep0484_token_then_fast_login_in_one_round_trip(server):
    server.add_user("alice")
    bob = server.add_user("bob")
    ua = str(uuid.uuid4())
    token, expiry = request_token(server.c2s_port, "alice", ua)
    assert expiry.endswith("Z")  # XEP-0082 DateTime
    st = connect(server.c2s_port, "alice", ua)
    ok = st.fast(token, extra=bind2())
    assert ok.tag == q(NS_SASL2, "success"), ET.tostring(ok).decode()
    st.jid = authz(ok)
    assert st.jid.startswith(f"alice@{HOST}/AwesomeXMPP/")
    assert st.next().tag == q(NS_STREAM, "features")

    async def scenario():
        c = await Client(bob + "/desk").login(server.c2s_port)
        c.send_message(mto=st.jid, mbody="fast hello", mtype="chat")
        m = await message_for(st)
        assert m.find(q(NS_CLIENT, "body")).text == "fast hello"
        await c.close()

    run(scenario())
    st.close()
    # The token keeps working for the same client (until rotated or expired).
    again = connect(server.c2s_port, "alice", ua)
    assert again.fast(token).tag == q(NS_SASL2, "success")
    again.close()


def test_xep0484_invalid_tokens_are_rejected(server):
    server.add_user("alice")
    ua = str(uuid.uuid4())
    token, _ = request_token(server.c2s_port, "alice", ua)
    # A wrong token.
    st = connect(server.c2s_port, "alice", ua)
    assert failure_conditions(st.fast("not-the-token")) == [q(NS_SASL, "not-authorized")]
    st.close()
    # The right token from another client (tokens are per <user-agent/>).
    other = connect(server.c2s_port, "alice")
    assert failure_conditions(other.fast(token)) == [q(NS_SASL, "not-authorized")]
    other.close()
    # §4.3: the token only works with the mechanism it was issued for.
    endp = connect(server.c2s_port, "alice", ua)
    assert q(NS_SASL, "not-authorized") in failure_conditions(endp.fast(token, mechanism="HT-SHA-256-ENDP"))
    endp.close()
    # §4.5: invalidation; the token is useless afterwards.
    inv = connect(server.c2s_port, "alice", ua)
    ok = inv.fast(token, fast_attrs=" invalidate='true'")
    assert ok.tag == q(NS_SASL2, "success")
    assert ok.find(q(NS_FAST, "token")) is None
    inv.close()
    after = connect(server.c2s_port, "alice", ua)
    assert failure_conditions(after.fast(token)) == [q(NS_SASL, "not-authorized")]
    after.close()
    assert "authentication of alice@localhost" in server.log_text()


def test_xep0484_expired_token_is_rejected_and_rotation(tmp_path):
    srv = Server(tmp_path, c2s_config="fast_token_lifetime = 6")
    with running(srv):
        srv.add_user("alice")
        ua = str(uuid.uuid4())
        token, _ = request_token(srv.c2s_port, "alice", ua)
        time.sleep(4.1)  # whole seconds count: 1 or 2 s of its 6 are left
        # §4.4: less than half its life left: a login with it brings a new one.
        st = connect(srv.c2s_port, "alice", ua)
        ok = st.fast(token)
        assert ok.tag == q(NS_SASL2, "success")
        new = ok.find(q(NS_FAST, "token"))
        assert new is not None and new.get("token") != token
        st.close()
        # The old token still works until the new one is used (the client may
        # have missed <success/>); it is still due, so another token comes, and
        # the unused one before it is dropped (§4.4 "SHOULD invalidate").
        st = connect(srv.c2s_port, "alice", ua)
        ok = st.fast(token)
        assert ok.tag == q(NS_SASL2, "success")
        newer = ok.find(q(NS_FAST, "token")).get("token")
        assert newer not in (token, new.get("token"))
        st.close()
        st = connect(srv.c2s_port, "alice", ua)
        assert failure_conditions(st.fast(new.get("token"))) == [q(NS_SASL, "not-authorized")]
        st.close()
        st = connect(srv.c2s_port, "alice", ua)
        ok = st.fast(newer)
        assert ok.tag == q(NS_SASL2, "success")
        assert ok.find(q(NS_FAST, "token")) is None  # fresh: no rotation
        st.close()
        # ...and not after (§4.4: earlier tokens are invalidated on use of a later one).
        st = connect(srv.c2s_port, "alice", ua)
        assert failure_conditions(st.fast(token)) == [q(NS_SASL, "not-authorized")]
        st.close()
        # Expiry: after its lifetime the newest token fails too.
        time.sleep(6.5)
        st = connect(srv.c2s_port, "alice", ua)
        assert failure_conditions(st.fast(newer)) == [q(NS_SASL, "not-authorized")]
        st.close()


def test_xep0484_failed_token_logins_count_toward_the_auth_failure_limit(tmp_path):
    """Bad tokens are throttled like bad passwords (auth_failures_per_minute,
    RFC 6120 §6.4.5 / docs/ARCHITECTURE.md "SASL retries")."""
    srv = Server(tmp_path, auth_failures_per_minute=2)
    with running(srv):
        srv.add_user("alice")
        ua = str(uuid.uuid4())
        token, _ = request_token(srv.c2s_port, "alice", ua)
        st = connect(srv.c2s_port, "alice", ua)
        for _ in range(2):
            assert failure_conditions(st.fast("guess")) == [q(NS_SASL, "not-authorized")]
        # The limit is reached: even the right token gets temporary-auth-failure.
        assert q(NS_SASL, "temporary-auth-failure") in failure_conditions(st.fast(token))
        st.close()
