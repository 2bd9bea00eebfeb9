import datetime

import pytest
import time_machine

from apps.clients.tests.factories import ClientActivityFactory, ClientFactory, ClientFileFactory, ClientNoteFactory

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
