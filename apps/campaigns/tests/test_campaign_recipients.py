"""Recipients: the union of the lists, once per lead and per address, minus suppressed and address-less leads."""

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start
from apps.mail.models import SuppressedAddress

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def test_duplicates_suppressed_and_addressless_leads(user, other_user, fake_sendgrid, send):
    a = LeadFactory(user=user, email="ceo@alpha.co.kr")
    a_again = LeadFactory(user=user, email="CEO@Alpha.co.kr ")  # same address, other case
    b = LeadFactory(user=user, email="ceo@beta.co.kr")
    unsubscribed = LeadFactory(user=user, email="Gone@Gamma.co.kr")
    no_address = LeadFactory(user=user, email="")
    foreign = LeadFactory(user=other_user, email="spy@delta.co.kr")
    SuppressedAddress.objects.create(email="gone@gamma.co.kr", reason=SuppressedAddress.Reason.UNSUBSCRIBED)
    first = lead_list_with(user, [a, b, unsubscribed, foreign])
    second = lead_list_with(user, [b, a_again, no_address])  # b is in both lists
    campaign = CampaignFactory(user=user, leadlists=[first, second])

    send(campaign_start, campaign=campaign)

    assert sorted(fake_sendgrid.recipients()) == ["ceo@alpha.co.kr", "ceo@beta.co.kr"]
    rows = {row.lead_id: row for row in campaign.results.all()}
    assert set(rows) == {a.pk, b.pk, unsubscribed.pk, no_address.pk}  # a_again and foreign: no row
    assert rows[a.pk].status == R.SENT
    assert rows[unsubscribed.pk].status == R.FAILED
    assert "suppression list (unsubscribed)" in rows[unsubscribed.pk].error_message
    assert rows[no_address.pk].status == R.FAILED
    assert rows[no_address.pk].error_message == "The lead has no e-mail address."
    assert not rows[no_address.pk].retryable


def test_address_suppressed_after_start_is_not_sent(user, fake_sendgrid, send, django_capture_on_commit_callbacks):
    lead = LeadFactory(user=user, email="late@optout.co.kr")
    other = LeadFactory(user=user)
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead, other])])
    campaign_start(campaign=campaign)
    write_recipients(campaign)  # rows written, chunks not run yet
    SuppressedAddress.objects.create(email="late@optout.co.kr", reason=SuppressedAddress.Reason.BOUNCED)

    from apps.campaigns.tasks import send_campaign_chunk

    send(send_campaign_chunk, str(campaign.pk), 0)

    assert fake_sendgrid.recipients() == [other.email]
    row = campaign.results.get(lead=lead)
    assert row.status == R.FAILED and "bounced" in row.error_message
