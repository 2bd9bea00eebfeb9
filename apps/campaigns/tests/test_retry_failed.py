"""retry-failed/: failed e-mails worth retrying go out once more; address-less and suppressed ones never."""

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import UNKNOWN_OUTCOME_REASON, campaign_retry_failed, campaign_start

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def test_retry_sends_retryable_failures_only(user, auth_client, fake_sendgrid, send):
    leads = [LeadFactory(user=user) for _ in range(3)]
    no_address = LeadFactory(user=user, email="")
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [*leads, no_address])])
    send(campaign_start, campaign=campaign)
    assert fake_sendgrid.received_count == 3
    refused = campaign.results.get(lead=leads[0])
    CampaignLeadResult.objects.filter(pk=refused.pk).update(
        status=R.FAILED, error_message="SendGrid refused (400): try later", retryable=True
    )

    retried = send(campaign_retry_failed, campaign=campaign)

    assert retried == 1
    assert fake_sendgrid.recipients().count(leads[0].email) == 2  # the user asked for it explicitly
    assert campaign.results.get(lead=leads[0]).status == R.SENT
    assert campaign.results.get(lead=no_address).status == R.FAILED
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED


def test_retry_with_nothing_retryable_is_409(user, auth_client):
    campaign = CampaignFactory(user=user, status=Campaign.Status.COMPLETED)
    response = auth_client.post(f"/api/campaigns/{campaign.pk}/retry-failed/")
    assert response.status_code == 409


def test_retry_on_a_draft_is_409(user, auth_client):
    campaign = CampaignFactory(user=user)
    response = auth_client.post(f"/api/campaigns/{campaign.pk}/retry-failed/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "started" in response.data["detail"]


def test_retry_leaves_rows_of_unknown_outcome_alone(user, auth_client, fake_sendgrid, send):
    leads = [LeadFactory(user=user) for _ in range(2)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    send(campaign_start, campaign=campaign)
    CampaignLeadResult.objects.filter(campaign=campaign, lead=leads[0]).update(
        status=R.UNKNOWN, error_message=UNKNOWN_OUTCOME_REASON
    )

    response = auth_client.post(f"/api/campaigns/{campaign.pk}/retry-failed/")

    assert response.status_code == 409, response.data
    assert campaign.results.get(lead=leads[0]).status == R.UNKNOWN
    assert fake_sendgrid.recipients().count(leads[0].email) == 1


def test_retry_answers_the_campaign_with_its_totals_after_the_retry(
    user, auth_client, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(user=user, status=Campaign.Status.COMPLETED)
    lead = LeadFactory(user=user)
    CampaignLeadResult.objects.create(
        campaign=campaign, lead=lead, email=lead.email, status=R.FAILED, retryable=True, error_message="SendGrid 503"
    )

    with django_capture_on_commit_callbacks(execute=False):  # the chunk is not sent here
        response = auth_client.post(f"/api/campaigns/{campaign.pk}/retry-failed/")

    assert response.status_code == 200, response.json()
    totals = response.json()["campaign"]["totals"]
    assert (totals["failed"], totals["pending"]) == (0, 1)
