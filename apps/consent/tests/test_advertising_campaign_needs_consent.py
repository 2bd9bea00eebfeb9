"""An advertising campaign sends only to addresses with a valid consent basis at start (정보통신망법
제50조); the start response and the consent-exclusions preview count the rest by reason; the recipient
rows record each exclusion; non-advertising mail is exempt."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.selectors import campaign_consent_exclusions
from apps.campaigns.tests.factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients
from apps.consent.models import ConsentEvent
from apps.consent.services import consent_grant, consent_request_opt_in, consent_withdraw

pytestmark = pytest.mark.django_db
B = ConsentEvent.Basis


def _unknown(user, lead):
    # What migration 0002 records for leads that were in the system before the ledger.
    ConsentEvent.objects.create(
        user=user, email=lead.email, kind=ConsentEvent.Kind.GRANTED, basis=B.UNKNOWN, occurred_at=timezone.now()
    )


def _campaign_of_every_state(user, **campaign_kwargs):
    leads = {
        "valid": LeadFactory(user=user),
        "no_consent": LeadFactory(user=user, consent=False),
        "withdrawn": LeadFactory(user=user),
        "unconfirmed": LeadFactory(user=user, consent=False),
        "unknown_basis": LeadFactory(user=user, consent=False),
        "customer": LeadFactory(user=user, consent=False),
        "customer_deal_expired": LeadFactory(user=user, consent=False),
    }
    consent_withdraw(user=user, email=leads["withdrawn"].email, source="test", notify=False)
    consent_request_opt_in(user=user, email=leads["unconfirmed"].email, source="뉴스레터 폼")
    _unknown(user, leads["unknown_basis"])
    today = timezone.localdate()
    consent_grant(user=user, email=leads["customer"].email, basis=B.EXISTING_CUSTOMER, deal_date=today)
    consent_grant(
        user=user,
        email=leads["customer_deal_expired"].email,
        basis=B.EXISTING_CUSTOMER,
        deal_date=today - dt.timedelta(days=200),
    )
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads.values())], **campaign_kwargs)
    return campaign, leads


def test_start_counts_the_excluded_and_the_rows_say_why(user, auth_client):
    campaign, leads = _campaign_of_every_state(user)

    preview = auth_client.get(f"/api/campaigns/{campaign.pk}/consent-exclusions/")
    assert preview.status_code == 200
    expected = {
        "erased": 0,
        "no_consent": 1,
        "withdrawn": 1,
        "unconfirmed": 1,
        "unknown_basis": 1,
        "customer_deal_expired": 1,
        "expired": 0,
    }
    assert preview.json() == {"advertising": True, "excluded": 5, "by_reason": expected}

    response = auth_client.post(f"/api/campaigns/{campaign.pk}/start/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["consent_exclusions"]["by_reason"] == expected

    write_recipients(campaign)
    rows = {row.lead_id: row for row in CampaignLeadResult.objects.filter(campaign=campaign)}
    assert rows[leads["valid"].pk].status == "pending"
    assert rows[leads["customer"].pk].status == "pending"  # a transaction this month: 제50조①1호
    for reason in expected:
        if reason in ("expired", "erased"):
            continue
        row = rows[leads[reason].pk]
        assert row.status == "failed" and not row.retryable
        # "withdrawn" is on the suppression list too, which the row names first.
        assert f"({reason})" in row.error_message or (reason == "withdrawn" and "suppression" in row.error_message)


def test_consent_older_than_two_years_is_excluded(user):
    lead = LeadFactory(user=user, consent=False)
    with time_machine.travel(dt.datetime(2024, 1, 10, tzinfo=dt.UTC), tick=False):
        consent_grant(user=user, email=lead.email, basis=B.OPT_IN_FORM, notify=False)
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead])])
    with time_machine.travel(dt.datetime(2026, 1, 11, tzinfo=dt.UTC), tick=False):
        assert campaign_consent_exclusions(campaign=campaign)["by_reason"]["expired"] == 1
    with time_machine.travel(dt.datetime(2026, 1, 9, tzinfo=dt.UTC), tick=False):
        assert campaign_consent_exclusions(campaign=campaign)["excluded"] == 0


def test_a_setting_sends_to_existing_data_of_unknown_basis(user, auth_client, settings):
    lead = LeadFactory(user=user, consent=False)
    _unknown(user, lead)
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead])])
    assert auth_client.get(f"/api/campaigns/{campaign.pk}/consent-exclusions/").json()["excluded"] == 1

    settings.CONSENT_ALLOW_UNKNOWN_BASIS = True
    assert auth_client.get(f"/api/campaigns/{campaign.pk}/consent-exclusions/").json()["excluded"] == 0
    write_recipients(campaign)
    assert CampaignLeadResult.objects.get(campaign=campaign).status == "pending"


def test_non_advertising_mail_is_exempt(user, auth_client):
    campaign, leads = _campaign_of_every_state(user, is_advertising=False)
    body = auth_client.get(f"/api/campaigns/{campaign.pk}/consent-exclusions/").json()
    assert body == {"advertising": False, "excluded": 0, "by_reason": dict.fromkeys(body["by_reason"], 0)}
    write_recipients(campaign)
    statuses = dict(CampaignLeadResult.objects.filter(campaign=campaign).values_list("lead_id", "status"))
    # Only the opt-out stays out: the suppression list binds every campaign.
    assert statuses.pop(leads["withdrawn"].pk) == "failed"
    assert set(statuses.values()) == {"pending"}


def test_another_users_consent_does_not_count(user, other_user, auth_client):
    lead = LeadFactory(user=user, consent=False)
    consent_grant(user=other_user, email=lead.email, basis=B.OPT_IN_FORM, notify=False)
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead])])
    assert auth_client.get(f"/api/campaigns/{campaign.pk}/consent-exclusions/").json()["by_reason"]["no_consent"] == 1


def test_another_users_campaign_is_404(other_client, user):
    campaign = CampaignFactory(user=user)
    assert other_client.get(f"/api/campaigns/{campaign.pk}/consent-exclusions/").status_code == 404
