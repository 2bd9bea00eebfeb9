"""Every campaign state transition through the API: the allowed ones move, the others answer 409."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.campaigns.services import campaigns_start_due

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
S = Campaign.Status


@pytest.fixture
def campaign(user):
    leads = [LeadFactory(user=user) for _ in range(2)]
    return CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])


def post(client, campaign, verb, body=None, **headers):
    return client.post(f"/api/campaigns/{campaign.pk}/{verb}/", body or {}, format="json", **headers)


def test_draft_starts_in_progress_and_the_writer_writes_recipients(auth_client, campaign):
    response = post(auth_client, campaign, "start")
    assert response.status_code == 200, response.data
    assert response.data["status"] == S.IN_PROGRESS
    assert response.data["started_at"] is not None
    assert response.data["recipients_written_at"] is None
    assert campaign.results.count() == 0  # the writer task is queued when the start commits
    assert write_recipients(campaign) == 2
    campaign.refresh_from_db()
    assert campaign.recipients_written_at is not None
    assert campaign.status == S.IN_PROGRESS


def test_start_with_future_time_schedules_and_the_beat_job_starts_it(auth_client, campaign):
    when = timezone.now() + timedelta(hours=2)
    response = post(auth_client, campaign, "start", {"scheduled_at": when.isoformat()})
    assert response.data["status"] == S.SCHEDULED
    assert campaign.results.count() == 0
    assert campaigns_start_due() == 0
    with time_machine.travel(when + timedelta(seconds=1)):
        assert campaigns_start_due() == 1
    campaign.refresh_from_db()
    assert campaign.status == S.IN_PROGRESS
    write_recipients(campaign)
    assert campaign.results.count() == 2


def test_scheduled_campaign_can_be_paused_and_then_started_now(auth_client, campaign):
    post(auth_client, campaign, "start", {"scheduled_at": (timezone.now() + timedelta(days=1)).isoformat()})
    assert post(auth_client, campaign, "pause").data["status"] == S.PAUSED
    assert post(auth_client, campaign, "start").data["status"] == S.IN_PROGRESS


def test_in_progress_pauses_and_paused_resumes(auth_client, campaign):
    post(auth_client, campaign, "start")
    write_recipients(campaign)
    assert post(auth_client, campaign, "pause").data["status"] == S.PAUSED
    assert post(auth_client, campaign, "start").data["status"] == S.IN_PROGRESS
    assert campaign.results.count() == 2  # resuming does not write recipients again


def test_failed_campaign_can_be_started_again(auth_client, campaign):
    post(auth_client, campaign, "start")
    Campaign.objects.filter(pk=campaign.pk).update(status=S.FAILED, failure_reason="SendGrid refused")
    response = post(auth_client, campaign, "start")
    assert response.data["status"] == S.IN_PROGRESS
    assert response.data["failure_reason"] == ""


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.COMPLETED])
def test_start_is_refused_when_running_or_completed(auth_client, campaign, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    response = post(auth_client, campaign, "start", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "cannot be started" in response.data["detail"]


@pytest.mark.parametrize("status", [S.DRAFT, S.PAUSED, S.COMPLETED, S.FAILED])
def test_pause_is_refused_unless_running_or_scheduled(auth_client, campaign, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    response = post(auth_client, campaign, "pause", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "cannot be paused" in response.data["detail"]


def test_start_without_lead_lists_is_refused(auth_client, user):
    campaign = CampaignFactory(user=user)
    response = post(auth_client, campaign, "start", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "lead list" in response.data["detail"]


def test_schedule_can_only_be_given_to_a_draft(auth_client, campaign):
    post(auth_client, campaign, "start")
    post(auth_client, campaign, "pause")
    ahead = timezone.now() + timedelta(hours=1)
    response = post(auth_client, campaign, "start", {"scheduled_at": ahead.isoformat()})
    assert response.status_code == 409


def test_campaign_with_no_sendable_lead_completes_once_its_rows_are_written(
    auth_client, user, eager_celery, django_capture_on_commit_callbacks
):
    lead = LeadFactory(user=user, email="")
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead])])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(auth_client, campaign, "start")
    # The start answers before the writer runs; the writer completes the campaign.
    assert response.data["status"] == S.IN_PROGRESS
    campaign.refresh_from_db()
    assert campaign.status == S.COMPLETED
    assert campaign.results.get().error_message == "The lead has no e-mail address."


def test_completes_when_last_row_is_sent(user, fake_sendgrid, send, campaign):
    from apps.campaigns.services import campaign_start

    send(campaign_start, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == S.COMPLETED
    assert campaign.completed_at is not None
