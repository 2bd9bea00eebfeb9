"""The headers receiving mail servers look for reach the provider with every campaign e-mail:
List-Unsubscribe (one-click HTTPS and mailto:), List-Unsubscribe-Post, List-Id, Feedback-ID and a
Message-ID on the sending domain; a mail to the mailto: address opts the lead out."""

import re

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start
from apps.mail.models import SuppressedAddress
from apps.tracking.tests.test_inbound_replies import SECRET, SENDGRID_URL, sendgrid_form

from .delivered import mailgun_delivered, sendgrid_delivered
from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.TRACKING_REPLY_DOMAIN = "reply.salesone.kr"
    settings.TRACKING_INBOUND_SECRET = SECRET
    settings.DEFAULT_FROM_EMAIL = "세일즈원 <no-reply@mail.salesone.kr>"


@pytest.mark.parametrize("provider", ["sendgrid", "mailgun"])
def test_every_campaign_email_carries_the_list_and_feedback_headers(user, send, provider, request, settings):
    fake = request.getfixturevalue(f"fake_{provider}")
    leads = [LeadFactory(user=user) for _ in range(2)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    delivered = sendgrid_delivered(fake) if provider == "sendgrid" else mailgun_delivered(fake)
    assert len(delivered) == 2
    for message in delivered:
        result = CampaignLeadResult.objects.get(campaign=campaign, email=message["To"])
        https, mailto = [t.strip() for t in message["List-Unsubscribe"].split(",")]
        assert re.fullmatch(rf"<{re.escape(settings.PUBLIC_BASE_URL)}/api/t/u/[A-Za-z0-9_-]{{40}}/>", https)
        assert re.fullmatch(r"<mailto:unsubscribe\+[A-Za-z0-9_-]{40}@reply\.salesone\.kr\?subject=unsubscribe>", mailto)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"] == f"<{campaign.pk}.campaigns.mail.salesone.kr>"
        assert message["Feedback-ID"] == f"{campaign.pk}:{user.pk}:salesone"
        assert message["Message-ID"] == f"<{result.pk}@mail.salesone.kr>"


def test_a_mail_to_the_list_unsubscribe_address_opts_the_lead_out(user, fake_mailgun, send, client):
    lead = LeadFactory(user=user, email="ceo@nexpa.co.kr")
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead])])
    send(campaign_start, campaign=campaign)
    [message] = mailgun_delivered(fake_mailgun)
    address = re.search(r"mailto:([^?>]+)", message["List-Unsubscribe"]).group(1)

    # The mail client sends a mail to it; the provider's inbound route posts it to us.
    response = client.post(SENDGRID_URL, sendgrid_form(to=address, subject="unsubscribe"))
    assert response.status_code == 200

    result = CampaignLeadResult.objects.get(campaign=campaign)
    assert result.unsubscribed_at is not None
    assert result.replied_at is None  # an opt-out, not a reply
    assert SuppressedAddress.objects.filter(email="ceo@nexpa.co.kr", reason="unsubscribed").exists()
