import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.campaigns.models import CampaignLeadResult
from apps.clients.tests.factories import (
    ClientActivityFactory,
    ClientFactory,
    ClientFileFactory,
    ClientNoteFactory,
    campaign_for,
    campaign_result,
)
from apps.tracking.machine import open_machine_reason
from apps.tracking.models import TrackingEvent
from apps.tracking.services import events_ingest, new_event

pytestmark = pytest.mark.django_db
KST = datetime.timezone(datetime.timedelta(hours=9))


def test_timeline_lists_notes_files_and_activities_oldest_first(auth_client, user):
    client = ClientFactory(user=user)
    with time_machine.travel(datetime.datetime(2024, 3, 20, 10, tzinfo=datetime.UTC), tick=False):
        note = ClientNoteFactory(client=client, title="Initial Meeting Notes", content="Met with CEO")
    with time_machine.travel(datetime.datetime(2024, 3, 20, 11, tzinfo=datetime.UTC), tick=False):
        client_file = ClientFileFactory(client=client, name="Contract.pdf", description="Signed service agreement")
    activity = ClientActivityFactory(
        client=client, title="서비스 리뷰 미팅", scheduled_at=datetime.datetime(2024, 3, 20, 21, tzinfo=KST)
    )
    ClientNoteFactory()  # another user's

    response = auth_client.get(f"/api/clients/clients/{client.pk}/timeline/")
    assert response.status_code == 200
    body = response.json()
    assert [item["type"] for item in body] == ["note", "file", "activity"]
    assert body[0] == {
        "id": str(note.pk),
        "type": "note",
        "title": "Initial Meeting Notes",
        "content": "Met with CEO",
        "created_at": "2024-03-20T10:00:00.000000Z",
        "created_by": user.email,
    }
    assert body[1] == {
        "id": str(client_file.pk),
        "type": "file",
        "name": "Contract.pdf",
        "description": "Signed service agreement",
        "file_url": f"http://testserver/api/clients/client-files/{client_file.pk}/download/",
        "created_at": "2024-03-20T11:00:00.000000Z",
        "created_by": user.email,
    }
    assert body[2]["id"] == str(activity.pk)
    assert body[2]["activity_type"] == "meeting"
    assert body[2]["scheduled_at"] == "2024-03-20T12:00:00.000000Z"


def test_timeline_of_another_users_client_is_404(other_client, user):
    client = ClientFactory(user=user)
    assert other_client.get(f"/api/clients/clients/{client.pk}/timeline/").status_code == 404


def test_timeline_of_an_unknown_id_is_404(auth_client):
    assert auth_client.get("/api/clients/clients/not-a-uuid/timeline/").status_code == 404


# --- campaign e-mails and their tracking events -------------------------------------------------------

T0 = datetime.datetime(2024, 3, 15, 0, 0, tzinfo=datetime.UTC)
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def at(**delta) -> datetime.datetime:
    return T0 + datetime.timedelta(**delta)


def ingest(result, kind, when, source="sendgrid", **extra):
    """Record an event the way the pixel, redirect and webhook views do: classified, then ingested."""
    if kind == "open" and "machine_reason" not in extra:
        extra["machine_reason"] = open_machine_reason(user_agent=extra.get("user_agent", ""), ip=extra.get("ip"))
    events_ingest(
        events=[new_event(kind=kind, source=source, result_id=result.id, occurred_at=when.timestamp(), **extra)]
    )


def iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_timeline_shows_campaign_emails_and_their_events_machine_ones_flagged(auth_client, user):
    client = ClientFactory(user=user, emails=["admin@zerocommunication.co.kr"])
    spring = campaign_for(user, "3월 신규 서비스 안내")
    # The address as the lead list had it: addresses compare case-insensitively.
    first = campaign_result(spring, "Admin@ZeroCommunication.co.kr", CampaignLeadResult.Status.SENT, T0)
    ingest(first, "delivered", at(seconds=5))
    ingest(first, "open", at(seconds=20), source="pixel", user_agent="Mozilla/5.0", ip="17.58.0.1")  # Apple MPP
    ingest(first, "click", at(seconds=8), source="redirect", user_agent=BROWSER, url="https://zero.kr/a")  # scanner
    with time_machine.travel(at(hours=1), tick=False):
        note = ClientNoteFactory(client=client, title="통화 메모")
    ingest(first, "open", at(hours=1, minutes=30), source="pixel", user_agent=BROWSER, ip="211.234.10.1")
    ingest(first, "click", at(hours=1, minutes=32), source="redirect", user_agent=BROWSER, url="https://zero.kr/price")
    follow_up = campaign_result(
        campaign_for(user, "4월 후속 안내"), "admin@zerocommunication.co.kr", CampaignLeadResult.Status.SENT, at(days=1)
    )
    ingest(follow_up, "bounce", at(days=1, seconds=10), detail="550 5.1.1 The email account does not exist")
    # Never this client's timeline: the same user's campaign to another address, another user's
    # campaign to this address, and a result that was never sent.
    elsewhere = campaign_result(spring, "someone@else.kr", CampaignLeadResult.Status.SENT, at(hours=2))
    ingest(elsewhere, "open", at(hours=3), source="pixel", user_agent=BROWSER)
    foreign = campaign_result(
        campaign_for(ClientFactory().user, "타 사용자"),
        "admin@zerocommunication.co.kr",
        CampaignLeadResult.Status.SENT,
        at(hours=2),
    )
    ingest(foreign, "open", at(hours=3), source="pixel", user_agent=BROWSER)
    ingest(foreign, "click", at(hours=3, minutes=1), source="redirect", user_agent=BROWSER, url="https://x.kr/")
    campaign_result(
        campaign_for(user, "미발송"), "admin@zerocommunication.co.kr", CampaignLeadResult.Status.PENDING, None
    )

    response = auth_client.get(f"/api/clients/clients/{client.pk}/timeline/")
    assert response.status_code == 200
    body = response.json()
    assert [(item["type"], item.get("event"), item.get("is_machine")) for item in body] == [
        ("campaign_email", None, None),
        ("email_event", "delivered", False),
        ("email_event", "click", True),
        ("email_event", "open", True),
        ("note", None, None),
        ("email_event", "open", False),
        ("email_event", "click", False),
        ("campaign_email", None, None),
        ("email_event", "bounce", False),
    ]
    first.refresh_from_db()
    assert body[0] == {
        "id": str(first.pk),
        "type": "campaign_email",
        "campaign_id": str(spring.pk),
        "campaign_name": "3월 신규 서비스 안내",
        "subject": "(광고) 신규 서비스 안내",
        "email": "Admin@ZeroCommunication.co.kr",
        "status": "clicked",  # the machine open and click did not move it; the human ones did
        "sent_at": "2024-03-15T00:00:00.000000Z",
        "created_at": iso(first.created_at),
        "created_by": user.email,
    }
    events = {str(e.pk): e for e in TrackingEvent.objects.filter(result=first)}
    machine_open = body[3]
    assert machine_open == {
        "id": machine_open["id"],
        "type": "email_event",
        "event": "open",
        "occurred_at": "2024-03-15T00:00:20.000000Z",
        "campaign_email_id": str(first.pk),
        "campaign_id": str(spring.pk),
        "campaign_name": "3월 신규 서비스 안내",
        "subject": "(광고) 신규 서비스 안내",
        "email": "Admin@ZeroCommunication.co.kr",
        "is_machine": True,
        "machine_reason": "apple_mpp",
        "created_at": iso(events[machine_open["id"]].created_at),
    }
    assert (body[2]["machine_reason"], body[2]["url"]) == ("too_soon_after_delivery", "https://zero.kr/a")
    human_click = body[6]
    assert human_click["occurred_at"] == "2024-03-15T01:32:00.000000Z"
    assert (human_click["url"], human_click["machine_reason"]) == ("https://zero.kr/price", "")
    assert "url" not in body[5] and "created_by" not in human_click
    assert body[4]["id"] == str(note.pk)
    assert body[7]["id"] == str(follow_up.pk) and body[7]["status"] == "bounced"
    assert body[7]["campaign_name"] == "4월 후속 안내"
    assert body[8]["detail"] == "550 5.1.1 The email account does not exist"
    assert body[8]["campaign_email_id"] == str(follow_up.pk)


def test_another_users_events_never_reach_the_timeline(auth_client, other_client, user, other_user):
    """The other user has a client with the same address and sent to it: each sees only their own."""
    mine = ClientFactory(user=user, emails=["admin@zerocommunication.co.kr"])
    theirs = ClientFactory(user=other_user, emails=["admin@zerocommunication.co.kr"])
    my_result = campaign_result(campaign_for(user), "admin@zerocommunication.co.kr", "sent", T0)
    their_result = campaign_result(campaign_for(other_user), "admin@zerocommunication.co.kr", "sent", T0)
    ingest(my_result, "open", at(hours=1), source="pixel", user_agent=BROWSER)
    ingest(their_result, "unsubscribe", at(hours=2), source="unsubscribe_page")

    my_body = auth_client.get(f"/api/clients/clients/{mine.pk}/timeline/").json()
    their_body = other_client.get(f"/api/clients/clients/{theirs.pk}/timeline/").json()
    assert [(i["type"], i.get("event")) for i in my_body] == [("campaign_email", None), ("email_event", "open")]
    assert {i.get("campaign_email_id", i["id"]) for i in my_body} == {str(my_result.pk)}
    assert [(i["type"], i.get("event")) for i in their_body] == [
        ("campaign_email", None),
        ("email_event", "unsubscribe"),
    ]
    assert {i.get("campaign_email_id", i["id"]) for i in their_body} == {str(their_result.pk)}


def test_timeline_query_count_does_not_grow_with_events(auth_client, user):
    client = ClientFactory(user=user, emails=["admin@zerocommunication.co.kr"])
    ClientNoteFactory(client=client)
    ClientFileFactory(client=client)
    ClientActivityFactory(client=client)

    def send(n: int) -> None:
        result = campaign_result(campaign_for(user, f"캠페인 {n}"), "admin@zerocommunication.co.kr", "sent", T0)
        ingest(result, "delivered", at(seconds=5))
        ingest(result, "open", at(minutes=n + 1), source="pixel", user_agent=BROWSER)
        ingest(result, "click", at(minutes=n + 2), source="redirect", user_agent=BROWSER, url="https://zero.kr/")

    send(0)
    url = f"/api/clients/clients/{client.pk}/timeline/"
    with CaptureQueriesContext(connection) as few:
        assert len(auth_client.get(url).json()) == 3 + 4
    for n in range(1, 5):
        send(n)
    with CaptureQueriesContext(connection) as many:
        assert len(auth_client.get(url).json()) == 3 + 5 * 4
    assert len(many) == len(few)
