import datetime

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.clients.tests.factories import (
    ClientActivityFactory,
    ClientEmailFactory,
    ClientFactory,
    ClientNoteFactory,
    campaign_for,
    campaign_result,
)
from apps.tracking.services import events_ingest, new_event

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def test_communications_merge_campaign_emails_and_activities_newest_first(auth_client, user):
    client = ClientFactory(user=user, emails=["admin@zerocommunication.co.kr"])
    campaign = campaign_for(user)
    opened = campaign_result(
        campaign,
        "Admin@ZeroCommunication.co.kr",  # addresses compare case-insensitively
        CampaignLeadResult.Status.OPENED,
        datetime.datetime(2024, 3, 15, 0, tzinfo=UTC),
        opened_at=datetime.datetime(2024, 3, 15, 1, 30, tzinfo=UTC),
    )
    campaign_result(
        campaign_for(user, "미발송"), "admin@zerocommunication.co.kr", CampaignLeadResult.Status.PENDING, None
    )
    campaign_result(campaign_for(user, "실패"), "admin@zerocommunication.co.kr", CampaignLeadResult.Status.FAILED, None)
    campaign_result(
        campaign_for(user, "다른 주소"),
        "someone@else.kr",
        CampaignLeadResult.Status.SENT,
        datetime.datetime(2024, 3, 16, tzinfo=UTC),
    )
    # Another user's campaign to the same address is not this user's communication.
    foreign_campaign = campaign_for(ClientFactory().user, "타 사용자")
    campaign_result(
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
            "delivered_at": None,
            "opened_at": "2024-03-15T01:30:00.000000Z",
            "clicked_at": None,
            "replied_at": None,
            "bounced_at": None,
            "unsubscribed_at": None,
            "complained_at": None,
        },
    ]
    assert opened.campaign_id == campaign.pk


def test_campaign_emails_show_delivered_bounced_unsubscribed_and_complained_times(auth_client, user):
    client = ClientFactory(user=user, emails=["admin@zerocommunication.co.kr", "ceo@zerocommunication.co.kr"])
    t0 = datetime.datetime(2024, 3, 15, 0, tzinfo=UTC)
    sent = CampaignLeadResult.Status.SENT
    bounced = campaign_result(campaign_for(user, "반송"), "ceo@zerocommunication.co.kr", sent, t0)
    unsubscribed = campaign_result(campaign_for(user, "수신거부"), "admin@zerocommunication.co.kr", sent, t0)

    def event(result, kind, seconds, source="sendgrid"):
        when = (t0 + datetime.timedelta(seconds=seconds)).timestamp()
        return new_event(kind=kind, source=source, result_id=result.id, occurred_at=when)

    # Through the tracking ingest, as the webhooks and the unsubscribe page record them.
    events_ingest(
        events=[
            event(bounced, "bounce", 30),
            event(unsubscribed, "delivered", 4),
            event(unsubscribed, "unsubscribe", 600, source="unsubscribe_page"),
            event(unsubscribed, "complaint", 900),
            event(unsubscribed, "unsubscribe", 1200, source="unsubscribe_page"),  # the first one counts
        ]
    )

    response = auth_client.get(f"/api/clients/clients/{client.pk}/communications/")
    assert response.status_code == 200
    items = {item["campaign_id"]: item for item in response.json()["communications"]}
    times = ("status", "delivered_at", "bounced_at", "unsubscribed_at", "complained_at")
    assert [items[str(bounced.campaign_id)][key] for key in times] == [
        "bounced",
        None,
        "2024-03-15T00:00:30.000000Z",
        None,
        None,
    ]
    assert [items[str(unsubscribed.campaign_id)][key] for key in times] == [
        "sent",
        "2024-03-15T00:00:04.000000Z",
        None,
        "2024-03-15T00:10:00.000000Z",
        "2024-03-15T00:15:00.000000Z",
    ]


def test_logged_emails_are_communications_too(auth_client, user):
    client = ClientFactory(user=user, emails=[])
    email = ClientEmailFactory(client=client)
    (item,) = auth_client.get(f"/api/clients/clients/{client.pk}/communications/").json()["communications"]
    assert item["type"] == "email" and item["email_id"] == str(email.pk) and item["subject"] == email.subject


def test_communications_of_another_users_client_is_404(other_client, user):
    assert other_client.get(f"/api/clients/clients/{ClientFactory(user=user).pk}/communications/").status_code == 404
