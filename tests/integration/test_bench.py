"""parley-bench and `parleyctl import` against a real parleyd (docs/BENCHMARKS.md):
a smoke run of every scenario with small numbers and no timing assertions,
exact message accounting (zero missing), the JSON lines' fields, and the
bench failing loudly when it cannot log in."""
import json
import subprocess

import pytest

from conftest import BUILD, HOST, Server

BENCH = BUILD / "parley-bench"
PASSWORD = "bench pw"
USERS = 200
RING = 6

COMMON_FIELDS = {"scenario", "time", "server", "domain", "tls", "mech", "threads", "sent",
                 "delivered", "missing", "errors", "ok", "wall_s"}


@pytest.fixture(scope="module")
def bench_server(tmp_path_factory):
    """One parleyd for the module, with USERS accounts in a roster ring of RING."""
    srv = Server(tmp_path_factory.mktemp("bench"),
                 c2s_config="stream_opens_per_minute = 0\nrequire_encryption = false")
    r = srv.ctl("import", "--pattern", f"bench%d@{HOST}", "--count", str(USERS),
                "--password", PASSWORD, "--roster-ring", str(RING))
    assert f"created {USERS} accounts" in r.stdout, r.stdout + r.stderr
    assert f"roster ring {RING}: {USERS * RING} items" in r.stdout, r.stdout
    srv.start()
    yield srv
    code = srv.stop()
    text = srv.log_text()
    assert "ERROR: AddressSanitizer" not in text, text[-5000:]
    assert "runtime error:" not in text, text[-5000:]
    assert code == 0, f"parleyd exited with {code}:\n{text[-5000:]}"


def bench(srv, tmp_path, scenario, *args, port=None, password=PASSWORD):
    out = tmp_path / "bench.jsonl"
    cmd = [str(BENCH), scenario, "--port", str(port or srv.c2s_port), "--domain", HOST,
           "--password", password, "--server-pid", str(srv.proc.pid), "--json", str(out),
           "--timeout", "60", "--quiet", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    lines = out.read_text().splitlines() if out.exists() else []
    return r, [json.loads(line) for line in lines]


def check_ok(r, lines, scenario, fields):
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert len(lines) == 1
    rec = lines[0]
    assert COMMON_FIELDS | set(fields) <= set(rec), set(COMMON_FIELDS | set(fields)) - set(rec)
    assert rec["scenario"] == scenario
    assert rec["ok"] is True
    assert rec["errors"] == 0
    assert rec["missing"] == 0
    assert rec["delivered"] == rec["sent"]
    assert f"parley-bench {scenario} (ok)" in r.stdout
    return rec


def test_login_starttls_scram_sha1(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "login", "--users", "50", "--concurrency", "10",
                     "--tls", "starttls", "--mech", "SCRAM-SHA-1")
    rec = check_ok(r, lines, "login", {"logins_per_s", "login_p50_ms", "login_p99_ms",
                                       "server_cpu_s", "server_cpu_ms_per_login"})
    assert rec["sent"] == 50 and rec["tls"] == "starttls" and rec["mech"] == "SCRAM-SHA-1"
    assert rec["login_p99_ms"] >= rec["login_p50_ms"] > 0


def test_idle_direct_tls_plain(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "idle", "--users", "100", "--tls", "direct",
                     "--mech", "PLAIN", "--duration", "1", "--concurrency", "20",
                     port=bench_server.tls_port)
    rec = check_ok(r, lines, "idle", {"sessions", "server_rss_before_kb", "server_rss_after_kb",
                                      "server_rss_per_session_kb", "bench_rss_per_session_kb"})
    assert rec["sessions"] == 100 and rec["delivered"] == 100  # every session answered its ping


def test_idle_plaintext(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "idle", "--users", "100", "--duration", "0.5")
    check_ok(r, lines, "idle", {"server_rss_per_session_kb"})


def test_throughput(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "throughput", "--pairs", "10", "--window", "5",
                     "--duration", "2", "--threads", "2")
    rec = check_ok(r, lines, "throughput", {"pairs", "window", "messages_per_s", "duplicates",
                                            "server_cpu_s", "server_cpu_s_per_100k"})
    assert rec["sent"] > 0 and rec["duplicates"] == 0


def test_throughput_over_starttls(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "throughput", "--pairs", "5", "--window", "3",
                     "--duration", "1", "--tls", "starttls")
    check_ok(r, lines, "throughput", {"messages_per_s"})


def test_latency(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "latency", "--pairs", "10", "--rate", "200",
                     "--duration", "2")
    rec = check_ok(r, lines, "latency", {"rate", "latency_p50_ms", "latency_p99_ms",
                                         "latency_p999_ms", "offered_per_s"})
    assert rec["sent"] == 400  # 200/s for 2 s, exactly
    assert rec["latency_p999_ms"] >= rec["latency_p99_ms"] >= rec["latency_p50_ms"] > 0


def test_presence_storm(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "presence", "--users", "30", "--roster", str(RING),
                     "--tls", "starttls")
    rec = check_ok(r, lines, "presence", {"roster", "presence_stanzas", "presence_per_s",
                                          "storm_s"})
    # bench1..bench30 in a ring of 200 with 3 neighbours each way: the first and
    # last three miss the contacts outside 1..30 (1+2+3 each side).
    assert rec["sent"] == 30 * RING - 2 * (1 + 2 + 3)
    assert rec["presence_stanzas"] >= rec["sent"]


def test_muc_room(bench_server, tmp_path):
    """The large-room scenario, small: 30 occupants, 5 messages, each to all 30."""
    r, lines = bench(bench_server, tmp_path, "muc", "--users", "30", "--messages", "5")
    rec = check_ok(r, lines, "muc", {"occupants", "messages_sent", "join_s", "to_all_p50_ms",
                                     "to_all_max_ms", "latency_p50_ms",
                                     "server_cpu_us_per_delivery"})
    assert rec["messages_sent"] == 5
    assert rec["sent"] == rec["delivered"] == 5 * 30  # the sender's echo included (XEP-0045 §7.4)
    assert rec["to_all_max_ms"] >= rec["to_all_p50_ms"] > 0


def test_source_addresses(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "login", "--users", "20",
                     "--source-addresses", "127.0.0.1-127.0.0.4", "--host", "127.0.0.1")
    check_ok(r, lines, "login", set())


def test_wrong_password_fails_loudly(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "login", "--users", "3", password="not the password")
    assert r.returncode != 0
    assert "not-authorized" in r.stderr
    assert "--password" in r.stderr  # says what to check
    assert "FAILED" in r.stderr and "FAILED" in r.stdout
    assert lines[0]["ok"] is False and lines[0]["errors_sasl"] == 3 and lines[0]["missing"] == 3


def test_wrong_password_stops_messaging_scenarios(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "throughput", "--pairs", "2", "--duration", "1",
                     password="nope")
    assert r.returncode != 0
    assert "not-authorized" in r.stderr
    assert lines[0]["errors"] >= 4


def test_roster_mismatch_fails_loudly(bench_server, tmp_path):
    r, lines = bench(bench_server, tmp_path, "presence", "--users", "10", "--roster", "100")
    assert r.returncode != 0
    assert "parleyctl import --roster-ring 100" in r.stderr


def test_plain_without_tls_is_refused_with_a_reason(bench_server, tmp_path):
    r, _ = bench(bench_server, tmp_path, "login", "--users", "1", "--mech", "PLAIN")
    assert r.returncode != 0
    assert "PLAIN" in r.stderr and "TLS" in r.stderr


# --- parleyctl import -----------------------------------------------------------------

def test_import_is_idempotent_and_reports_time(tmp_path):
    srv = Server(tmp_path)
    args = ["import", "--pattern", f"u%d@{HOST}", "--count", "50", "--password", "pw"]
    first = srv.ctl(*args)
    assert "created 50 accounts (0 existed already)" in first.stdout
    assert " s" in first.stdout and "import done in" in first.stdout
    again = srv.ctl(*args, "--start", "41")  # u41..u90: 10 exist
    assert "created 40 accounts (10 existed already)" in again.stdout
    users = srv.ctl("listusers").stdout.split()
    assert len(users) == 90 and f"u90@{HOST}" in users and f"u0@{HOST}" not in users


def test_import_csv_with_distinct_passwords(tmp_path):
    srv = Server(tmp_path, c2s_config="require_encryption = false")
    csv = tmp_path / "accounts.csv"
    csv.write_text("# jid,password\n" + "".join(f"c{i}@{HOST},secret,{i}\n" for i in range(5)))
    r = srv.ctl("import", "--csv", str(csv))
    assert "created 5 accounts" in r.stdout and "5 distinct passwords" in r.stdout
    srv.start()
    try:
        # The password is everything after the first comma: "secret,3".
        out = tmp_path / "b.jsonl"
        ok = subprocess.run([str(BENCH), "login", "--port", str(srv.c2s_port), "--users", "1",
                             "--user-pattern", "c%d", "--first-user", "3",
                             "--password", "secret,3", "--quiet", "--json", str(out)],
                            capture_output=True, text=True, timeout=60)
        assert ok.returncode == 0, ok.stderr
        bad = subprocess.run([str(BENCH), "login", "--port", str(srv.c2s_port), "--users", "1",
                              "--user-pattern", "c%d", "--first-user", "3",
                              "--password", "secret,2", "--quiet"],
                             capture_output=True, text=True, timeout=60)
        assert bad.returncode != 0
    finally:
        assert srv.stop() == 0


def test_import_usage_errors(tmp_path):
    srv = Server(tmp_path)
    r = srv.ctl("import", "--pattern", f"b@{HOST}", "--count", "3", "--password", "pw",
                check=False)
    assert r.returncode != 0 and "%d" in r.stderr
    r = srv.ctl("import", "--pattern", f"b%d@{HOST}", "--count", "3", "--password", "pw",
                "--roster-ring", "3", check=False)
    assert r.returncode != 0 and "even" in r.stderr
    r = srv.ctl("import", "--pattern", "b%d@elsewhere.example", "--count", "3",
                "--password", "pw", check=False)
    assert r.returncode != 0 and "not a host of this server" in r.stderr
    r = srv.ctl("import", check=False)
    assert r.returncode != 0


# --- the bench's own accounting, against a server that misbehaves on purpose ---------

class FakeServer:
    """A tiny XMPP server (plaintext, PLAIN accepted for anyone, binding to
    NAME@localhost/r) that relays chat messages between its sessions and
    misbehaves as told: 'drop' loses the message with sequence number 3 of
    every sender, 'dup' delivers it twice, 'garbage' replaces it with a
    message the bench never sent, 'stream-error' ends every stream with
    <policy-violation/> after binding, 'bad-xml' sends malformed XML."""

    def __init__(self, mode):
        import asyncio
        import threading
        self.mode = mode
        self.sessions = {}
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(
                asyncio.start_server(self.handle, "127.0.0.1", 0))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
              "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='x' "
              "version='1.0'>")

    async def handle(self, reader, writer):
        import base64
        import re
        buf = ""

        async def until(pattern):
            nonlocal buf
            while True:
                m = re.search(pattern, buf, re.S)
                if m:
                    buf = buf[m.end():]
                    return m
                data = await reader.read(65536)
                if not data:
                    raise ConnectionError("closed")
                buf += data.decode()

        try:
            await until(r"<stream:stream[^>]*>")
            writer.write((self.HEADER + "<stream:features><mechanisms xmlns="
                          "'urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
                          "</mechanisms></stream:features>").encode())
            auth = await until(r"<auth[^>]*>([^<]*)</auth>")
            user = base64.b64decode(auth.group(1)).split(b"\0")[1].decode()
            writer.write(b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
            await until(r"<stream:stream[^>]*>")
            writer.write((self.HEADER + "<stream:features><bind xmlns="
                          "'urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>").encode())
            await until(r"<iq[^>]*>.*?</iq>")
            jid = f"{user}@localhost/r"
            self.sessions[jid] = writer
            writer.write((f"<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:"
                          f"xmpp-bind'><jid>{jid}</jid></bind></iq>").encode())
            if self.mode == "stream-error":
                writer.write(b"<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:"
                             b"xmpp-streams'/></stream:error></stream:stream>")
                await writer.drain()
                writer.close()
                return
            if self.mode == "bad-xml":
                writer.write(b"<message><body>unclosed</message>")
            while True:
                m = await until(r"<message to='([^']*)'[^>]*><body>(\d+) (.*?)</body></message>"
                                r"|</stream:stream>")
                if m.group(0) == "</stream:stream>":
                    writer.write(b"</stream:stream>")
                    await writer.drain()
                    writer.close()
                    return
                to, seq = m.group(1), int(m.group(2))
                out = (f"<message from='{jid}' to='{to}' type='chat'><body>{seq} "
                       f"{m.group(3)}</body></message>")
                copies = 1
                if seq == 3 and self.mode == "drop":
                    copies = 0
                elif seq == 3 and self.mode == "dup":
                    copies = 2
                elif seq == 3 and self.mode == "garbage":
                    out = f"<message from='{jid}' to='{to}' type='chat'><body>hello</body></message>"
                target = self.sessions.get(to)
                if target:
                    target.write(out.encode() * copies)
        except (ConnectionError, IndexError, UnicodeDecodeError):
            writer.close()


def fake_bench(mode, scenario="throughput", *args):
    fake = FakeServer(mode)
    try:
        cmd = [str(BENCH), scenario, "--port", str(fake.port), "--mech", "PLAIN", "--quiet",
               "--timeout", "20", "--drain-timeout", "2", *args]
        if scenario == "throughput":
            cmd += ["--pairs", "3", "--window", "4", "--duration", "1"]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        fake.close()


def test_fake_server_that_relays_everything_passes():
    r = fake_bench("ok")
    assert r.returncode == 0, r.stdout + r.stderr
    assert any(line.split() == ["missing", "0"] for line in r.stdout.splitlines()), r.stdout


def test_counts_every_lost_message():
    r = fake_bench("drop")
    assert r.returncode == 1, r.stdout + r.stderr
    # One lost message per direction: 3 pairs, 6 directions.
    assert any(line.split() == ["missing", "6"] for line in r.stdout.splitlines()), r.stdout
    assert "never arrived (first: 3)" in r.stderr
    assert "FAILED: 0 errors, 6 missing" in r.stderr


def test_counts_every_duplicated_message():
    r = fake_bench("dup")
    assert r.returncode == 1, r.stdout + r.stderr
    assert any(line.split() == ["duplicates", "6"] for line in r.stdout.splitlines()), r.stdout
    assert "arrived twice" in r.stderr


def test_a_message_the_bench_never_sent_is_an_error_and_the_real_one_is_missing():
    r = fake_bench("garbage")
    assert r.returncode == 1
    assert "not one the bench sent" in r.stderr
    assert any(line.split() == ["missing", "6"] for line in r.stdout.splitlines()), r.stdout


def test_a_stream_error_fails_loudly():
    r = fake_bench("stream-error", "idle", "--users", "2", "--duration", "0")
    assert r.returncode == 1
    assert "stream error <policy-violation/>" in r.stderr


def test_malformed_xml_fails_loudly():
    r = fake_bench("bad-xml", "idle", "--users", "1", "--duration", "0")
    assert r.returncode == 1
    assert "bad XML" in r.stderr
