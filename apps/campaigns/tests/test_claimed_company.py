"""A claimed row's ``company`` is the same dict the preview renders with (fields and their order)."""

import pytest

from apps.campaigns.email_sender import _claim
from apps.campaigns.models import Campaign
from apps.campaigns.selectors import _lead_company
from apps.campaigns.services import campaign_write_recipients

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db


def test_claimed_company_matches_the_preview_company(user):
    lead = LeadFactory(user=user, owner="홍길동", name="(주)회사", homepage=["https://a.example.kr"])
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead])])
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.IN_PROGRESS)
    campaign_write_recipients(campaign_id=campaign.pk, dispatch=False)

    [row], _ = _claim(campaign_id=campaign.pk, chunk=0, limit=10)

    lead.refresh_from_db()
    expected = _lead_company(lead)
    assert list(row.company) == list(expected)
    assert row.company == expected  # homepage included: a list in both, not its JSON text when sending
