"""Names read through an optional relation (a lead's industry, an opportunity's lead, a campaign row whose
lead was deleted) are null, and the schema says so: the answers validate against the live schema."""

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tests.factories import CampaignFactory
from apps.leads.tests.factories import LeadFactory
from apps.opportunities.tests.factories import OpportunityFactory
from common.tests.schema_conformance import assert_conforms, live_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(api_client):
    return live_schema(api_client)


def test_lead_without_industry(auth_client, user, api_schema):
    lead = LeadFactory(user=user, industry=None)
    response = auth_client.get(f"/api/leads/{lead.pk}/")
    assert response.json()["industry_name"] is None
    assert_conforms(api_schema, "GET", "/api/leads/{id}/", response)


def test_opportunity_without_lead(auth_client, user, api_schema):
    opportunity = OpportunityFactory(user=user, lead=None)
    response = auth_client.get(f"/api/opportunities/{opportunity.pk}/")
    assert response.json()["lead_name"] is None
    assert_conforms(api_schema, "GET", "/api/opportunities/{id}/", response)


def test_campaign_row_whose_lead_was_deleted(auth_client, user, api_schema):
    campaign = CampaignFactory(user=user)
    CampaignLeadResult.objects.create(campaign=campaign, lead=LeadFactory(user=user), email="ceo@hanbit.co.kr")
    campaign.results.get().lead.delete()
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/")
    assert response.json()["results"][0]["lead_name"] is None
    assert_conforms(api_schema, "GET", "/api/campaigns/{id}/results/", response)
