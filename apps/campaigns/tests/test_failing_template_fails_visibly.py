"""Issue 15 §4, send side: a template that cannot be rendered fails its rows with the reason, and a
chunk whose every row fails for one reason fails the campaign with it — never in progress for ever."""

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_retry_failed, campaign_start

from .factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def test_a_template_failing_for_every_lead_fails_the_campaign_with_the_reason(user, auth_client, fake_sendgrid,
                                                                              settings, send):  # fmt: skip
    settings.CAMPAIGN_CHUNK_SIZE = 2
    template = CampaignTemplateFactory(user=user, body="<p>{{ company.name }}: {{ 1/0 }}</p>")
    leads = [LeadFactory(user=user) for _ in range(4)]
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    data = auth_client.get(f"/api/campaigns/{campaign.pk}/").data
    assert data["status"] == "failed"
    assert "division by zero" in data["failure_reason"]
    failed = campaign.results.filter(status=R.FAILED)
    assert failed.count() == 2  # the first chunk; the second never started
    for row in failed:
        assert row.error_message.startswith("The template could not be rendered for this lead")
        assert "division by zero" in row.error_message
    assert campaign.results.filter(status=R.PENDING).count() == 2
    assert fake_sendgrid.received_count == 0

    # Fixed, started again and retried: every lead gets the e-mail once.
    template.body = "<p>{{ company.name }}</p>"
    template.save()
    send(campaign_start, campaign=campaign)
    send(campaign_retry_failed, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)


def test_a_template_failing_for_one_lead_fails_only_that_row(user, fake_sendgrid, settings, send):
    template = CampaignTemplateFactory(user=user, body="<p>{{ 100 // company.employee }} people per team</p>")
    leads = [LeadFactory(user=user, employee=n) for n in (10, 0, 20)]
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert campaign.failure_reason == ""
    row = campaign.results.get(lead=leads[1])
    assert row.status == R.FAILED and "division" in row.error_message
    assert sorted(fake_sendgrid.recipients()) == sorted([leads[0].email, leads[2].email])


def test_a_last_chunk_of_one_failing_row_does_not_fail_the_campaign(user, fake_sendgrid, settings, send):
    settings.CAMPAIGN_CHUNK_SIZE = 1
    template = CampaignTemplateFactory(user=user, body="<p>{{ 100 // company.employee }} people per team</p>")
    leads = [LeadFactory(user=user, employee=n) for n in (10, 0)]
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert campaign.failure_reason == ""
    assert campaign.results.get(lead=leads[1]).status == R.FAILED
    assert fake_sendgrid.recipients() == [leads[0].email]
