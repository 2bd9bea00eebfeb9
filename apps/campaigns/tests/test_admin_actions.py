"""The campaign admin's actions start, pause and retry through the same rules as the API."""

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Campaign, CampaignLeadResult

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/campaigns/campaign/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _act(staff_client, action, *campaigns):
    return staff_client.post(
        CHANGELIST, {"action": action, "_selected_action": [str(c.pk) for c in campaigns]}, follow=True
    )


def test_start_action_sends_and_pause_action_refuses_a_completed_campaign(user, staff_client, fake_sendgrid, send):
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])

    response = send(_act, staff_client, "start_campaigns", campaign)

    assert "캠페인 1개를 시작했습니다." in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email.lower() for lead in leads)

    response = _act(staff_client, "pause_campaigns", campaign)
    assert "일시 중지할 수 없습니다" in response.content.decode()  # the Conflict, in the staff's Korean
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED


def test_pause_then_retry_actions(user, staff_client, fake_sendgrid, send, django_capture_on_commit_callbacks):
    leads = [LeadFactory(user=user) for _ in range(2)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    with django_capture_on_commit_callbacks(execute=False):  # started, but no chunk runs yet
        _act(staff_client, "start_campaigns", campaign)
    write_recipients(campaign)

    response = _act(staff_client, "pause_campaigns", campaign)
    assert "캠페인 1개를 일시 중지했습니다." in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.PAUSED

    campaign.results.filter(lead=leads[0]).update(
        status=CampaignLeadResult.Status.FAILED, retryable=True, error_message="SendGrid refused (400)"
    )
    response = _act(staff_client, "retry_failed", campaign)
    assert "캠페인 1개의 발송 실패 이메일을 다시 보내는 중입니다." in response.content.decode()
    assert campaign.results.filter(status=CampaignLeadResult.Status.PENDING).count() == 2
    assert fake_sendgrid.request_count == 0  # still paused: nothing sent until started again

    send(_act, staff_client, "start_campaigns", campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email.lower() for lead in leads)
