import pytest

from apps.clients.models import ClientNote
from apps.clients.tests.factories import ClientFactory, ClientNoteFactory

pytestmark = pytest.mark.django_db
URL = "/api/clients/client-notes/"


def test_create_note_for_own_client(auth_client, user):
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL, {"client": str(client.pk), "title": "Initial Meeting Notes", "content": "Met with CEO"}, format="json"
    )
    assert response.status_code == 201, response.json()
    note = ClientNote.objects.get()
    assert note.user == user and note.client == client


def test_list_shape_has_nested_user(auth_client, user):
    note = ClientNoteFactory(client=ClientFactory(user=user))
    ClientNoteFactory()  # another user's note
    body = auth_client.get(URL).json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(note.pk),
            "client": str(note.client_id),
            "title": note.title,
            "content": note.content,
            "is_private": False,
            "created_at": body["results"][0]["created_at"],
            "updated_at": body["results"][0]["updated_at"],
            "user": {"id": str(user.pk), "email": user.email},
        }
    ]


def test_filter_notes_by_client(auth_client, user):
    first, second = ClientFactory(user=user), ClientFactory(user=user)
    ClientNoteFactory(client=first)
    ClientNoteFactory(client=second)
    body = auth_client.get(URL, {"client": str(first.pk)}).json()
    assert [n["client"] for n in body["results"]] == [str(first.pk)]


def test_note_for_another_users_client_is_400(auth_client):
    foreign = ClientFactory()
    response = auth_client.post(URL, {"client": str(foreign.pk), "title": "x"}, format="json")
    assert response.status_code == 400
    assert "client" in response.json()["fields"]
    assert not ClientNote.objects.exists()


def test_note_without_title_is_400(auth_client, user):
    response = auth_client.post(URL, {"client": str(ClientFactory(user=user).pk)}, format="json")
    assert response.status_code == 400 and "title" in response.json()["fields"]


def test_update_and_delete_note(auth_client, user):
    note = ClientNoteFactory(client=ClientFactory(user=user))
    response = auth_client.patch(f"{URL}{note.pk}/", {"content": "수정된 내용"}, format="json")
    assert response.status_code == 200 and response.json()["content"] == "수정된 내용"
    assert auth_client.delete(f"{URL}{note.pk}/").status_code == 204
    assert not ClientNote.objects.exists()


def test_moving_note_to_another_users_client_is_400(auth_client, user):
    note = ClientNoteFactory(client=ClientFactory(user=user))
    response = auth_client.patch(f"{URL}{note.pk}/", {"client": str(ClientFactory().pk)}, format="json")
    assert response.status_code == 400
    note.refresh_from_db()
    assert note.client.user == user
