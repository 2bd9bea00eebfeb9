"""resend-unknown/ and its admin action: the owner's explicit choice to send again the rows whose
outcome is unknown, after being told the recipients may get a second copy; both call one service."""

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import UNKNOWN_OUTCOME_REASON, campaign_start

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


@pytest.fixture
def campaign(user, fake_sendgrid, send):
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    send(campaign_start, campaign=campaign)
    CampaignLeadResult.objects.filter(campaign=campaign, lead=leads[0]).update(
        status=R.UNKNOWN, error_message=UNKNOWN_OUTCOME_REASON
    )
    campaign.unknown_email = leads[0].email
    return campaign


def test_without_confirm_it_is_400_saying_a_second_copy_may_arrive(campaign, auth_client, fake_sendgrid):
    for body in ({}, {"confirm": False}):
        response = auth_client.post(
            f"/api/campaigns/{campaign.pk}/resend-unknown/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )

        assert response.status_code == 400
        assert "second copy" in response.data["fields"]["confirm"][0]
    assert campaign.results.filter(status=R.UNKNOWN).count() == 1
    assert fake_sendgrid.received_count == 3


def test_confirmed_it_sends_the_unknown_rows_once_more(campaign, auth_client, fake_sendgrid, send):
    response = send(auth_client.post, f"/api/campaigns/{campaign.pk}/resend-unknown/", {"confirm": True}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["resent"] == 1
    assert fake_sendgrid.recipients().count(campaign.unknown_email) == 2  # the owner asked for it
    assert fake_sendgrid.received_count == 4
    assert not campaign.results.filter(status=R.UNKNOWN).exists()
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED


def test_with_nothing_unknown_it_is_409(campaign, auth_client, send):
    send(auth_client.post, f"/api/campaigns/{campaign.pk}/resend-unknown/", {"confirm": True}, format="json")

    response = auth_client.post(
        f"/api/campaigns/{campaign.pk}/resend-unknown/", {"confirm": True}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 409
    assert "outcome is unknown" in response.data["detail"]


def test_another_users_campaign_is_404(campaign, other_client):
    response = other_client.post(f"/api/campaigns/{campaign.pk}/resend-unknown/", {"confirm": True}, format="json")
    assert response.status_code == 404


def test_admin_action_asks_first_then_resends(campaign, client, fake_sendgrid, send):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {"action": "resend_unknown", "_selected_action": [str(campaign.pk)]}

    response = client.post("/admin/campaigns/campaign/", form)

    page = response.content.decode()  # the staff's Korean admin, the warning included
    assert "같은 메일을 두 번 받을 수 있습니다" in page and "결과 불명 메일 1건" in page
    assert fake_sendgrid.received_count == 3

    response = send(client.post, "/admin/campaigns/campaign/", {**form, "confirm": "yes"}, follow=True)

    assert "캠페인 1개의 &#x27;결과 불명&#x27; 이메일을 다시 보내는 중입니다." in response.content.decode()
    assert fake_sendgrid.recipients().count(campaign.unknown_email) == 2
