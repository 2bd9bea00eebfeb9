"""Mailgun: one batch request per chunk, each recipient's own subject, body and headers in recipient-variables."""

import json

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db


def test_campaign_sends_through_mailgun_batch_sending(user, fake_mailgun, send):
    leads = [LeadFactory(user=user, owner=f"대표{i}") for i in range(4)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    assert fake_mailgun.request_count == 1
    [request] = fake_mailgun.requests
    fields = request["fields"]
    assert sorted(v for k, v in fields if k == "to") == sorted(lead.email for lead in leads)
    variables = json.loads(dict(fields)["recipient-variables"])
    assert set(variables) == {lead.email for lead in leads}
    assert dict(fields)["subject"] == "%recipient.subject%"
    for lead in leads:
        [message] = [m for m in fake_mailgun.messages if m.to == lead.email]
        result = CampaignLeadResult.objects.get(campaign=campaign, lead=lead)
        assert message.subject == f"(광고) 안녕하세요 {lead.owner} 대표님!"
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.headers["Message-Id"] == result.message_id
        assert message.custom_args["result_id"] == str(result.pk)
        assert "수신거부" in message.html
        assert result.status == CampaignLeadResult.Status.SENT
        assert result.provider == "mailgun"
        assert result.provider_message_id.endswith("@mg.example.co.kr>")
