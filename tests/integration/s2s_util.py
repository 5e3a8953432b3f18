"""Helpers for federation tests: a test CA and certificates made with the
openssl command line, and a raw server-to-server stream."""
import ssl
import subprocess
from pathlib import Path

from clients import XmppStream


class TestCA:
    __test__ = False  # not a pytest test class

    """A certificate authority made by the test, and certificates it signs
    for server domains (DNS-ID for the domain and its subdomains, usable as
    TLS server and client certificates, as s2s needs)."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cert = self.dir / "ca.crt"
        self.key = self.dir / "ca.key"
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "3",
                      "-subj", "/CN=Parley Test CA",
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    @staticmethod
    def _openssl(*args):
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)

    def issue(self, domain):
        """(certificate path, key path) for `domain`."""
        crt = self.dir / f"{domain}.crt"
        if crt.exists():
            return crt, self.dir / f"{domain}.key"
        key = self.dir / f"{domain}.key"
        csr = self.dir / f"{domain}.csr"
        ext = self.dir / f"{domain}.ext"
        ext.write_text(f"subjectAltName=DNS:{domain},DNS:*.{domain}\n"
                       "basicConstraints=CA:FALSE\n"
                       "extendedKeyUsage=serverAuth,clientAuth\n")
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-keyout", key, "-out", csr, "-subj", f"/CN={domain}")
        self._openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
                      "-CAcreateserial", "-out", crt, "-days", "3", "-extfile", ext)
        key.chmod(0o644)  # readable by peers started as another user (prosody)
        return crt, key


def tls_config(ca, domain):
    crt, key = ca.issue(domain)
    return f'\n[tls]\ncertificate = "{crt}"\nkey = "{key}"\n'


def client_cert_context(ca, cert, key):
    """TLS for a hand-driven s2s stream: trusts the test CA, presents `cert`."""
    ctx = ssl.create_default_context(cafile=str(ca.cert))
    ctx.check_hostname = False
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


class S2sStream(XmppStream):
    """A hand-driven server-to-server stream (jabber:server)."""

    def open_s2s(self, from_domain, to_domain):
        """Sends a stream header; returns the server's <stream:features/>."""
        self._reset_parser()
        self.send(f"<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                  f"xmlns:stream='http://etherx.jabber.org/streams' "
                  f"xmlns:db='jabber:server:dialback' from='{from_domain}' to='{to_domain}' "
                  f"version='1.0'>")
        self.features = self.next()
        return self.features

    def starttls_s2s(self, from_domain, to_domain):
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        proceed = self.next()
        assert proceed is not None and proceed.tag.endswith("}proceed"), proceed
        self.sock = self.tls_wrap(self.sock)
        return self.open_s2s(from_domain, to_domain)
