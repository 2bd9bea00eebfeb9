"""Companies the NTS reports closed (폐업) or suspended (휴업) get no campaign mail unless the campaign
opts in; the audience endpoint says how many are left out and why."""

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tests.factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients
from apps.mail.models import SuppressedAddress

pytestmark = pytest.mark.django_db


def audience_leads(user):
    active = LeadFactory(user=user, business_status="active")
    closed = LeadFactory(user=user, business_status="closed")
    suspended = LeadFactory(user=user, business_status="suspended")
    unchecked = LeadFactory(user=user)
    return active, closed, suspended, unchecked


def test_closed_and_suspended_companies_are_not_sent_to(user):
    active, closed, suspended, unchecked = audience_leads(user)
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [active, closed, suspended, unchecked])])
    write_recipients(campaign)
    rows = {row.lead_id: row for row in CampaignLeadResult.objects.filter(campaign=campaign)}
    assert rows[active.pk].status == "pending" and rows[unchecked.pk].status == "pending"
    for lead, status in ((closed, "closed"), (suspended, "suspended")):
        assert rows[lead.pk].status == "failed" and rows[lead.pk].chunk is None
        assert f"The company is {status} (NTS business status)" in rows[lead.pk].error_message


def test_a_campaign_that_opts_in_sends_to_them(user):
    active, closed, suspended, unchecked = audience_leads(user)
    campaign = CampaignFactory(
        user=user,
        include_inactive_businesses=True,
        leadlists=[lead_list_with(user, [active, closed, suspended, unchecked])],
    )
    write_recipients(campaign)
    assert set(CampaignLeadResult.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"pending"}


def test_audience_counts_each_reason(auth_client, user):
    active, closed, suspended, unchecked = audience_leads(user)
    no_email = LeadFactory(user=user, email="")
    suppressed = LeadFactory(user=user)
    SuppressedAddress.objects.create(email=suppressed.email, reason="unsubscribed")
    twin = LeadFactory(user=user, email=active.email)
    leads = [active, closed, suspended, unchecked, no_email, suppressed, twin]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    body = auth_client.get(f"/api/campaigns/{campaign.pk}/audience/").json()
    assert body == {
        "leads": 7,
        "will_send": 2,
        "excluded": {
            "no_email": 1,
            "suppressed": 1,
            "no_consent": 0,
            "duplicate_address": 1,
            "business_closed": 1,
            "business_suspended": 1,
        },
    }


def test_audience_of_an_opted_in_campaign_excludes_no_company(auth_client, user):
    leads = audience_leads(user)
    campaign = CampaignFactory(user=user, include_inactive_businesses=True, leadlists=[lead_list_with(user, leads)])
    body = auth_client.get(f"/api/campaigns/{campaign.pk}/audience/").json()
    assert body["will_send"] == 4 and body["excluded"]["business_closed"] == 0


def test_audience_of_another_users_campaign_is_404(other_client, user):
    campaign = CampaignFactory(user=user)
    assert other_client.get(f"/api/campaigns/{campaign.pk}/audience/").status_code == 404
