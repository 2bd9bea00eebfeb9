"""An address suppressed after the campaign started (an unsubscribe from another campaign, a hard
bounce, staff) is not e-mailed: the send checks the suppression list again for every chunk."""

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start
from apps.campaigns.tasks import send_campaign_chunk
from apps.mail.models import SuppressedAddress
from apps.mail.suppression import suppressions_add

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db


def test_an_address_suppressed_after_the_start_is_failed_with_the_reason(user, fake_sendgrid):
    kim = LeadFactory(user=user, email="kim@repurehc.com")
    lee = LeadFactory(user=user, email="lee@repurehc.com")
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [kim, lee])])
    campaign_start(campaign=campaign)
    write_recipients(campaign)
    suppressions_add([SuppressedAddress(email="KIM@repurehc.com", reason=SuppressedAddress.Reason.COMPLAINED)])

    send_campaign_chunk(str(campaign.pk), 0)

    assert fake_sendgrid.recipients() == ["lee@repurehc.com"]
    kim_row = CampaignLeadResult.objects.get(campaign=campaign, email="kim@repurehc.com")
    assert kim_row.status == CampaignLeadResult.Status.FAILED
    assert kim_row.error_message == "The address is on the suppression list (complained)."
    assert not kim_row.retryable
