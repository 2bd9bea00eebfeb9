"""Open tracking, click tracking and plain mode are switches per campaign, set through the API: the
e-mail the provider receives follows them, and results say "not tracked" (null) instead of 0%."""

import pytest

from apps.campaigns.models import Campaign
from apps.campaigns.services import campaign_start

from .delivered import mailgun_delivered, parts, sendgrid_delivered
from .factories import CampaignTemplateFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db

BODY = '<p>{{ company.owner }} 대표님, 안녕하세요.</p><p><a href="https://salesone.kr/cases">사례 보기</a></p>'


def _campaign(auth_client, user, **switches) -> Campaign:
    template = CampaignTemplateFactory(user=user, body=BODY)
    lead_list = lead_list_with(user, [LeadFactory(user=user, owner="강윤구")])
    response = auth_client.post(
        "/api/campaigns/",
        {"name": "추적 설정", "template": str(template.pk), "leadlists": [str(lead_list.pk)], **switches},
        format="json",
    )
    assert response.status_code == 201, response.data
    return Campaign.objects.get(pk=response.data["id"])


def test_defaults_track_opens_and_clicks(auth_client, user):
    campaign = _campaign(auth_client, user)
    data = auth_client.get(f"/api/campaigns/{campaign.pk}/").data
    assert (data["track_opens"], data["track_clicks"], data["plain_text"]) == (True, True, False)


@pytest.mark.parametrize("provider", ["sendgrid", "mailgun"])
def test_plain_mode_sends_text_only_with_links_untouched(auth_client, user, send, provider, request):
    fake = request.getfixturevalue(f"fake_{provider}")
    campaign = _campaign(auth_client, user, plain_text=True)

    send(campaign_start, campaign=campaign)

    [message] = sendgrid_delivered(fake) if provider == "sendgrid" else mailgun_delivered(fake)
    assert message.get_content_type() == "text/plain"
    text, html = parts(message)
    assert html == ""
    assert "강윤구 대표님, 안녕하세요." in text
    assert "사례 보기 (https://salesone.kr/cases)" in text
    assert "/api/t/" not in text.split("수신거부")[0]  # nothing tracked; only the legal opt-out link

    totals = auth_client.get(f"/api/campaigns/{campaign.pk}/results/").data["totals"]
    assert (totals["opens_tracked"], totals["open_rate"]) == (False, None)
    assert (totals["clicks_tracked"], totals["click_rate"]) == (False, None)


def test_open_tracking_off_leaves_out_the_pixel_and_keeps_click_tracking(auth_client, user, send, fake_sendgrid):
    campaign = _campaign(auth_client, user, track_opens=False)

    send(campaign_start, campaign=campaign)

    [message] = sendgrid_delivered(fake_sendgrid)
    html = parts(message)[1]
    assert "/api/t/o/" not in html and "/api/t/c/" in html
    totals = auth_client.get(f"/api/campaigns/{campaign.pk}/results/").data["totals"]
    assert (totals["opens_tracked"], totals["open_rate"], totals["clicks_tracked"]) == (False, None, True)
    assert totals["click_rate"] == 0.0


def test_click_tracking_off_leaves_links_as_written(auth_client, user, send, fake_sendgrid):
    campaign = _campaign(auth_client, user, track_clicks=False)

    send(campaign_start, campaign=campaign)

    html = parts(sendgrid_delivered(fake_sendgrid)[0])[1]
    assert '<a href="https://salesone.kr/cases">' in html and "/api/t/c/" not in html
    assert "/api/t/o/" in html
