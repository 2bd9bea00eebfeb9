import pytest

from apps.clients.models import ClientActivity
from apps.clients.tests.factories import ClientActivityFactory, ClientFactory, ClientNoteFactory

pytestmark = pytest.mark.django_db
URL = "/api/clients/client-activities/"


def test_log_a_meeting_with_its_minutes(auth_client, user):
    client = ClientFactory(user=user)
    note = ClientNoteFactory(client=client)
    response = auth_client.post(
        URL,
        {
            "client": str(client.pk),
            "type": "meeting",
            "title": "서비스 리뷰 미팅",
            "scheduled_at": "2024-03-20T05:00:00Z",
            "duration_minutes": 60,
            "status": "completed",
            "note": str(note.pk),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["scheduled_at"] == "2024-03-20T05:00:00.000000Z"
    assert body["user"] == {"id": str(user.pk), "email": user.email}
    assert ClientActivity.objects.get().note == note


def test_unknown_type_is_400(auth_client, user):
    response = auth_client.post(
        URL,
        {
            "client": str(ClientFactory(user=user).pk),
            "type": "fax",
            "title": "x",
            "scheduled_at": "2024-03-20T05:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400 and "type" in response.json()["fields"]


def test_note_of_another_client_is_400(auth_client, user):
    client = ClientFactory(user=user)
    other_note = ClientNoteFactory(client=ClientFactory(user=user))
    response = auth_client.post(
        URL,
        {
            "client": str(client.pk),
            "type": "call",
            "title": "통화",
            "scheduled_at": "2024-03-20T05:00:00Z",
            "note": str(other_note.pk),
        },
        format="json",
    )
    assert response.status_code == 400 and "note" in response.json()["fields"]


def test_filter_by_type_and_update(auth_client, user):
    client = ClientFactory(user=user)
    call = ClientActivityFactory(client=client, type="call", title="통화")
    ClientActivityFactory(client=client, type="meeting")
    body = auth_client.get(URL, {"type": "call"}).json()
    assert [a["id"] for a in body["results"]] == [str(call.pk)]
    response = auth_client.patch(f"{URL}{call.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
