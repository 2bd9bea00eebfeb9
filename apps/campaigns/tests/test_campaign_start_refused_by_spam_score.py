"""An advertising campaign whose message scores above SPAM_CHECK_MAX_SCORE_ADVERTISING is refused at
start with a 409 naming the score; a non-advertising one, or one under the limit, starts."""

import pytest

from apps.campaigns.models import Campaign
from apps.deliverability.tests.conftest import spamd, spamd_url  # noqa: F401 — fixtures

from .factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db

SPAMMY = "<p>{{ company.owner }}님 100% FREE!!! CLICK HERE NOW!!! 지금 바로 무료 100% 보장 $$$ 수익 보장</p>"


def _campaign(user, *, is_advertising=True, body=SPAMMY):
    template = CampaignTemplateFactory(user=user, title="FREE MONEY!!! 100% GUARANTEED", body=body)
    return CampaignFactory(
        user=user,
        template=template,
        is_advertising=is_advertising,
        leadlists=[lead_list_with(user, [LeadFactory(user=user)])],
    )


def test_an_advertising_campaign_above_the_limit_is_refused(auth_client, user, spamd, settings):  # noqa: F811
    settings.SPAM_CHECK_MAX_SCORE_ADVERTISING = 0.5
    campaign = _campaign(user)

    response = auth_client.post(f"/api/campaigns/{campaign.pk}/start/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409, response.data
    assert "on SpamAssassin, above the 0.5 allowed for advertising campaigns" in str(response.data)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT and campaign.started_at is None


def test_a_non_advertising_campaign_is_not_checked(auth_client, user, spamd, settings):  # noqa: F811
    settings.SPAM_CHECK_MAX_SCORE_ADVERTISING = 0.5
    campaign = _campaign(user, is_advertising=False)

    response = auth_client.post(f"/api/campaigns/{campaign.pk}/start/", {}, format="json")

    assert response.status_code == 200, response.data
