"""Browser clients for the tests (issue 8): Converse.js in headless Chromium,
driven by tests/web/converse_chat.mjs (playwright-core, Debian's chromium),
and Prosody as a reference WebSocket server (RFC 7395) to validate that
harness against a server known to work.

Artifacts (screenshot, browser console, WebSocket frames, the page's HTML on
failure) go to $PARLEY_ARTIFACTS, by default <build dir>/test-artifacts."""
import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

from conftest import BUILD, PASSWORD, ROOT, free_port

WEB = ROOT / "tests" / "web"
DRIVER = WEB / "converse_chat.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "run scripts/install-deps --test (as root): it installs chromium and runs npm ci in tests/web"


def artifacts_dir():
    d = Path(os.environ.get("PARLEY_ARTIFACTS", BUILD / "test-artifacts")).resolve()
    d.mkdir(parents=True, exist_ok=True)
    return d


def require_browser():
    """Fails (never skips) when the browser, Node.js or the npm packages are missing."""
    missing = [p for p in ("node",) if shutil.which(p) is None]
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    for pkg in ("playwright-core", "converse.js"):
        if not (WEB / "node_modules" / pkg / "package.json").exists():
            missing.append(f"tests/web/node_modules/{pkg}")
    if missing:
        raise AssertionError(f"{', '.join(missing)} missing: {INSTALL_HINT}")


class ConverseChat:
    """One run of converse_chat.mjs: a person logs in to Converse.js with
    `jid`, waits for `expect` from `peer`, answers `reply`. Use as an async
    context manager; await the events in order with expect_event()."""

    def __init__(self, websocket_url, jid, peer, expect, reply, password=PASSWORD,
                 name="converse-chat", timeout=20):
        self.timeout = timeout
        self.dir = artifacts_dir()
        self.name = name
        self.args = json.dumps({
            "websocket_url": websocket_url, "jid": jid, "password": password, "peer": peer,
            "expect": expect, "reply": reply, "artifacts": str(self.dir), "name": name,
            "page_port": free_port(), "timeout_ms": int(timeout * 1000)})
        self.events = []
        self.reported = False  # diagnostics already in an assertion message
        self.stderr = b""
        self.proc = None

    async def __aenter__(self):
        require_browser()
        self.proc = await asyncio.create_subprocess_exec(
            "node", str(DRIVER), self.args, cwd=str(WEB), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if self.proc.returncode is None:
            try:
                self.proc.stdin.close()  # the driver writes its logs and ends
                await asyncio.wait_for(self.proc.wait(), 15)
            except (asyncio.TimeoutError, BrokenPipeError, ConnectionResetError):
                self.proc.kill()  # our own child, by its PID
                await self.proc.wait()
        if exc_type is not None and not self.reported:
            # A failure outside expect_event (the other party's side): the
            # browser's view of it, now that the driver has written its logs.
            print(self.diagnostics())
        return False

    def diagnostics(self):
        """What the driver reported and wrote: printed in assertion messages."""
        text = [f"driver events: {self.events}"]
        if self.stderr:
            text.append("driver stderr:\n" + self.stderr.decode(errors="replace")[-3000:])
        for suffix in ("-console.log", "-websocket.log", "-page.html"):
            f = self.dir / (self.name + suffix)
            if f.exists():
                text.append(f"--- {f} (end) ---\n" + f.read_text(errors="replace")[-6000:])
        return "\n".join(text)

    async def expect_event(self, name):
        """The driver's next event, which must be `name` (else: fails with the
        browser console, the WebSocket frames and the page's HTML)."""
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), self.timeout + 10)
        except asyncio.TimeoutError:
            line = b""
        if not line:
            await self._finish()
            self.reported = True
            raise AssertionError(f"driver ended (or hung) before '{name}'\n{self.diagnostics()}")
        event = json.loads(line)
        self.events.append(event)
        if event.get("event") != name:
            await self._finish()
            self.reported = True
            raise AssertionError(f"expected '{name}', driver said {event.get('event')}: "
                                 f"{event.get('step')} {event.get('message')}\n{self.diagnostics()}")
        return SimpleNamespace(**event)

    async def confirm(self):
        """Tells the driver the other party got what it waited for."""
        self.proc.stdin.write(b"ok\n")
        await self.proc.stdin.drain()

    async def _finish(self):
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self.stderr = await self.proc.stderr.read()


class ProsodyWebSocket:
    """Debian's Prosody with mod_websocket on a plain-HTTP loopback port, in
    the foreground as the prosody user (shared/PEERS.md), stopped by PID."""

    def __init__(self, work, domain, cert, key):
        from peers import compare, HERE
        self.compare = compare
        self.domain = domain
        self.dir = Path(work)
        self.c2s_port, self.http_port = free_port(), free_port()
        data = self.dir / "data"
        data.mkdir(parents=True)
        shutil.copy(cert, self.dir / "cert.pem")
        shutil.copy(key, self.dir / "key.pem")
        os.chmod(self.dir / "key.pem", 0o600)
        self.config = self.dir / "prosody.cfg.lua"
        compare.write_as(self.config, compare.fill(HERE / "prosody-websocket.cfg.lua.in", {
            "DOMAIN": domain, "DATA_DIR": data, "C2S_PORT": self.c2s_port,
            "HTTP_PORT": self.http_port, "CERT": self.dir / "cert.pem", "KEY": self.dir / "key.pem"}))
        compare.chown_tree(self.dir, "prosody")
        self.websocket_url = f"ws://127.0.0.1:{self.http_port}/xmpp-websocket"
        self.proc = None

    def as_user(self):
        return ["setpriv", "--reuid=prosody", "--regid=prosody", "--init-groups", "--"]

    def add_user(self, local, password=PASSWORD):
        self.compare.run(self.as_user() + ["prosodyctl", "--config", str(self.config), "register",
                                           local, self.domain, password], 60, "prosodyctl register")
        return f"{local}@{self.domain}"

    def start(self):
        out = open(self.dir / "stdout.log", "ab")
        self.proc = subprocess.Popen(self.as_user() + ["prosody", "--config", str(self.config), "-F"],
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.dir, start_new_session=True)
        out.close()
        self.compare.wait_xmpp(self.c2s_port, self.domain, 30, "prosody")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # our own child, by its PID
                self.proc.wait()

    def log_text(self):
        return "\n".join(p.read_text(errors="replace")[-6000:]
                         for p in (self.dir / "stdout.log", self.dir / "data" / "prosody.log")
                         if p.exists())
