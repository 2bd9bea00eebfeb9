"""A campaign whose mailbox is deactivated while it sends pauses and says why (``paused_reason``, in
the API and the admin) instead of staying "in progress" forever with nothing sent and nothing said;
resuming it while the mailbox is still off is a 409 that says so, and after the mailbox is active
again the resume sends only the rest."""

import datetime

import pytest

from apps.campaigns.models import Campaign
from apps.campaigns.services import campaign_start, campaigns_start_due
from apps.campaigns.tasks import send_campaign_chunk
from apps.mail.models import Mailbox

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db


def make_mailbox(user) -> Mailbox:
    return Mailbox.objects.create(
        user=user,
        email="sales@seller.co.kr",
        daily_cap=100,
        hourly_cap=100,
        warmup_start=0,
        warmup_step=0,
        warmup_started_on=datetime.date(2026, 11, 1),
    )


def test_deactivated_mailbox_pauses_the_campaign_with_the_reason_until_resumed(
    user, auth_client, fake_sendgrid, settings, send
):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    mailbox = make_mailbox(user)
    leads = [LeadFactory(user=user) for _ in range(4)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)], mailbox=mailbox)
    campaign_start(campaign=campaign)
    write_recipients(campaign)
    send(send_campaign_chunk, str(campaign.pk), 0)
    assert fake_sendgrid.received_count == 2
    url = f"/api/campaigns/{campaign.pk}/"
    assert auth_client.get(url).json()["paused_reason"] is None

    assert auth_client.patch(f"/api/mailboxes/{mailbox.pk}/", {"is_active": False}, format="json").status_code == 200
    send(send_campaign_chunk, str(campaign.pk), 1)

    assert fake_sendgrid.received_count == 2
    shown = auth_client.get(url).json()
    assert shown["status"] == Campaign.Status.PAUSED
    assert "sales@seller.co.kr" in shown["paused_reason"] and "비활성" in shown["paused_reason"]

    refused = auth_client.post(f"{url}start/")
    assert refused.status_code == 409
    assert "sales@seller.co.kr" in refused.json()["detail"]

    assert auth_client.patch(f"/api/mailboxes/{mailbox.pk}/", {"is_active": True}, format="json").status_code == 200
    resumed = send(auth_client.post, f"{url}start/")
    assert resumed.status_code == 200, resumed.json()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED and campaign.paused_reason is None
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)
    assert not fake_sendgrid.duplicates()


def test_a_scheduled_campaign_whose_mailbox_is_deactivated_pauses_when_due(user, fake_sendgrid, send):
    mailbox = make_mailbox(user)
    campaign = CampaignFactory(
        user=user,
        leadlists=[lead_list_with(user, [LeadFactory(user=user)])],
        mailbox=mailbox,
        status=Campaign.Status.SCHEDULED,
        scheduled_at=datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC),
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)  # as the admin does

    send(campaigns_start_due, now=datetime.datetime(2026, 12, 7, 9, 1, tzinfo=datetime.UTC))

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "sales@seller.co.kr" in campaign.paused_reason
    assert not fake_sendgrid.messages
