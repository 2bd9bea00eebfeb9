"""Deliverability fixtures: a DNS server on 127.0.0.1 (dnslib) answering from fixture zones, and a
real SpamAssassin daemon (Debian's spamd) on a free loopback port, started once per session."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from dnslib import QTYPE, RCODE
from dnslib.server import BaseResolver, DNSLogger, DNSServer
from dnslib.zoneresolver import ZoneResolver


class FixtureResolver(BaseResolver):
    """Answers from a zone text; names listed in ``servfail`` get SERVFAIL (a broken name server)."""

    def __init__(self):
        self.zone = ZoneResolver("")
        self.servfail: set[str] = set()
        self.queries: list[tuple[str, str]] = []

    def load(self, zone_text: str) -> None:
        self.zone = ZoneResolver(zone_text)

    def resolve(self, request, handler):
        name = str(request.q.qname).rstrip(".").lower()
        self.queries.append((name, QTYPE[request.q.qtype]))
        if name in self.servfail:
            reply = request.reply()
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        return self.zone.resolve(request, handler)


@pytest.fixture(scope="session")
def _dns_server():
    resolver = FixtureResolver()
    server = DNSServer(
        resolver, address="127.0.0.1", port=0, logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data")
    )
    server.start_thread()
    yield resolver, server.server.server_address[1]
    server.stop()


@pytest.fixture
def dns_zone(_dns_server, settings):
    """Point the resolver at the fixture server; call the result with zone text to serve it."""
    resolver, port = _dns_server
    settings.DNS_NAMESERVERS = ["127.0.0.1"]
    settings.DNS_PORT = port
    settings.DNS_TIMEOUT = 2.0
    resolver.load("")
    resolver.servfail.clear()
    resolver.queries.clear()
    return resolver


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spamd_binary() -> str:
    binary = shutil.which("spamd") or ("/usr/sbin/spamd" if os.path.exists("/usr/sbin/spamd") else None)
    if binary is None:
        # A missing daemon fails the suite instead of skipping the check: .ci/run installs it.
        pytest.fail("spamd is not installed: apt-get install -y --no-install-recommends spamd spamassassin")
    return binary


@pytest.fixture(scope="session")
def spamd_url():
    """A real spamd on a free loopback port: local rules only (no DNS or network tests), no Bayes."""
    home = tempfile.mkdtemp(prefix="salesone-spamd-")
    port = _free_port()
    process = subprocess.Popen(
        [
            _spamd_binary(),
            f"--listen=127.0.0.1:{port}",
            "--local",
            "--nouser-config",
            "--min-children=1",
            "--max-children=2",
            "--syslog=stderr",
            f"--helper-home-dir={home}",
            f"--pidfile={home}/spamd.pid",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(f"{home}/spamd.log", "wb"),  # noqa: SIM115 — the daemon writes it until the session ends
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = Path(home, "spamd.log").read_text(errors="replace")
                pytest.fail(f"spamd did not start: {log[-2000:]}")
            time.sleep(0.1)
    yield f"spamd://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def spamd(spamd_url, settings):
    settings.SPAMD_URL = spamd_url
    settings.SPAMD_TIMEOUT = 30.0
    return spamd_url
