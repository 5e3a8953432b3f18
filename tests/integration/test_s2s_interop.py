"""Federation with the real Prosody 0.12 and ejabberd 23.01 from Debian
(issue 4), started here with their own configs on free loopback ports (see
peers.py and peers/). All three servers find each other through a DNS stub
answering _xmpp-server._tcp SRV records (RFC 6120 §3.2.1), so Parley's SRV
path is exercised too. A real slixmpp user on each side: RFC 6121 §3
subscription handshake, available presence both ways (§4.2, §4.3), chat
both ways (§5); authentication by certificate (SASL EXTERNAL, RFC 6120 §6 +
XEP-0178) with a test CA that all trust, and by Server Dialback (XEP-0220)
with certificates nobody trusts.

Run as root (the peers run as their system users); needs
scripts/install-deps --test. A missing peer fails, it is never skipped."""
import os
import re
import shutil
from types import SimpleNamespace

import pytest

from clients import Client, run, subscription, until
from conftest import Server, running, stop_and_check
from peers import DnsStub, Ejabberd, Prosody, require, workdir
from s2s_util import TestCA, tls_config

# Certificate test: peers trust the test CA; dialback test: each side's
# certificate comes from a CA the other does not trust.
PROSODY = {"certificate": "prosody.test", "dialback": "prosody-db.test"}
EJABBERD = {"certificate": "ejabberd.test", "dialback": "ejabberd-db.test"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    require("prosody", "prosodyctl", "ejabberdctl")
    tmp = tmp_path_factory.mktemp("interop")
    dns = DnsStub()
    work = workdir()
    try:
        yield SimpleNamespace(ca=TestCA(tmp / "ca"), untrusted=TestCA(tmp / "untrusted-ca"),
                              dns=dns, work=work)
    finally:
        dns.stop()
        (work / "dns-queries.txt").write_text("".join(f"{q}\n" for q in dns.queries))
        if not os.environ.get("PARLEY_INTEROP_KEEP"):  # set it to read the peers' logs after
            shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def prosody(env):
    """Two Prosody instances: one that accepts only peers with a certificate
    from the test CA (s2s_secure_auth = true), one that allows dialback
    (s2s_secure_auth = false) and presents an untrusted certificate."""
    peers = {
        "certificate": Prosody(env.work, PROSODY["certificate"], *env.ca.issue(PROSODY["certificate"]),
                               env.ca.cert, env.dns, secure_auth=True),
        "dialback": Prosody(env.work, PROSODY["dialback"], *env.untrusted.issue(PROSODY["dialback"]),
                            env.ca.cert, env.dns, secure_auth=False),
    }
    with running(*peers.values(), stop=lambda p: p.stop()):
        yield peers


@pytest.fixture(scope="module")
def ejabberd(env):
    """One ejabberd, two virtual hosts: one with a certificate from the test
    CA, one with an untrusted certificate (dialback)."""
    peer = Ejabberd(env.work, EJABBERD["certificate"], EJABBERD["dialback"],
                    [env.ca.issue(EJABBERD["certificate"]), env.untrusted.issue(EJABBERD["dialback"])],
                    env.ca.cert, env.dns)
    with running(peer, stop=lambda p: p.stop()):
        yield peer


def parley(tmp_path, env, host, peer_domain, auth):
    """A parleyd for `host` that finds peers through the DNS stub. With
    auth="certificate" its certificate comes from the test CA and it requires
    a valid one from the peer; with "dialback" its certificate comes from the
    untrusted CA and it allows dialback for peer_domain (s2s.domains)."""
    trusted = auth == "certificate"
    s2s = f'ca_file = "{env.ca.cert}"\nconnect_timeout = 15\n'
    if not trusted:
        s2s += f'domains = {{ "{peer_domain}" = "dialback" }}\n'
    srv = Server(tmp_path / host, host=host, dns_port=env.dns.port, s2s_config=s2s,
                 extra_config=tls_config(env.ca if trusted else env.untrusted, host))
    env.dns.add(host, srv.s2s_port)
    return srv


async def subscribe(user, contact, after):
    """RFC 6121 §3.1: user subscribes to contact, who approves; `after` is
    the pair of subscription states (user's item, contact's item) then."""
    ju, jc = user.boundjid.bare, contact.boundjid.bare
    user.send_presence(pto=jc, ptype="subscribe")
    p = await contact.next_presence(lambda p: p["type"] == "subscribe")
    assert p["from"].bare == ju  # §3.1.3: from the bare JID of the requester
    contact.send_presence(pto=ju, ptype="subscribed")
    # §3.1.5/§3.1.6: the user's server delivers the approval, then the
    # contact's server sends the contact's available presence.
    p = await user.next_presence(lambda p: p["type"] == "subscribed")
    assert p["from"].bare == jc
    p = await user.next_presence(lambda p: p["from"].bare == jc and p["type"] == "available")
    assert p["from"].full == contact.boundjid.full
    # §3.1.5/§3.1.4: roster pushes on both servers.
    await until(lambda: subscription(user, jc) == after[0])
    await until(lambda: subscription(contact, ju) == after[1])


async def befriend_and_chat(alice, bob):
    """alice (Parley) subscribes to bob (the peer), then bob to alice; then
    they chat both ways (RFC 6121 §5.2.2) and bob's presence change reaches
    alice (§4.4)."""
    ja, jb = alice.boundjid.bare, bob.boundjid.bare
    await subscribe(alice, bob, ("to", "from"))
    await subscribe(bob, alice, ("both", "both"))  # §2.1.2.5
    alice.send_message(mto=jb, mbody="hello from Parley", mtype="chat")
    m = await bob.next_message()
    assert (m["from"].full, m["to"].bare, m["body"], m["type"]) == (
        alice.boundjid.full, jb, "hello from Parley", "chat")
    bob.send_message(mto=alice.boundjid.full, mbody="hello from the peer", mtype="chat")
    m = await alice.next_message()
    assert (m["from"].full, m["to"].full, m["body"], m["type"]) == (
        bob.boundjid.full, alice.boundjid.full, "hello from the peer", "chat")
    bob.send_presence(pshow="away", pstatus="lunch")
    p = await alice.next_presence(lambda p: p["from"].bare == jb and p["show"] == "away")
    assert p["status"] == "lunch"


def federate(srv, peer_port, ja, jb):
    async def scenario():
        alice, bob = Client(ja), Client(jb, mech="PLAIN")
        for c in (alice, bob):  # the users answer subscriptions themselves
            c.auto_authorize = None
            c.auto_subscribe = False
        await alice.login(srv.c2s_port)
        await bob.login(peer_port)
        try:
            await befriend_and_chat(alice, bob)
        finally:
            await alice.close()
            await bob.close()
    run(scenario())


def federated(srv, peer, jb, peer_c2s_port):
    """Starts parleyd, runs the scenario between alice on it and jb on the
    peer, stops parleyd (checked); on failure, both servers' logs tell why."""
    ja = srv.add_user("alice")
    srv.start()
    try:
        federate(srv, peer_c2s_port, ja, jb)
    except BaseException as e:
        raise AssertionError(f"{e!r}\n--- parleyd:\n{srv.log_text()[-6000:]}\n"
                             f"--- {peer.name}:\n{peer.log_text()[-6000:]}") from e
    finally:
        stop_and_check(srv)
    return srv.log_text()


def auth_lines(log, peer_domain):
    """Parley's log lines saying how each direction with peer_domain authenticated."""
    lines = log.splitlines()
    return ([l for l in lines if f"-> {peer_domain} ready" in l],
            [l for l in lines if f"incoming stream from {peer_domain} " in l and "authenticated by" in l])


# How Parley's log says each direction authenticated, per test kind.
EXPECTED = {
    # RFC 6120 §6.4 + XEP-0178: both streams authenticated by certificate.
    "certificate": ("(SASL EXTERNAL", "authenticated by SASL EXTERNAL"),
    # XEP-0220: neither certificate is trusted, so both directions use dialback.
    "dialback": ("(dialback, peer certificate not checked", "authenticated by dialback"),
}


def federation_with(tmp_path, env, peer, peer_domain, host, auth):
    """alice@host on a new parleyd and bob@peer_domain on `peer` befriend
    each other and chat; both s2s directions authenticated as `auth` says."""
    srv = parley(tmp_path, env, host, peer_domain, auth)
    log = federated(srv, peer, peer.add_user("bob", peer_domain), peer.ports["c2s"])
    out, inc = auth_lines(log, peer_domain)
    outgoing, incoming = EXPECTED[auth]
    assert out and all(outgoing in l for l in out), out
    assert inc and all(incoming in l for l in inc), inc
    # The peer agrees: SASL EXTERNAL both ways with certificates, never with dialback.
    peer_log = peer.log_text()
    for pattern in peer.external_lines(host):
        assert bool(re.search(pattern, peer_log)) == (auth == "certificate"), pattern


def test_prosody_certificates_sasl_external(tmp_path, env, prosody):
    federation_with(tmp_path, env, prosody["certificate"], PROSODY["certificate"], "parley-p.test",
                    "certificate")


def test_prosody_dialback(tmp_path, env, prosody):
    federation_with(tmp_path, env, prosody["dialback"], PROSODY["dialback"], "parley-pdb.test",
                    "dialback")


def test_ejabberd_certificates_sasl_external(tmp_path, env, ejabberd):
    federation_with(tmp_path, env, ejabberd, EJABBERD["certificate"], "parley-e.test", "certificate")


def test_ejabberd_dialback(tmp_path, env, ejabberd):
    federation_with(tmp_path, env, ejabberd, EJABBERD["dialback"], "parley-edb.test", "dialback")
