"""A template may carry its own text part: then it is sent (and previewed) as written, not made from the HTML."""

import pytest

from apps.campaigns.services import campaign_start

from .delivered import parts, sendgrid_delivered
from .factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db

TEXT = "{{ company.owner }} 대표님,\n\n짧게 여쭙니다. 다음 주 10분 통화 가능하실까요?\n<그대로> & 그대로"


def test_the_text_part_written_by_the_user_is_sent_as_written(user, fake_sendgrid, send):
    lead = LeadFactory(user=user, owner="강윤구")
    template = CampaignTemplateFactory(user=user, body="<p>HTML 본문</p>", text_body=TEXT)
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, [lead])])

    send(campaign_start, campaign=campaign)

    [message] = sendgrid_delivered(fake_sendgrid)
    text, html = parts(message)
    # Rendered as text (no HTML escaping), then the legal footer the law requires of every part.
    assert text.startswith("강윤구 대표님,\n\n짧게 여쭙니다. 다음 주 10분 통화 가능하실까요?\n<그대로> & 그대로\n")
    assert "HTML 본문" not in text
    assert "수신거부 (" in text
    assert "<p>HTML 본문</p>" in html


def test_the_text_part_is_saved_and_previewed_through_the_api(auth_client, user):
    created = auth_client.post(
        "/api/campaign-templates/",
        {"name": "짧은 메일", "title": "문의", "body": "<p>본문</p>", "text_body": TEXT},
        format="json",
    )
    assert created.status_code == 201, created.data
    assert created.data["text_body"] == TEXT

    response = auth_client.post(
        f"/api/campaign-templates/{created.data['id']}/preview/", {"is_advertising": False}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["text"] == TEXT.replace("{{ company.owner }}", "홍길동")


def test_a_text_part_that_does_not_compile_is_a_400(auth_client):
    response = auth_client.post(
        "/api/campaign-templates/",
        {"name": "깨진 텍스트", "title": "문의", "body": "<p>본문</p>", "text_body": "{% if %}"},
        format="json",
    )
    assert response.status_code == 400
    assert "text_body" in response.data["fields"]
