import datetime

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.clients.tests.factories import ClientActivityFactory, ClientEmailFactory, ClientFactory, ClientNoteFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def campaign_for(user, name="3월 신규 서비스 안내"):
    template = CampaignTemplate.objects.create(
        name=name, title="(광고) 신규 서비스 안내", body="<p>안녕하세요</p>", user=user
    )
    return Campaign.objects.create(name=name, template=template, user=user, status=Campaign.Status.COMPLETED)


def result(campaign, email, status, sent_at, **times):
    return CampaignLeadResult.objects.create(
        campaign=campaign, email=email, title="(광고) 신규 서비스 안내", status=status, sent_at=sent_at, **times
    )


def test_communications_merge_campaign_emails_and_activities_newest_first(auth_client, user):
    client = ClientFactory(user=user, emails=["admin@zerocommunication.co.kr"])
    campaign = campaign_for(user)
    opened = result(
        campaign,
        "Admin@ZeroCommunication.co.kr",  # addresses compare case-insensitively
        CampaignLeadResult.Status.OPENED,
        datetime.datetime(2024, 3, 15, 0, tzinfo=UTC),
        opened_at=datetime.datetime(2024, 3, 15, 1, 30, tzinfo=UTC),
    )
    result(campaign_for(user, "미발송"), "admin@zerocommunication.co.kr", CampaignLeadResult.Status.PENDING, None)
    result(campaign_for(user, "실패"), "admin@zerocommunication.co.kr", CampaignLeadResult.Status.FAILED, None)
    result(
        campaign_for(user, "다른 주소"),
        "someone@else.kr",
        CampaignLeadResult.Status.SENT,
        datetime.datetime(2024, 3, 16, tzinfo=UTC),
    )
    # Another user's campaign to the same address is not this user's communication.
    foreign_campaign = campaign_for(ClientFactory().user, "타 사용자")
    result(
        foreign_campaign,
        "admin@zerocommunication.co.kr",
        CampaignLeadResult.Status.SENT,
        datetime.datetime(2024, 3, 17, tzinfo=UTC),
    )
    note = ClientNoteFactory(client=client)
    meeting = ClientActivityFactory(
        client=client, scheduled_at=datetime.datetime(2024, 3, 20, 5, tzinfo=UTC), note=note, duration_minutes=60
    )

    response = auth_client.get(f"/api/clients/clients/{client.pk}/communications/")
    assert response.status_code == 200
    communications = response.json()["communications"]
    assert communications == [
        {
            "type": "meeting",
            "id": str(meeting.pk),
            "direction": "outbound",
            "title": "서비스 리뷰 미팅",
            "scheduled_at": "2024-03-20T05:00:00.000000Z",
            "duration_minutes": 60,
            "status": "completed",
            "notes_id": str(note.pk),
        },
        {
            "type": "email",
            "direction": "outbound",
            "campaign_id": str(campaign.pk),
            "subject": "(광고) 신규 서비스 안내",
            "sent_at": "2024-03-15T00:00:00.000000Z",
            "status": "opened",
            "opened_at": "2024-03-15T01:30:00.000000Z",
            "clicked_at": None,
            "replied_at": None,
        },
    ]
    assert opened.campaign_id == campaign.pk


def test_logged_emails_are_communications_too(auth_client, user):
    client = ClientFactory(user=user, emails=[])
    email = ClientEmailFactory(client=client)
    (item,) = auth_client.get(f"/api/clients/clients/{client.pk}/communications/").json()["communications"]
    assert item["type"] == "email" and item["email_id"] == str(email.pk) and item["subject"] == email.subject


def test_communications_of_another_users_client_is_404(other_client, user):
    assert other_client.get(f"/api/clients/clients/{ClientFactory(user=user).pk}/communications/").status_code == 404
