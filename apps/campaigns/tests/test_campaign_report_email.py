"""When a campaign completes its owner gets one report e-mail in Korean, through the transactional
mail task, with the chart inline; completing twice (or the catch-up job) sends no second one."""

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.campaigns.models import Campaign, CampaignLeadResult, ReportEmail
from apps.campaigns.reports import campaign_report, campaign_report_send, campaigns_send_missed_reports, report_email
from apps.campaigns.services import campaign_complete_if_done
from apps.mail.models import OutboxMessage

from .factories import CampaignFactory, LeadFactory

AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _reports_on(settings):
    settings.CAMPAIGN_REPORT_EMAIL_ENABLED = True  # off in the test settings (they say why)


def _in_progress_campaign(user, *, sent=3):
    campaign = CampaignFactory(user=user, status=Campaign.Status.IN_PROGRESS, recipients_written_at=AT)
    for _ in range(sent):
        lead = LeadFactory(user=user)
        CampaignLeadResult.objects.create(
            campaign=campaign, lead=lead, email=lead.email, chunk=0, status="sent", sent=True, sent_at=AT
        )
    return campaign


@pytest.mark.django_db
def test_report_is_claimed_once_whatever_the_number_of_calls(user, django_capture_on_commit_callbacks):
    campaign = _in_progress_campaign(user)
    with django_capture_on_commit_callbacks() as queued:
        assert campaign_complete_if_done(campaign_id=campaign.pk)
        assert not campaign_complete_if_done(campaign_id=campaign.pk)  # already completed
    assert len(queued) == 1  # the report task, once
    with django_capture_on_commit_callbacks() as mailed:
        first = campaign_report_send(campaign_id=campaign.pk)
        second = campaign_report_send(campaign_id=campaign.pk)
        caught_up = campaigns_send_missed_reports()
    assert first is not None and first.recipient == user.email
    assert second is None and caught_up == 0
    assert len(mailed) == 1
    assert ReportEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_sequence_step_completing_sends_no_campaign_report(user, django_capture_on_commit_callbacks):
    """A sequence's steps are campaigns under the hood; their owner follows the sequence, not one
    "campaign completed" e-mail per step and variant."""
    step = _in_progress_campaign(user)
    Campaign.objects.filter(pk=step.pk).update(kind=Campaign.Kind.SEQUENCE_STEP)
    assert campaign_complete_if_done(campaign_id=step.pk)
    with django_capture_on_commit_callbacks() as mailed:
        assert campaign_report_send(campaign_id=step.pk) is None
        assert campaigns_send_missed_reports() == 0
    assert mailed == [] and not ReportEmail.objects.exists()


@pytest.mark.django_db
def test_no_report_before_completion_nor_for_old_campaigns(user, django_capture_on_commit_callbacks):
    running = _in_progress_campaign(user)
    old = CampaignFactory(user=user, status="completed", completed_at=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks() as mailed:
        assert campaign_report_send(campaign_id=running.pk) is None
        assert campaigns_send_missed_reports() == 0  # completed three days ago: before the catch-up window
    assert mailed == [] and not ReportEmail.objects.filter(subject_id=old.pk).exists()


@pytest.mark.django_db
def test_report_email_is_korean_with_the_chart_inline(user):
    campaign = CampaignFactory(user=user, name="봄 프로모션", status="completed")
    from django.utils import translation

    with translation.override("ko"):
        message = report_email(
            title="캠페인 보고서: 봄 프로모션", intro="완료", report=campaign_report(campaign=campaign)
        )
    image = message["inline_images"][0]
    assert f'src="cid:{image["content_id"]}"' in message["html"]
    assert base64.b64decode(image["content_base64"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "오픈율" in message["text"]


@pytest.mark.worker
def test_completion_reaches_the_owners_inbox_once(celery_worker_factory, user):
    celery_worker_factory(queues="campaigns,transactional", extra_env={"CAMPAIGN_REPORT_EMAIL_ENABLED": "true"})
    campaign = _in_progress_campaign(user)
    assert campaign_complete_if_done(campaign_id=campaign.pk)
    campaign_report_send(campaign_id=campaign.pk)  # a second completion handler, racing the worker
    deadline = time.monotonic() + 30
    while not OutboxMessage.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)  # waiting for the worker, not for time to pass
    message = OutboxMessage.objects.get()
    assert message.to_email == user.email
    assert message.subject.startswith("[SalesOne] 캠페인 보고서")
    assert message.attachments[0]["content_id"] == "campaign-report-chart"
    assert "cid:campaign-report-chart" in message.html
    assert ReportEmail.objects.filter(subject_id=campaign.pk).count() == 1


@pytest.mark.django_db
def test_turned_off_no_report_is_queued(user, settings, django_capture_on_commit_callbacks):
    settings.CAMPAIGN_REPORT_EMAIL_ENABLED = False
    campaign = _in_progress_campaign(user)
    with django_capture_on_commit_callbacks() as queued:
        assert campaign_complete_if_done(campaign_id=campaign.pk)
        assert campaign_report_send(campaign_id=campaign.pk) is None
    assert queued == [] and not ReportEmail.objects.exists()


@pytest.mark.django_db
def test_sequence_hook_sends_one_weekly_report_per_week(user, django_capture_on_commit_callbacks):
    from datetime import date
    from types import SimpleNamespace

    from apps.campaigns.reports import sequence_weekly_report_send

    sequence = SimpleNamespace(pk=uuid.uuid4(), name="신규 고객 온보딩", user=user)  # what the hook reads
    report = campaign_report(campaign=CampaignFactory(user=user))
    with django_capture_on_commit_callbacks() as mailed:
        first = sequence_weekly_report_send(sequence=sequence, week_start=date(2026, 3, 2), report=report)
        again = sequence_weekly_report_send(sequence=sequence, week_start=date(2026, 3, 2), report=report)
        next_week = sequence_weekly_report_send(sequence=sequence, week_start=date(2026, 3, 9), report=report)
    assert (first.period, again, next_week.period) == ("2026-W10", None, "2026-W11")
    assert len(mailed) == 2
