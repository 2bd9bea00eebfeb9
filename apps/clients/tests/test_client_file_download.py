import pytest

from apps.clients.models import ClientFile
from apps.clients.tests.factories import PDF_BYTES, ClientFactory, ClientFileFactory

pytestmark = pytest.mark.django_db
URL = "/api/clients/client-files/"


def test_owner_downloads_the_bytes(auth_client, user):
    client_file = ClientFileFactory(client=ClientFactory(user=user), name="계약서.pdf")
    response = auth_client.get(f"{URL}{client_file.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_download_needs_the_owners_token(api_client, other_client, user):
    client_file = ClientFileFactory(client=ClientFactory(user=user))
    assert api_client.get(f"{URL}{client_file.pk}/download/").status_code == 401
    assert other_client.get(f"{URL}{client_file.pk}/download/").status_code == 404


def test_media_is_not_served_publicly(api_client, user):
    client_file = ClientFileFactory(client=ClientFactory(user=user))
    assert api_client.get(f"/media/{client_file.file.name}").status_code == 404


def test_list_shows_size_and_type(auth_client, user):
    ClientFileFactory(client=ClientFactory(user=user))
    (item,) = auth_client.get(URL).json()["results"]
    assert item["size"] == len(PDF_BYTES) and item["type"] == "pdf"


def test_rename_file(auth_client, user):
    client_file = ClientFileFactory(client=ClientFactory(user=user))
    response = auth_client.patch(f"{URL}{client_file.pk}/", {"name": "최종 계약서.pdf"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "최종 계약서.pdf"
    assert auth_client.patch(f"{URL}{client_file.pk}/", {"name": " "}, format="json").status_code == 400


def test_deleting_a_file_removes_it_from_disk(auth_client, user, settings, django_capture_on_commit_callbacks):
    client_file = ClientFileFactory(client=ClientFactory(user=user))
    path = settings.MEDIA_ROOT / client_file.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"{URL}{client_file.pk}/").status_code == 204
    assert not ClientFile.objects.exists()
    assert not path.exists()
