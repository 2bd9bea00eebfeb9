import pytest

from apps.clients.models import Client, ClientFile, ClientNote
from apps.clients.tests.factories import ClientFactory, ClientFileFactory, ClientNoteFactory

pytestmark = pytest.mark.django_db
URL = "/api/clients/clients/"

SPEC_CLIENT = {
    "name": "제로커뮤니케이션(주)",
    "representative_name": "유창해",
    "emails": ["admin@zerocommunication.co.kr"],
    "phones": ["010-2451-3612"],
    "address": "경기도 고양시 덕양구 통일로 140",
    "website": "zerocommunication.co.kr",
    "business_number": "123-45-67890",
}
LIST_KEYS = {*SPEC_CLIENT, "business_number_valid", "id", "created_at", "updated_at"}


def test_create_client_as_in_spec(auth_client, user):
    response = auth_client.post(URL, SPEC_CLIENT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == LIST_KEYS
    assert {k: body[k] for k in SPEC_CLIENT} == SPEC_CLIENT
    assert body["created_at"].endswith("Z")
    assert Client.objects.get(pk=body["id"]).user == user


def test_business_number_without_dashes_is_stored_with_them(auth_client):
    response = auth_client.post(URL, {**SPEC_CLIENT, "business_number": "1234567890"}, format="json")
    assert response.json()["business_number"] == "123-45-67890"


def test_invalid_email_and_business_number_are_400(auth_client):
    response = auth_client.post(
        URL, {**SPEC_CLIENT, "emails": ["not-an-address"], "business_number": "12-34"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"emails", "business_number"}
    assert not Client.objects.exists()


def test_missing_name_is_400(auth_client):
    response = auth_client.post(URL, {**SPEC_CLIENT, "name": "  "}, format="json")
    assert response.status_code == 400 and "name" in response.json()["fields"]


def test_list_is_paginated_and_shows_only_own_clients(auth_client, user):
    ClientFactory.create_batch(3, user=user)
    ClientFactory()  # another user's
    response = auth_client.get(URL, {"page_size": 2})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"] and body["previous"] is None
    assert set(body["results"][0]) == LIST_KEYS


def test_search_finds_client_by_korean_name(auth_client, user):
    ClientFactory(user=user, name="넥스트커머스(주)")
    ClientFactory(user=user, name="제로커뮤니케이션(주)")
    response = auth_client.get(URL, {"search": "넥스"})
    assert [c["name"] for c in response.json()["results"]] == ["넥스트커머스(주)"]


def test_detail_embeds_notes_and_files_as_spec(auth_client, user):
    client = ClientFactory(user=user)
    note = ClientNoteFactory(client=client)
    client_file = ClientFileFactory(client=client)
    body = auth_client.get(f"{URL}{client.pk}/").json()
    assert set(body) == LIST_KEYS | {"notes", "files"}
    assert body["notes"] == [
        {
            "id": str(note.pk),
            "client": str(client.pk),
            "title": note.title,
            "content": note.content,
            "created_at": body["notes"][0]["created_at"],
            "user": str(user.pk),
            "user_email": user.email,
        }
    ]
    (file_body,) = body["files"]
    assert set(file_body) == {"id", "client", "name", "description", "file_url", "created_at", "user", "user_email"}
    assert file_body["file_url"] == f"http://testserver/api/clients/client-files/{client_file.pk}/download/"


def test_update_client(auth_client, user):
    client = ClientFactory(user=user)
    response = auth_client.put(
        f"{URL}{client.pk}/", {**SPEC_CLIENT, "name": "제로커뮤니케이션 주식회사"}, format="json"
    )
    assert response.status_code == 200
    client.refresh_from_db()
    assert client.name == "제로커뮤니케이션 주식회사"


def test_update_with_bad_email_is_400_and_changes_nothing(auth_client, user):
    client = ClientFactory(user=user, name="그대로")
    response = auth_client.patch(f"{URL}{client.pk}/", {"name": "바뀜", "emails": ["x"]}, format="json")
    assert response.status_code == 400
    client.refresh_from_db()
    assert client.name == "그대로"


def test_delete_client_removes_notes_files_and_bytes_on_disk(
    auth_client, user, settings, django_capture_on_commit_callbacks
):
    client = ClientFactory(user=user)
    ClientNoteFactory(client=client)
    client_file = ClientFileFactory(client=client)
    path = settings.MEDIA_ROOT / client_file.file.name
    assert path.exists() and path.parent.parent.name == str(client.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(f"{URL}{client.pk}/")
    assert response.status_code == 204
    assert not ClientNote.objects.exists() and not ClientFile.objects.exists()
    assert not path.exists()
    assert not (settings.MEDIA_ROOT / "clients" / str(client.pk)).exists()


def test_another_users_client_is_404(other_client, user):
    client = ClientFactory(user=user)
    assert other_client.get(f"{URL}{client.pk}/").status_code == 404
    assert other_client.delete(f"{URL}{client.pk}/").status_code == 404
    assert Client.objects.filter(pk=client.pk).exists()


def test_filter_clients_by_email_address(auth_client, user):
    wanted = ClientFactory(user=user, emails=["admin@zerocommunication.co.kr"])
    ClientFactory(user=user, emails=["other@example.co.kr"])
    body = auth_client.get(URL, {"email": "Admin@ZeroCommunication.co.kr"}).json()
    assert [c["id"] for c in body["results"]] == [str(wanted.pk)]


def test_emails_are_stored_lower_case_without_repeats(auth_client):
    response = auth_client.post(
        URL, {**SPEC_CLIENT, "emails": ["Admin@Zero.co.kr", "admin@zero.co.kr", "ceo@zero.co.kr"]}, format="json"
    )
    assert response.json()["emails"] == ["admin@zero.co.kr", "ceo@zero.co.kr"]
