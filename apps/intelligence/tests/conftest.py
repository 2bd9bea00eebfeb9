import pytest
from dnslib import RCODE
from dnslib.server import BaseResolver, DNSLogger, DNSServer
from dnslib.zoneresolver import ZoneResolver

from testing.fake_enrichment import FakeNts


@pytest.fixture
def fake_nts(settings):
    """The fake NTS API, and the settings that point the enrichment at it (no homepage reads)."""
    with FakeNts() as fake:
        settings.NTS_API_URL = fake.url
        settings.NTS_SERVICE_KEY = fake.service_key
        settings.NTS_BACKOFF = 0.01
        settings.ENRICHMENT_PROVIDERS = ["salesone_db", "nts"]
        yield fake


@pytest.fixture
def national_db_only(settings):
    settings.ENRICHMENT_PROVIDERS = ["salesone_db"]


class _ZoneResolver(BaseResolver):
    """Answers from a zone text; every name answers SERVFAIL when ``down`` (a resolver that is out)."""

    def __init__(self):
        self.zone = ZoneResolver("")
        self.down = False
        self.queries: list[str] = []

    def resolve(self, request, handler):
        self.queries.append(str(request.q.qname).rstrip("."))
        if self.down:
            reply = request.reply()
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        return self.zone.resolve(request, handler)


@pytest.fixture
def dns_zone(settings):
    """A DNS server on 127.0.0.1 (dnslib) the resolver asks; set ``.zone = ZoneResolver(text)``."""
    resolver = _ZoneResolver()
    server = DNSServer(
        resolver, address="127.0.0.1", port=0, logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data")
    )
    server.start_thread()
    settings.DNS_NAMESERVERS = ["127.0.0.1"]
    settings.DNS_PORT = server.server.server_address[1]
    settings.DNS_TIMEOUT = 2.0
    settings.HYGIENE_MX_CHECK = True
    yield resolver
    server.stop()
