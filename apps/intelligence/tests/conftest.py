import pytest

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
