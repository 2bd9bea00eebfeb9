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


@pytest.fixture
def llm_insights(settings):
    """Insights through the OpenAI-compatible backend, pointed at a fake API on 127.0.0.1; Celery tasks
    run in the test's thread when a test runs the queued callbacks (the worker's part, eagerly)."""
    from celery_app import app as celery_app
    from testing.fake_llm import FakeChatCompletions

    with FakeChatCompletions() as fake:
        settings.INSIGHTS_BACKEND = "services.llm.insights.OpenAICompatibleInsights"
        settings.LLM_API_BASE_URL = fake.url
        settings.LLM_API_KEY = fake.api_key
        settings.LLM_MODEL = "insights-test-model"
        settings.INSIGHTS_LLM_TIMEOUT = 5.0
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_eager_propagates = True
        yield fake
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_eager_propagates = False
