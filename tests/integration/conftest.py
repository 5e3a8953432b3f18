"""Integration test harness: a real parleyd on free loopback ports with a
temporary data directory, accounts created with the real parleyctl, and real
client libraries (slixmpp, aioxmpp) talking to it.

Run with Debian's interpreter, which has the client libraries:
    PARLEY_BUILD=build /usr/bin/python3 -m pytest tests/integration
"""
import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("PARLEY_BUILD", ROOT / "build"))
PARLEYD = BUILD / "parleyd"
PARLEYCTL = BUILD / "parleyctl"
HOST = "localhost"
PASSWORD = "correct horse battery staple"


def _ephemeral_low():
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_EPHEMERAL_LOW = _ephemeral_low()
_given_ports = set()


def free_port():
    """A free TCP port on loopback, below the kernel's ephemeral range: the
    outgoing connections of the tests and of the servers (s2s, clients) take
    their local ports from that range, so one of them could otherwise take a
    port between our choosing it and parleyd binding it. Never the same port
    twice in one run."""
    low = max(1024, _EPHEMERAL_LOW - 12000)
    for _ in range(1000):
        port = random.randrange(low, _EPHEMERAL_LOW)
        if port in _given_ports:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given_ports.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


def closed_port():
    """A UDP port on loopback that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One parleyd process and its config."""

    def __init__(self, tmp: Path, extra_config: str = "", c2s_config: str = "",
                 auth_failures_per_minute: int = 20, host: str = HOST, s2s_config: str = "",
                 dns_port: int = None, http_config: str = ""):
        """extra_config goes at the end of the file (start it with a [table]);
        c2s_config, s2s_config and http_config add lines to the [c2s], [s2s]
        and [http] tables (HTTPS listens on a free port, self.https_port).
        Federation listens on a free port; DNS goes to dns_port on loopback,
        by default a closed port, so a remote domain without a static route is
        unreachable at once."""
        self.dir = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.c2s_port = free_port()
        self.tls_port = free_port()
        self.component_port = free_port()
        self.s2s_port = free_port()
        self.https_port = free_port()
        self.config = tmp / "parley.toml"
        self.log = tmp / "parleyd.log"
        self.config.write_text(f"""
hosts = ["{host}"]
data_dir = "{tmp / 'data'}"
workers = 2
log_level = "debug"

[c2s]
bind = "127.0.0.1"
port = {self.c2s_port}
direct_tls_port = {self.tls_port}
auth_failures_per_minute = {auth_failures_per_minute}
{c2s_config}

[s2s]
bind = "127.0.0.1"
port = {self.s2s_port}
dns_servers = "127.0.0.1:{dns_port or closed_port()}"
{s2s_config}

[http]
bind = "127.0.0.1"
port = {self.https_port}
{http_config}

[components]
bind = "127.0.0.1"
port = {self.component_port}
secrets = {{ "gateway.{host}" = "s3cret" }}
{extra_config}
""")
        self.proc = None

    def ctl(self, *args, input=None, check=True):
        return subprocess.run([str(PARLEYCTL), "--config", str(self.config), *args],
                              input=input, capture_output=True, text=True, check=check, timeout=60)

    def add_user(self, local, password=PASSWORD):
        self.ctl("adduser", f"{local}@{self.host}", password)
        return f"{local}@{self.host}"

    def start(self):
        self.logfile = open(self.log, "w")
        self.started_at = time.time()
        self.proc = subprocess.Popen([str(PARLEYD), "--config", str(self.config)],
                                     stdout=self.logfile, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"parleyd exited with {self.proc.returncode}:\n{self.log_text()}")
            if "ready." in self.log_text():
                return
            time.sleep(0.05)
        raise RuntimeError(f"parleyd did not become ready:\n{self.log_text()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("parleyd did not stop on SIGTERM")
        self.logfile.close()
        return self.proc.returncode

    def log_text(self):
        return self.log.read_text(errors="replace")


def stop_and_check(srv):
    """Stops parleyd; a sanitizer report or a crash fails the test that caused it."""
    code = srv.stop()
    text = srv.log_text()
    assert "ERROR: AddressSanitizer" not in text, text[-5000:]
    assert "runtime error:" not in text, text[-5000:]
    assert code == 0, f"parleyd exited with {code}:\n{text[-5000:]}"


@contextlib.contextmanager
def running(*servers, stop=stop_and_check):
    """Starts the servers (anything with start()) in order; stops each one
    started with `stop` after, whatever happens (by default parleyd's
    stop_and_check: sanitizer reports, exit code)."""
    started = []
    try:
        for srv in servers:
            srv.start()
            started.append(srv)
        yield servers
    finally:
        for srv in started:
            stop(srv)


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path)
    srv.start()
    yield srv
    stop_and_check(srv)
