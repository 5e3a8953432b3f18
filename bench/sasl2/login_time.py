"""Time to a bound session after TLS: RFC 6120 (SCRAM, stream restart, bind
iq: 4 round trips) vs XEP-0388 SASL2 + XEP-0386 Bind 2 with SCRAM (2 round
trips) vs XEP-0484 FAST + Bind 2 (1 round trip). A real parleyd, the test
suite's hand-written client streams. Usage (Debian's python, for slixmpp):
    PARLEY_BUILD=build /usr/bin/python3 bench/sasl2/login_time.py [N]
"""
import sys, time, uuid, tempfile, statistics
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "integration"))
from conftest import Server, running
from test_sasl import Scram, scram_exchange
from test_sasl2 import *
from clients import XmppStream, NS_SASL

N = int(sys.argv[1]) if len(sys.argv) > 1 else 50
srv = Server(Path(tempfile.mkdtemp()), auth_failures_per_minute=0, c2s_config="stream_opens_per_minute = 0")
with running(srv):
    srv.add_user("alice")
    ua = str(uuid.uuid4())
    token, _ = request_token(srv.c2s_port, "alice", ua)
    res = {"rfc6120": [], "sasl2": [], "fast": []}
    for i in range(N):
        st = XmppStream(srv.c2s_port); st.starttls()
        t = time.perf_counter()
        ok = scram_exchange(st, "SCRAM-SHA-256", Scram("alice"))
        assert ok.tag == q(NS_SASL, "success")
        st.open(); st.bind()
        res["rfc6120"].append(time.perf_counter() - t); st.close()

        st = connect(srv.c2s_port, "alice")
        t = time.perf_counter()
        ok = st.scram(extra=bind2()); assert ok.tag == q(NS_SASL2, "success")
        res["sasl2"].append(time.perf_counter() - t); st.close()

        st = connect(srv.c2s_port, "alice", ua)
        t = time.perf_counter()
        ok = st.fast(token, extra=bind2()); assert ok.tag == q(NS_SASL2, "success")
        res["fast"].append(time.perf_counter() - t); st.close()
    for k, v in res.items():
        print(f"{k:8s} median {statistics.median(v)*1000:.2f} ms  p90 {sorted(v)[int(len(v)*0.9)]*1000:.2f} ms  (n={len(v)})")
