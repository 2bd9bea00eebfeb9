"""Every campaign e-mail reaches the provider as multipart/alternative: a text part made from the HTML
(links as "text (URL)", Korean intact, the legal footer and opt-out link in it) and a complete HTML
document with its <style> inlined and the open pixel last."""

import pytest

from apps.campaigns.services import campaign_start

from .delivered import mailgun_delivered, parts, sendgrid_delivered
from .factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db

BODY = (
    "<style>p.case { color: #0a5; font-weight: bold }</style>"
    "<p>{{ company.owner }} 대표님, 안녕하세요.</p>"
    '<p class="case">도입 고객사 매출 32% 증가</p>'
    '<p><a href="https://salesone.kr/demo">데모 신청하기</a></p>'
)


@pytest.mark.parametrize("provider", ["sendgrid", "mailgun"])
def test_campaign_email_has_a_text_part_and_a_complete_document(user, send, provider, request, settings):
    fake = request.getfixturevalue(f"fake_{provider}")
    lead = LeadFactory(user=user, owner="강윤구")
    template = CampaignTemplateFactory(user=user, body=BODY)
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, [lead])])

    send(campaign_start, campaign=campaign)

    delivered = sendgrid_delivered(fake) if provider == "sendgrid" else mailgun_delivered(fake)
    [message] = delivered
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)

    assert "강윤구 대표님, 안녕하세요." in text
    assert "데모 신청하기 (https://salesone.kr/demo)" in text  # the link as written, not the tracker
    assert "발신자: (주)세일즈원 · 연락처: 02-1234-5678" in text
    assert f"수신거부 ({settings.PUBLIC_BASE_URL}/api/t/u/" in text
    assert "<" not in text

    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ko">' in html
    assert '<meta charset="utf-8">' in html
    assert "<body>" in html and html.rstrip().endswith("</html>")
    assert "<style" not in html
    assert '<p class="case" style="color: #0a5;font-weight: bold;">' in html
    assert "/api/t/c/" in html  # links tracked in the HTML
    # The open pixel is the last thing in the body: after the legal footer.
    assert html.index("수신거부") < html.index("/api/t/o/")
    assert "".join(html[html.index("/api/t/o/") :].split("/>", 1)[1].split()) == "</body></html>"
