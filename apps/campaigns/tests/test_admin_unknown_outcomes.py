"""The campaign's admin page says how many rows are unknown, why, and what asking the provider
resolved; the result rows can be filtered by their resolution."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.campaigns.tasks import resolve_unknown_outcomes
from services.email.sendgrid import SendGridProvider

from .factories import CampaignFactory, deliver, unknown_rows

pytestmark = pytest.mark.django_db


def test_admin_shows_unknown_rows_their_reason_and_resolutions(client, admin_user, user, fake_sendgrid):
    sent_at = timezone.now() - timedelta(minutes=1)
    campaign = CampaignFactory(user=user, status="completed", last_progress_at=sent_at)
    rows = unknown_rows(campaign, 3, claimed_at=sent_at)
    rows[2].error_message = "Outcome unknown: SendGrid did not answer after the request was sent: timeout"
    rows[2].save()
    deliver(SendGridProvider(), campaign, rows[:1])
    resolve_unknown_outcomes()

    client.force_login(admin_user)
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert "현재 결과 불명 2건 (발송 업체 로그 조회 대기 2건, 담당자 확인 대기 0건); 해결됨: " in page
    assert "발송 업체 로그에서 확인 1건, 한 번 더 발송 0건." in page
    assert "1 × Outcome unknown: the worker sending this e-mail stopped (crashed or was killed)" in page
    assert "1 × Outcome unknown: SendGrid did not answer after the request was sent: timeout" in page

    listing = client.get(
        f"/admin/campaigns/campaignleadresult/?resolution__exact=found&campaign__id__exact={campaign.pk}"
    )
    assert listing.status_code == 200
    assert rows[0].email in listing.content.decode() and rows[1].email not in listing.content.decode()
