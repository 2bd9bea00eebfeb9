"""The five-paragraph cold e-mail, sent by a campaign with default settings, scores at most 1.5 on
SpamAssassin's local rules (only the open pixel's rule left): scored by the real spamd on the MIME
message rebuilt from what the fake SendGrid received. (Before: 2.5, with MIME_HTML_ONLY and
LIST_PARTIAL_SHORT_MSG from an HTML-only fragment.)"""

import pytest

from apps.campaigns.services import campaign_start
from apps.campaigns.tests.conftest import eager_celery, fake_sendgrid, send  # noqa: F401 — fixtures
from apps.campaigns.tests.delivered import sendgrid_delivered
from apps.campaigns.tests.factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with
from services.spam.client import SpamdClient

pytestmark = pytest.mark.django_db

COLD_EMAIL = """<p>{{ company.owner }} 대표님, 안녕하세요.</p>
<p>저는 B2B 영업 자동화 서비스 세일즈원의 김영업입니다. 국내 중소기업의 신규 거래처 발굴을 돕고 있습니다.</p>
<p>지난해 경기도의 한 화학제품 제조사는 세일즈원으로 석 달 만에 상담 요청을 32% 늘렸습니다.</p>
<p>{{ company.name }}에도 도움이 될지 다음 주에 15분만 이야기 나눌 수 있을까요? 편한 시간을 알려 주세요.</p>
<p>사례 자세히 보기: <a href="https://salesone.kr/cases/chemical">https://salesone.kr/cases/chemical</a></p>
<p>김영업 드림<br>세일즈원 영업팀 · 02-1234-5678</p>"""


def _scored(result) -> dict[str, float]:
    return {rule.name: rule.score for rule in result.rules if rule.score != 0}


def test_the_cold_email_with_default_settings_scores_at_most_1_5(spamd, user, fake_sendgrid, send, settings):  # noqa: F811
    settings.PUBLIC_BASE_URL = "https://api.salesone.kr"
    lead = LeadFactory(user=user, owner="강윤구", name="(주)넥스파")
    template = CampaignTemplateFactory(user=user, title="{{ company.name }} 신규 거래처 발굴 관련", body=COLD_EMAIL)
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, [lead])])

    send(campaign_start, campaign=campaign)

    [message] = sendgrid_delivered(fake_sendgrid)
    message["Date"] = "Sun, 06 Dec 2026 01:00:00 +0000"
    result = SpamdClient(spamd, timeout=30).report(message.as_bytes())

    # Only the open pixel beside a short text is left (1.4 measured; plain mode drops it).
    assert result.score <= 1.5, _scored(result)
    assert _scored(result) == {"HTML_IMAGE_ONLY_12": 1.4}


def test_the_cold_email_in_plain_mode_scores_0(spamd, user, fake_sendgrid, send, settings):  # noqa: F811
    lead = LeadFactory(user=user, owner="강윤구", name="(주)넥스파")
    template = CampaignTemplateFactory(user=user, title="{{ company.name }} 신규 거래처 발굴 관련", body=COLD_EMAIL)
    campaign = CampaignFactory(user=user, template=template, plain_text=True, leadlists=[lead_list_with(user, [lead])])

    send(campaign_start, campaign=campaign)

    [message] = sendgrid_delivered(fake_sendgrid)
    message["Date"] = "Sun, 06 Dec 2026 01:00:00 +0000"
    result = SpamdClient(spamd, timeout=30).report(message.as_bytes())

    assert result.score == 0.0 and _scored(result) == {}
