"""A started campaign reaches every lead once through SendGrid, in batch requests the real API accepts."""

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_start

from .factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db


def test_campaign_sends_one_personalised_email_per_lead_through_sendgrid(user, fake_sendgrid, send, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    leads = [LeadFactory(user=user, owner=f"대표{i}", name=f"(주)회사{i}") for i in range(5)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email.lower() for lead in leads)
    assert fake_sendgrid.request_count == 3  # chunks of 2, 2 and 1: one request each
    by_address = {m.to: m for m in fake_sendgrid.messages}
    for lead in leads:
        message = by_address[lead.email]
        result = CampaignLeadResult.objects.get(campaign=campaign, lead=lead)
        assert message.subject == f"(광고) 안녕하세요 {lead.owner} 대표님!"
        assert f"{lead.name} {lead.owner} 대표님께" in message.html
        assert "발신자: (주)세일즈원 · 연락처: 02-1234-5678" in message.html
        assert "수신거부" in message.html
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.headers["List-Unsubscribe"].startswith("<http")
        assert message.custom_args == {"campaign_id": str(campaign.pk), "result_id": str(result.pk)}
        assert result.status == CampaignLeadResult.Status.SENT
        assert result.provider == "sendgrid"
        assert result.provider_message_id
        assert result.message_id == message.headers["Message-ID"]
        assert result.title == message.subject
        assert result.sent_at is not None
        assert result.data["llm-generation"]


def test_request_body_uses_personalizations_with_substituted_bodies(user, fake_sendgrid, send):
    leads = [LeadFactory(user=user) for _ in range(3)]
    template = CampaignTemplateFactory(user=user, body="<p>{{ company.name }}</p>")
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    [request] = fake_sendgrid.requests
    body = request["body"]
    assert request["headers"]["Authorization"] == "Bearer test-key"
    assert len(body["personalizations"]) == 3
    assert body["content"] == [
        {"type": "text/plain", "value": "-salesone-text-"},
        {"type": "text/html", "value": "-salesone-html-"},
    ]
    assert body["from"]["email"] == "no-reply@salesone.kr"
    assert body["from"]["name"] == "(주)세일즈원"
    for personalization in body["personalizations"]:
        assert len(personalization["to"]) == 1
        assert personalization["substitutions"]["-salesone-html-"].startswith("<!DOCTYPE html>")
        assert "<body>\n<p>" in personalization["substitutions"]["-salesone-html-"]


def test_non_advertising_campaign_has_no_ad_prefix_but_keeps_list_unsubscribe(user, fake_sendgrid, send):
    leads = [LeadFactory(user=user)]
    campaign = CampaignFactory(user=user, is_advertising=False, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    [message] = fake_sendgrid.messages
    assert not message.subject.startswith("(광고)")
    assert "수신거부" not in message.html
    assert "List-Unsubscribe" in message.headers
