"""SASL details with a hand-written client (RFC 6120 §6, RFC 5802 SCRAM, RFC
5929 / RFC 9266 channel binding, XEP-0440): a tiny SCRAM client over a raw
stream, so that the channel-binding data, the GS2 header and the encoding can
be chosen exactly."""
import base64
import hashlib
import hmac
import os
import select
import socket
import ssl
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

from clients import XmppStream, NS_SASL, NS_STREAM, NS_BIND, b64, child_names, q
from conftest import HOST, PASSWORD, Server

NS_SASL_CB = "urn:xmpp:sasl-cb:0"


class Scram:
    """The client side of SCRAM (RFC 5802 §3, §5, §7; RFC 7677 for SHA-256)."""

    def __init__(self, user, password=PASSWORD, hash_name="sha256", gs2_header="n,,", cb_data=b""):
        self.user = user
        self.password = password
        self.hash_name = hash_name
        self.gs2_header = gs2_header
        self.cb_data = cb_data
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = f"n={user},r={self.nonce}"
        self.server_signature = None

    def _hmac(self, key, msg):
        return hmac.new(key, msg, self.hash_name).digest()

    def client_first(self):
        return self.gs2_header + self.first_bare

    def client_final(self, server_first):
        attrs = dict(a.split("=", 1) for a in server_first.split(","))
        nonce, salt, iterations = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
        assert nonce.startswith(self.nonce) and len(nonce) > len(self.nonce), server_first
        salted = hashlib.pbkdf2_hmac(self.hash_name, self.password.encode(), salt, iterations)
        client_key = self._hmac(salted, b"Client Key")
        stored_key = hashlib.new(self.hash_name, client_key).digest()
        channel_binding = b64(self.gs2_header.encode() + self.cb_data)
        without_proof = f"c={channel_binding},r={nonce}"
        auth_message = f"{self.first_bare},{server_first},{without_proof}".encode()
        signature = self._hmac(stored_key, auth_message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        server_key = self._hmac(salted, b"Server Key")
        self.server_signature = self._hmac(server_key, auth_message)
        return f"{without_proof},p={b64(proof)}"


def scram_exchange(stream, mechanism, scram):
    """Runs SCRAM on the stream; returns the element that ends it (<success/> or <failure/>)."""
    answer = stream.auth(mechanism, scram.client_first())
    if answer is None or answer.tag != q(NS_SASL, "challenge"):
        return answer
    server_first = base64.b64decode(answer.text).decode()
    stream.send(f"<response xmlns='{NS_SASL}'>{b64(scram.client_final(server_first))}</response>")
    return stream.next()


def failure_condition(el):
    assert el is not None, "the stream ended instead of a SASL answer"
    assert el.tag == q(NS_SASL, "failure"), el.tag
    return child_names(el)


def tls_server_end_point(stream):
    """RFC 5929 §4.1: the hash of the server certificate, with the hash of its
    signature algorithm (SHA-256 for MD5 and SHA-1)."""
    der = stream.sock.getpeercert(binary_form=True)
    algorithm = x509.load_der_x509_certificate(der).signature_hash_algorithm
    if algorithm is None or isinstance(algorithm, (hashes.MD5, hashes.SHA1)):
        algorithm = hashes.SHA256()
    return hashlib.new(algorithm.name, der).digest()


class PyOpenSslSocket:
    """Just enough of a TLS socket for XmppStream, on pyOpenSSL: Python's ssl
    module cannot export keying material, which tls-exporter needs (RFC 9266)."""

    def __init__(self, sock):
        ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_3_VERSION)
        ctx.set_verify(SSL.VERIFY_NONE, lambda *args: True)
        self.sock = sock
        self.timeout = sock.gettimeout() or 10
        self.conn = SSL.Connection(ctx, sock)
        self.conn.set_tlsext_host_name(HOST.encode())
        self.conn.set_connect_state()
        self._retry(self.conn.do_handshake)

    def _retry(self, fn, *args):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return fn(*args)
            except SSL.WantReadError:
                ready = select.select([self.sock], [], [], max(0, deadline - time.monotonic()))[0]
            except SSL.WantWriteError:
                ready = select.select([], [self.sock], [], max(0, deadline - time.monotonic()))[1]
            if not ready:
                raise socket.timeout("timed out")

    def settimeout(self, t):
        self.timeout = t

    def sendall(self, data):
        self._retry(self.conn.sendall, data)

    def recv(self, n):
        try:
            return self._retry(self.conn.recv, n)
        except (SSL.ZeroReturnError, SSL.SysCallError):
            return b""

    def getpeercert(self, binary_form=True):
        return self.conn.get_peer_certificate().to_cryptography().public_bytes(Encoding.DER)

    def version(self):
        return self.conn.get_protocol_version_name()

    def tls_exporter(self):
        """RFC 9266 §2: 32 bytes, label "EXPORTER-Channel-Binding", no context."""
        return self.conn.export_keying_material(b"EXPORTER-Channel-Binding", 32, None)

    def close(self):
        self.sock.close()


def test_rfc9266_scram_sha256_plus_with_tls_exporter_succeeds(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port, tls_wrap=PyOpenSslSocket)
    features = s.starttls()
    assert s.sock.version() == "TLSv1.3"
    assert "SCRAM-SHA-256-PLUS" in s.mechanisms(features)
    exporter = s.sock.tls_exporter()
    # A binding of another connection (or another label) is refused...
    wrong = s.sock.conn.export_keying_material(b"EXPORTER-Channel-Binding-Other", 32, None)
    scram = Scram("alice", gs2_header="p=tls-exporter,,", cb_data=wrong)
    assert failure_condition(scram_exchange(s, "SCRAM-SHA-256-PLUS", scram)) == ["not-authorized"]
    # ... this one's is accepted.
    scram = Scram("alice", gs2_header="p=tls-exporter,,", cb_data=exporter)
    answer = scram_exchange(s, "SCRAM-SHA-256-PLUS", scram)
    assert answer is not None and answer.tag == q(NS_SASL, "success"), answer
    assert base64.b64decode(answer.text).decode() == "v=" + b64(scram.server_signature)
    s.open()
    assert s.bind("exporter") == f"alice@{HOST}/exporter"
    s.close()


def test_rfc5802_6_scram_plus_with_an_unknown_channel_binding_type_fails(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.starttls()
    scram = Scram("alice", gs2_header="p=tls-unique,,", cb_data=b"\0" * 12)
    answer = scram_exchange(s, "SCRAM-SHA-256-PLUS", scram)
    assert answer is not None and answer.tag == q(NS_SASL, "failure")
    assert child_names(answer) in (["malformed-request"], ["not-authorized"])
    s.close()


def test_rfc5802_6_scram_sha256_plus_with_tls_server_end_point_succeeds(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    features = s.starttls()
    assert "SCRAM-SHA-256-PLUS" in s.mechanisms(features)
    scram = Scram("alice", gs2_header="p=tls-server-end-point,,", cb_data=tls_server_end_point(s))
    answer = scram_exchange(s, "SCRAM-SHA-256-PLUS", scram)
    assert answer is not None and answer.tag == q(NS_SASL, "success"), answer
    # RFC 5802 §3: the server proves it knows the keys too (server-final-message).
    assert base64.b64decode(answer.text).decode() == "v=" + b64(scram.server_signature)
    features = s.open()
    assert features.find(q(NS_BIND, "bind")) is not None
    assert s.bind("cb") == f"alice@{HOST}/cb"
    s.close()
    assert f"alice@{HOST} authenticated from 127.0.0.1 (TLS)" in server.log_text()


def test_rfc5802_6_scram_plus_with_wrong_channel_binding_data_is_not_authorized(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.starttls()
    wrong = hashlib.sha256(b"a certificate a man in the middle would present").digest()
    assert wrong != tls_server_end_point(s)
    scram = Scram("alice", gs2_header="p=tls-server-end-point,,", cb_data=wrong)
    assert failure_condition(scram_exchange(s, "SCRAM-SHA-256-PLUS", scram)) == ["not-authorized"]
    # The same exchange with the right data works on the same stream.
    scram = Scram("alice", gs2_header="p=tls-server-end-point,,", cb_data=tls_server_end_point(s))
    assert scram_exchange(s, "SCRAM-SHA-256-PLUS", scram).tag == q(NS_SASL, "success")
    s.close()


def test_rfc5802_6_y_flag_when_plus_was_offered_is_a_downgrade_and_fails(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    features = s.starttls()
    assert "SCRAM-SHA-256-PLUS" in s.mechanisms(features)
    # "y": the client supports channel binding but thinks the server does not.
    scram = Scram("alice", gs2_header="y,,")
    assert failure_condition(scram_exchange(s, "SCRAM-SHA-256", scram)) == ["not-authorized"]
    # The control: "n" (no channel-binding support) with the same password works.
    scram = Scram("alice", gs2_header="n,,")
    assert scram_exchange(s, "SCRAM-SHA-256", scram).tag == q(NS_SASL, "success")
    s.close()


def test_rfc4616_4_plain_is_not_offered_before_starttls(server):
    s = XmppStream(server.c2s_port)
    features = s.open()
    assert features.find(q(NS_SASL, "mechanisms")) is None  # nothing before TLS by default
    s.close()
    s = XmppStream(server.c2s_port)
    s.starttls()
    assert "PLAIN" in s.mechanisms()
    s.close()


def test_rfc4616_4_plain_is_not_offered_before_starttls_even_when_tls_is_optional(tmp_path):
    srv = Server(tmp_path, c2s_config="require_encryption = false")
    srv.start()
    try:
        srv.add_user("alice")
        s = XmppStream(srv.c2s_port)
        features = s.open()
        mechs = s.mechanisms(features)
        assert "SCRAM-SHA-256" in mechs
        assert "PLAIN" not in mechs
        assert not [m for m in mechs if m.endswith("-PLUS")]  # no TLS, nothing to bind to
        # Asking for it anyway (RFC 6120 §6.5.4 / §6.5.7) gets no further.
        answer = s.plain("alice")
        assert failure_condition(answer) in (["encryption-required"], ["invalid-mechanism"])
        # SCRAM without TLS is allowed here.
        assert scram_exchange(s, "SCRAM-SHA-256", Scram("alice")).tag == q(NS_SASL, "success")
        s.close()
    finally:
        assert srv.stop() == 0


@pytest.mark.parametrize("tls_version", ["TLSv1_3", "TLSv1_2"])
def test_xep0440_channel_binding_types_advertised_after_tls(server, tls_version):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, tls_version)
    s = XmppStream(server.c2s_port, tls_context=ctx)
    before = s.open()
    assert before.find(q(NS_SASL_CB, "sasl-channel-binding")) is None
    s.close()

    s = XmppStream(server.c2s_port, tls_context=ctx)
    features = s.starttls()
    assert s.sock.version() == tls_version.replace("_", ".")
    cb = features.find(q(NS_SASL_CB, "sasl-channel-binding"))
    assert cb is not None
    types = sorted(e.get("type") for e in cb.findall(q(NS_SASL_CB, "channel-binding")))
    if tls_version == "TLSv1_3":
        assert types == ["tls-exporter", "tls-server-end-point"]
    else:
        # RFC 9266 §3: tls-exporter needs TLS 1.3 (or 1.2 with extended master secret).
        assert types == ["tls-server-end-point"]
    assert "SCRAM-SHA-256-PLUS" in s.mechanisms(features)
    # tls-server-end-point works on either version.
    server.add_user("alice")
    scram = Scram("alice", gs2_header="p=tls-server-end-point,,", cb_data=tls_server_end_point(s))
    assert scram_exchange(s, "SCRAM-SHA-256-PLUS", scram).tag == q(NS_SASL, "success")
    s.close()


def stream_error_condition(elements):
    errors = [e for e in elements if e.tag == q(NS_STREAM, "error")]
    assert len(errors) == 1, elements
    return [n for n in child_names(errors[0]) if n != "text"]


def test_rfc6120_6_4_5_five_failures_close_the_stream_with_policy_violation(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.starttls()
    for attempt in range(4):
        assert failure_condition(s.plain("alice", "wrong password")) == ["not-authorized"], attempt
    # Still open after four: the fifth attempt is answered, then the stream ends.
    assert failure_condition(s.plain("alice", "wrong password")) == ["not-authorized"]
    rest = s.wait_closed()
    assert stream_error_condition(rest) == ["policy-violation"]
    assert s.stream_closed and s.eof
    s.close()
    # A new stream may try again (the limit of 20 a minute per IP is not reached).
    s = XmppStream(server.c2s_port)
    s.starttls()
    assert s.plain("alice").tag == q(NS_SASL, "success")
    s.close()


def test_rfc6120_6_5_5_invalid_base64_is_incorrect_encoding(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.starttls()
    assert failure_condition(s.auth_raw("PLAIN", "!!not*base64!!")) == ["incorrect-encoding"]
    assert failure_condition(s.auth_raw("SCRAM-SHA-256", "bj1hbGljZQ=%=")) == ["incorrect-encoding"]
    # The stream is still usable.
    assert s.plain("alice").tag == q(NS_SASL, "success")
    s.close()


def test_rfc6120_6_5_7_unknown_mechanism_is_invalid_mechanism(server):
    server.add_user("alice")
    s = XmppStream(server.c2s_port)
    s.starttls()
    assert failure_condition(s.auth("X-PARLEY-UNKNOWN", "whatever")) == ["invalid-mechanism"]
    assert failure_condition(s.auth("DIGEST-MD5")) == ["invalid-mechanism"]
    assert s.plain("alice").tag == q(NS_SASL, "success")
    s.close()


def test_rfc6120_6_5_11_failed_logins_from_one_ip_are_throttled(tmp_path):
    srv = Server(tmp_path, auth_failures_per_minute=3)
    srv.start()
    try:
        srv.add_user("alice")
        srv.add_user("mallory")
        # Three failures from 127.0.0.1, for another account.
        s = XmppStream(srv.c2s_port, source_ip="127.0.0.1")
        s.starttls()
        for _ in range(3):
            assert failure_condition(s.plain("mallory", "guess")) == ["not-authorized"]
        s.close()
        # Now even the right password of an untouched account is refused from there.
        s = XmppStream(srv.c2s_port, source_ip="127.0.0.1")
        s.starttls()
        assert failure_condition(s.plain("alice")) == ["temporary-auth-failure"]
        scram = Scram("alice")
        assert failure_condition(scram_exchange(s, "SCRAM-SHA-256", scram)) == ["temporary-auth-failure"]
        s.close()
        # Another address is not affected.
        s = XmppStream(srv.c2s_port, source_ip="127.0.0.3")
        s.starttls()
        assert s.plain("alice").tag == q(NS_SASL, "success")
        s.close()
    finally:
        assert srv.stop() == 0


def test_rfc6120_6_5_11_failed_logins_for_one_account_are_throttled(tmp_path):
    srv = Server(tmp_path, auth_failures_per_minute=3)
    srv.start()
    try:
        srv.add_user("alice")
        srv.add_user("bob")
        # Three wrong passwords for alice from 127.0.0.2.
        s = XmppStream(srv.c2s_port, source_ip="127.0.0.2")
        s.starttls()
        for _ in range(3):
            assert failure_condition(s.plain("alice", "guess")) == ["not-authorized"]
        s.close()
        # From 127.0.0.1 (not throttled): bob logs in, alice with her password does not.
        s = XmppStream(srv.c2s_port, source_ip="127.0.0.1")
        s.starttls()
        assert failure_condition(s.plain("alice")) == ["temporary-auth-failure"]
        assert s.plain("bob").tag == q(NS_SASL, "success")
        s.close()
    finally:
        assert srv.stop() == 0
