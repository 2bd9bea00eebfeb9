"""Every list says the page size it used: a page_size above the maximum is served at 100 and the body
says 100 (not silently fewer than asked); one that is not a positive whole number is a 400."""

import pytest

from apps.campaigns.tests.factories import CampaignFactory
from apps.leads.tests.factories import LeadFactory, LeadListFactory
from apps.products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_page_size_above_the_maximum_is_capped_and_reported(auth_client):
    ProductFactory.create_batch(105)
    body = auth_client.get("/api/products/", {"page_size": 500}).json()
    assert body["page_size"] == 100 and len(body["results"]) == 100
    body = auth_client.get("/api/products/", {"page_size": 7}).json()
    assert body["page_size"] == 7 and len(body["results"]) == 7
    assert auth_client.get("/api/products/").json()["page_size"] == 20


@pytest.mark.parametrize("size", ["0", "-3", "ten", "2.5"])
def test_page_size_that_is_no_positive_whole_number_is_400(auth_client, size):
    response = auth_client.get("/api/products/", {"page_size": size}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"] == {"page_size": ["Use a whole number from 1 to 100."]}


def test_lead_list_page_of_leads_reports_its_page_size(auth_client, user):
    leads = LeadFactory.create_batch(3, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[lead.pk for lead in leads])
    body = auth_client.get(f"/api/lead-lists/{lead_list.pk}/", {"page_size": 1000}).json()
    assert body["leads"]["page_size"] == 100 and body["leads"]["count"] == 3


def test_salesone_search_reports_its_page_size(auth_client):
    body = auth_client.get("/api/salesone-leads/", {"page_size": 250}).json()
    assert body["page_size"] == 100
    assert auth_client.get("/api/salesone-leads/", {"page_size": "x"}).status_code == 400


def test_campaign_results_report_their_page_size(auth_client, user):
    campaign = CampaignFactory(user=user)
    body = auth_client.get(f"/api/campaigns/{campaign.pk}/results/", {"page_size": 101}).json()
    assert body["page_size"] == 100 and body["count"] == 0
