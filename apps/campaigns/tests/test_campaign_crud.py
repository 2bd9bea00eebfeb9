"""Campaign CRUD: your own lead lists and template only; no changing what was sent once started."""

import pytest

from apps.campaigns.models import Campaign

from .factories import CampaignFactory, CampaignTemplateFactory, LeadListFactory

pytestmark = pytest.mark.django_db
URL = "/api/campaigns/"


def test_create_campaign_with_own_lists_and_template(auth_client, user):
    template = CampaignTemplateFactory(user=user)
    lists = [LeadListFactory(user=user), LeadListFactory(user=user)]
    response = auth_client.post(
        URL,
        {"name": "5월 캠페인", "template": str(template.pk), "leadlists": [str(x.pk) for x in lists]},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["status"] == "draft"
    assert set(response.data["leadlists"]) == {x.pk for x in lists}
    assert response.data["is_advertising"] is True


def test_another_users_lead_list_or_template_is_refused(auth_client, user, other_user):
    mine = CampaignTemplateFactory(user=user)
    theirs = CampaignTemplateFactory(user=other_user)
    their_list = LeadListFactory(user=other_user)
    response = auth_client.post(URL, {"name": "x", "template": str(theirs.pk)}, format="json")
    assert response.status_code == 400 and "template" in response.data["fields"]
    response = auth_client.post(
        URL, {"name": "x", "template": str(mine.pk), "leadlists": [str(their_list.pk)]}, format="json"
    )
    assert response.status_code == 400 and "leadlists" in response.data["fields"]


def test_other_users_campaign_is_404(other_client, user):
    campaign = CampaignFactory(user=user)
    assert other_client.get(f"{URL}{campaign.pk}/").status_code == 404
    assert other_client.post(f"{URL}{campaign.pk}/start/").status_code == 404
    assert other_client.get(f"{URL}{campaign.pk}/results/").status_code == 404


def test_sending_window_needs_both_ends(auth_client, user):
    template = CampaignTemplateFactory(user=user)
    response = auth_client.post(
        URL, {"name": "x", "template": str(template.pk), "send_window_start": "09:00"}, format="json"
    )
    assert response.status_code == 400
    assert "send_window_end" in response.data["fields"]


def test_started_campaign_keeps_its_template_but_may_be_renamed(auth_client, user):
    campaign = CampaignFactory(user=user, status=Campaign.Status.IN_PROGRESS)
    other_template = CampaignTemplateFactory(user=user)
    response = auth_client.patch(f"{URL}{campaign.pk}/", {"template": str(other_template.pk)}, format="json")
    assert response.status_code == 409
    response = auth_client.patch(f"{URL}{campaign.pk}/", {"name": "새 이름"}, format="json")
    assert response.status_code == 200
    assert response.data["name"] == "새 이름"


def test_campaign_in_progress_cannot_be_deleted(auth_client, user):
    campaign = CampaignFactory(user=user, status=Campaign.Status.IN_PROGRESS)
    assert auth_client.delete(f"{URL}{campaign.pk}/").status_code == 409
    campaign.status = Campaign.Status.PAUSED
    campaign.save()
    assert auth_client.delete(f"{URL}{campaign.pk}/").status_code == 204
