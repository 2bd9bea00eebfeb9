"""Lists cost the same number of queries whatever the page size (no N+1)."""

import pytest

from apps.leads.tests.factories import IndustryFactory, LeadFactory, LeadListFactory
from apps.leads.tests.queries import count_queries

pytestmark = pytest.mark.django_db


def query_count(client, url):
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200, response.data
    return len(queries), response


def test_lead_list_pages_cost_the_same(auth_client, user):
    industries = [IndustryFactory() for _ in range(3)]
    leads = [LeadFactory(user=user, industry=industries[n % 3]) for n in range(30)]
    for n in range(25):
        LeadListFactory(user=user, lead_ids=[lead.id for lead in leads[: n + 1]])

    for url in ("/api/leads/", "/api/lead-lists/"):
        small, small_response = query_count(auth_client, f"{url}?page_size=5")
        large, large_response = query_count(auth_client, f"{url}?page_size=25")
        assert len(small_response.data["results"]) == 5
        assert len(large_response.data["results"]) == 25
        assert small == large, url
        assert small == 2, url  # the JWT's user, the page with its count (industry and user joined)


def test_lead_list_detail_pages_cost_the_same(auth_client, user):
    industries = [IndustryFactory() for _ in range(3)]
    leads = [LeadFactory(user=user, industry=industries[n % 3]) for n in range(30)]
    lead_list = LeadListFactory(user=user, lead_ids=[lead.id for lead in leads])

    small, small_response = query_count(auth_client, f"/api/lead-lists/{lead_list.id}/?page_size=5")
    large, large_response = query_count(auth_client, f"/api/lead-lists/{lead_list.id}/?page_size=30")

    assert len(small_response.data["leads"]["results"]) == 5
    assert len(large_response.data["leads"]["results"]) == 30
    assert small == large
    # the JWT's user, the list with its lead_count, the page's ids, the page's leads
    assert small == 4
