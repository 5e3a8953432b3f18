"""Real federation peers for the interoperability tests: Debian's Prosody
0.12 and ejabberd 23.01, each started from a template in peers/ with its own
config, data directory and free loopback ports, stopped by the PID started;
and a DNS stub (dnspython) answering the _xmpp-server._tcp SRV records of the
test domains, which all three servers use to find each other (RFC 6120 §3.2.1).

The process handling (templates, waiting for a port to speak XMPP, stopping
by PID) is bench/compare's, loaded from there, so benchmarks and tests start
the peers the same way (shared/PEERS.md)."""
import importlib.machinery
import importlib.util
import os
import re
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

from conftest import PASSWORD, ROOT, free_port

HERE = Path(__file__).resolve().parent / "peers"
INSTALL_HINT = "run scripts/install-deps --test (as root) to install them"


def _load_compare():
    loader = importlib.machinery.SourceFileLoader("bench_compare", str(ROOT / "bench" / "compare"))
    spec = importlib.util.spec_from_loader("bench_compare", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


compare = _load_compare()


def require(*programs):
    """Fails (never skips) when a peer is not installed."""
    missing = [p for p in programs if shutil.which(p) is None]
    if not Path("/usr/share/doc/lua-unbound").exists():
        missing.append("lua-unbound")  # without it Prosody ignores the DNS stub
    try:
        import dns.message  # noqa: F401
    except ImportError:
        missing.append("python3-dnspython")
    if missing:
        raise AssertionError(f"{', '.join(missing)} not installed: {INSTALL_HINT}")
    if os.getuid() != 0:
        raise AssertionError("the interop tests start Prosody and ejabberd as their own system "
                             "users: run them as root")


def workdir():
    """A directory the peers' system users can reach (pytest's are root-only)."""
    d = Path(tempfile.mkdtemp(prefix="parley-interop-"))
    os.chmod(d, 0o755)
    return d


class DnsStub:
    """UDP DNS on 127.0.0.1: _xmpp-server._tcp.DOMAIN SRV 0 0 PORT localhost.
    for each registered domain and localhost. A 127.0.0.1; the names above
    those (DOMAIN, _tcp.DOMAIN) exist without data, every other name is
    NXDOMAIN (so _xmpps-server._tcp and the A/AAAA fallbacks find nothing)."""

    def __init__(self):
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rdatatype
        import dns.rrset
        self._dns = dns
        self.records = {}  # domain -> s2s port
        self.queries = []  # (name, type, rcode, answers) seen, for diagnostics
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def add(self, domain, port):
        self.records[domain.lower()] = port

    def _answer(self, wire):
        dns = self._dns
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA | dns.flags.AA
        q = query.question[0]
        name = q.name.to_text().lower()
        prefix = "_xmpp-server._tcp."
        domain = name[len(prefix):].rstrip(".") if name.startswith(prefix) else None
        if domain in self.records:
            if q.rdtype == dns.rdatatype.SRV:
                response.answer.append(dns.rrset.from_text(
                    q.name, 5, "IN", "SRV", f"0 0 {self.records[domain]} localhost."))
        elif name == "localhost.":
            if q.rdtype == dns.rdatatype.A:
                response.answer.append(dns.rrset.from_text(q.name, 5, "IN", "A", "127.0.0.1"))
        elif not any(f"{prefix}{d}.".endswith("." + name) for d in self.records):
            # Names above a record exist, as in a real zone: an NXDOMAIN for
            # DOMAIN or _tcp.DOMAIN would deny the whole subtree (RFC 8020).
            response.set_rcode(dns.rcode.NXDOMAIN)
        self.queries.append((name, dns.rdatatype.to_text(q.rdtype), dns.rcode.to_text(response.rcode()),
                             len(response.answer)))
        return response.to_wire()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                wire, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(wire), addr)
            except Exception:  # a query we cannot parse: no answer, like a lost packet
                pass

    def stop(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()


def _copy_certs(ca_pairs, directory, owner):
    """Copies (cert, key) pairs into directory, readable by owner."""
    out = []
    for crt, key in ca_pairs:
        c, k = directory / crt.name, directory / key.name
        shutil.copy(crt, c)
        shutil.copy(key, k)
        os.chmod(k, 0o600)
        shutil.chown(c, owner, owner)
        shutil.chown(k, owner, owner)
        out.append((c, k))
    return out


class Peer:
    """Mixed into bench/compare's Prosody and Ejabberd, which start them (spawn,
    waiting for stream features) and stop them by PID."""

    def log_text(self):
        return "\n".join(p.read_text(errors="replace") for p in self.log_files() if p.exists())


class Prosody(Peer, compare.Prosody):
    def __init__(self, work, domain, cert, key, ca, dns, secure_auth):
        super().__init__(f"prosody-{domain}", SimpleNamespace(pin=False, domain=domain), work)
        self.domain = domain
        self.ports = {"c2s": free_port(), "s2s": free_port()}
        data = self.dir / "data"
        data.mkdir()
        ((cert, key),) = _copy_certs([(cert, key)], self.dir, self.user)
        ca_copy = self.dir / "ca.crt"
        shutil.copy(ca, ca_copy)
        self.config = self.dir / "prosody.cfg.lua"
        compare.write_as(self.config, compare.fill(HERE / "prosody.cfg.lua.in", {
            "DOMAIN": domain, "DATA_DIR": data, "C2S_PORT": self.ports["c2s"],
            "S2S_PORT": self.ports["s2s"], "DNS_PORT": dns.port, "CERT": cert, "KEY": key,
            "CA": ca_copy, "SECURE_AUTH": "true" if secure_auth else "false"}))
        compare.chown_tree(self.dir, self.user)
        dns.add(domain, self.ports["s2s"])

    def log_files(self):
        return [self.dir / "stdout.log", self.dir / "data" / "prosody.log"]

    def external_lines(self, remote):
        """Patterns of what this peer logs when `remote` authenticated to it,
        and it to `remote`, with SASL EXTERNAL."""
        return [f"Accepting SASL EXTERNAL identity from {re.escape(remote)}\\b",
                f"SASL EXTERNAL with {re.escape(remote)} succeeded"]

    def add_user(self, local, host, password=PASSWORD):
        compare.run(self.as_user() + ["prosodyctl", "--config", str(self.config), "register",
                                      local, host, password], 60, "prosodyctl register")
        return f"{local}@{host}"


class Ejabberd(Peer, compare.Ejabberd):
    """One ejabberd with two virtual hosts: `domain` (certificate from the
    trusted test CA) and `db_domain` (certificate from an untrusted CA)."""
    def __init__(self, work, domain, db_domain, certs, ca, dns):
        super().__init__("ejabberd", SimpleNamespace(pin=False, domain=domain), work)
        self.domain, self.db_domain = domain, db_domain
        self.ports = {"c2s": free_port(), "s2s": free_port(), "dist": free_port()}
        self.node = f"interop{os.getpid()}@localhost"
        d = self.dir
        for sub in ("spool", "logs", "modules.d", "modules"):
            (d / sub).mkdir()
        (cert, key), (db_cert, db_key) = _copy_certs(certs, d, self.user)
        ca_copy = d / "ca.crt"
        shutil.copy(ca, ca_copy)
        values = {"DOMAIN": domain, "DB_DOMAIN": db_domain, "DIR": d, "NODE": self.node,
                  "DIST_PORT": self.ports["dist"], "C2S_PORT": self.ports["c2s"],
                  "S2S_PORT": self.ports["s2s"], "DNS_PORT": dns.port, "CA": ca_copy,
                  "CERT": cert, "KEY": key, "DB_CERT": db_cert, "DB_KEY": db_key}
        for name in ("ejabberd.yml", "ejabberdctl.cfg", "inetrc"):
            compare.write_as(d / name, compare.fill(HERE / f"{name}.in", values))
        compare.chown_tree(d, self.user)
        # HOME holds the Erlang cookie shared by the node and ejabberdctl.
        self.env = dict(os.environ, HOME=str(d), ERL_INETRC=str(d / "inetrc"))
        self.ctl = self.as_user() + ["ejabberdctl", "--config-dir", str(d), "--ctl-config",
                                     str(d / "ejabberdctl.cfg"), "--spool", str(d / "spool"),
                                     "--logs", str(d / "logs")]
        dns.add(domain, self.ports["s2s"])
        dns.add(db_domain, self.ports["s2s"])

    def log_files(self):
        return [self.dir / "stdout.log", self.dir / "logs" / "ejabberd.log",
                self.dir / "logs" / "error.log"]

    def external_lines(self, remote):
        return [f"Accepted inbound s2s EXTERNAL authentication {re.escape(remote)} -> ",
                f"Accepted outbound s2s EXTERNAL authentication \\S+ -> {re.escape(remote)} "]

    def add_user(self, local, host, password=PASSWORD):
        compare.run(self.ctl + ["register", local, host, password], 60, "ejabberdctl register",
                    env=self.env, cwd=self.dir)
        return f"{local}@{host}"
