"""The homepage provider fills the empty description, e-mail and phone from the lead's homepage."""

import pytest

from apps.intelligence.models import EnrichmentRun, LeadFieldSource
from apps.leads.tests.factories import LeadFactory
from testing.fake_enrichment import FakeWebsite

from .helpers import enrich_now

pytestmark = pytest.mark.django_db

PAGE = """<html><head><title>새봄식품</title><meta name="description" content="건강한 두부와 콩물을 만듭니다.">
</head><body>문의 sales@saebom.example · 02-555-0101</body></html>"""


@pytest.fixture
def homepage_only(settings):
    settings.ENRICHMENT_PROVIDERS = ["homepage"]
    settings.HOMEPAGE_ALLOWED_HOSTS = ["127.0.0.1"]


def test_homepage_fills_empty_fields_and_says_so(user, homepage_only):
    with FakeWebsite({"/": (200, "text/html; charset=utf-8", PAGE)}) as site:
        lead = LeadFactory(user=user, homepage=[site.url + "/"], email="", phone="", description="")
        (run,) = enrich_now([lead])
    assert run.status == EnrichmentRun.Status.SUCCEEDED
    assert lead.description == "건강한 두부와 콩물을 만듭니다."
    assert lead.email == "sales@saebom.example" and lead.phone == "+8225550101"
    assert set(LeadFieldSource.objects.filter(lead=lead).values_list("field", "provider")) == {
        ("description", "homepage"),
        ("email", "homepage"),
        ("phone", "homepage"),
    }


def test_a_homepage_that_cannot_be_read_is_a_failed_run_with_the_reason(user, homepage_only, settings):
    settings.HOMEPAGE_ALLOWED_HOSTS = []  # loopback: refused by the SSRF guard
    with FakeWebsite({"/": (200, "text/html", PAGE)}) as site:
        lead = LeadFactory(user=user, homepage=[site.url + "/"])
        (run,) = enrich_now([lead])
        assert site.paths == []
    assert run.status == EnrichmentRun.Status.FAILED
    assert run.errors[0]["provider"] == "homepage" and "refused" in run.errors[0]["error"]
