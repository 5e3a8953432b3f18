#!/usr/bin/python3
"""XEP-0363 upload/download throughput and parleyd's memory during a large
upload (docs/BENCHMARKS.md). Starts a real parleyd (the integration tests'
harness), logs in with slixmpp, asks for a slot, PUTs SIZE bytes over HTTPS
with http.client (streamed from one 1 MiB block, so the client holds no more
than that), samples parleyd's VmRSS every 50 ms while it runs, then GETs the
file back and checks its SHA-256.

    PARLEY_BUILD=build /usr/bin/python3 bench/upload/upload_bench.py [--size-mib 1024]
"""
import argparse
import asyncio
import hashlib
import http.client
import os
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "integration"))
from conftest import HOST, Server  # noqa: E402
from clients import Client  # noqa: E402
from test_upload import request_slot, tls_context  # noqa: E402


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.samples.append(rss_kib(self.pid))
            time.sleep(0.05)


class Body:
    """A file-like body of `size` bytes made of one repeated 1 MiB block."""
    def __init__(self, size, block):
        self.left, self.block, self.sha = size, block, hashlib.sha256()

    def read(self, n=-1):
        if self.left == 0:
            return b""
        n = len(self.block) if n < 0 else min(n, len(self.block))
        chunk = self.block[:min(n, self.left)]
        self.left -= len(chunk)
        self.sha.update(chunk)
        return chunk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    args = ap.parse_args()
    size = args.size_mib * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp), extra_config=f"[modules.upload]\nmax_file_size = {size}\nquota = 0\n")
        srv.config.write_text(srv.config.read_text().replace('log_level = "debug"', 'log_level = "info"'))
        srv.start()
        try:
            async def slot():
                c = Client(srv.add_user("bench"), roster=False)
                await c.login(srv.c2s_port)
                urls = await request_slot(c, "big.bin", size)
                await c.close()
                return urls
            put_url, get_url = asyncio.run(slot())
            pid = srv.proc.pid
            idle_rss = rss_kib(pid)
            u = urllib.parse.urlsplit(put_url)
            body = Body(size, os.urandom(1024 * 1024))
            sampler = Sampler(pid)
            sampler.start()
            conn = http.client.HTTPSConnection(u.hostname, u.port, context=tls_context(srv))
            conn.blocksize = 1024 * 1024
            t0 = time.monotonic()
            conn.request("PUT", f"{u.path}?{u.query}", body=body,
                         headers={"Content-Length": str(size),
                                  "Content-Type": "application/octet-stream"})
            res = conn.getresponse()
            res.read()
            up = time.monotonic() - t0
            sampler.stop.set()
            sampler.join()
            assert res.status == 201, res.status
            conn.close()

            g = urllib.parse.urlsplit(get_url)
            conn = http.client.HTTPSConnection(g.hostname, g.port, context=tls_context(srv))
            t0 = time.monotonic()
            conn.request("GET", g.path)
            res = conn.getresponse()
            sha = hashlib.sha256()
            got = 0
            while True:
                chunk = res.read(1024 * 1024)
                if not chunk:
                    break
                sha.update(chunk)
                got += len(chunk)
            down = time.monotonic() - t0
            conn.close()
            assert got == size and sha.digest() == body.sha.digest(), "download differs"
            s = sampler.samples
            print(f"size: {args.size_mib} MiB over HTTPS (TLS 1.3, loopback)")
            print(f"upload:   {up:.2f} s, {size / up / 1e6:.0f} MB/s")
            print(f"download: {down:.2f} s, {size / down / 1e6:.0f} MB/s (SHA-256 identical)")
            print(f"parleyd VmRSS: {idle_rss} KiB before; during the upload min {min(s)} KiB, "
                  f"max {max(s)} KiB, last {s[-1]} KiB ({len(s)} samples every 50 ms); "
                  f"after download {rss_kib(pid)} KiB")
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
