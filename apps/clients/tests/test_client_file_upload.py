import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.clients.models import ClientFile
from apps.clients.tests.factories import PDF_BYTES, ClientFactory

pytestmark = pytest.mark.django_db
URL = "/api/clients/client-files/"


def upload(name="Contract.pdf", content=PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_upload_stores_file_under_client_directory(auth_client, user, settings):
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL, {"client": str(client.pk), "file": upload(), "description": "Signed service agreement"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    stored = ClientFile.objects.get()
    assert body == {
        "id": str(stored.pk),
        "client": str(client.pk),
        "name": "Contract.pdf",  # defaults to the uploaded name
        "size": len(PDF_BYTES),
        "type": "pdf",
        "url": f"http://testserver/api/clients/client-files/{stored.pk}/download/",
        "description": "Signed service agreement",
        "user": {"id": str(user.pk), "email": user.email},
        "created_at": body["created_at"],
    }
    assert stored.file.name.startswith(f"clients/{client.pk}/files/")
    assert (settings.MEDIA_ROOT / stored.file.name).exists()  # encrypted there (test_client_personal_data_encrypted)
    with stored.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES


def test_upload_keeps_given_name(auth_client, user):
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL, {"client": str(client.pk), "file": upload(), "name": "계약서 최종.pdf"}, format="multipart"
    )
    assert response.json()["name"] == "계약서 최종.pdf"


def test_upload_over_the_limit_is_413_and_stores_nothing(auth_client, user, settings):
    settings.CLIENT_FILE_MAX_BYTES = 1024
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL,
        {"client": str(client.pk), "file": upload(content=PDF_BYTES + b"0" * 2000)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    # Refused while reading the file, not after storing it in a temporary file.
    assert response.json()["detail"].startswith("The upload is over 1,024 bytes")
    assert not ClientFile.objects.exists()
    assert not (settings.MEDIA_ROOT / "clients").exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("run.exe", b"MZ\x90\x00", "application/octet-stream"),  # extension not allowed
        ("page.html", b"<html>", "text/html"),
        ("Contract.pdf", PDF_BYTES, "text/html"),  # content type does not match the extension
        ("Contract.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),  # bytes are not a PDF
    ],
)
def test_disallowed_type_is_400(auth_client, user, settings, name, content, content_type):
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL, {"client": str(client.pk), "file": upload(name, content, content_type)}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    assert not ClientFile.objects.exists()


def test_hwp_sent_as_octet_stream_is_accepted(auth_client, user):
    client = ClientFactory(user=user)
    hwp = upload("견적서.hwp", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "application/octet-stream")
    response = auth_client.post(URL, {"client": str(client.pk), "file": hwp}, format="multipart")
    assert response.status_code == 201 and response.json()["type"] == "hwp"


def test_upload_to_another_users_client_is_400(auth_client):
    response = auth_client.post(URL, {"client": str(ClientFactory().pk), "file": upload()}, format="multipart")
    assert response.status_code == 400 and "client" in response.json()["fields"]


def test_upload_without_file_is_400(auth_client, user):
    response = auth_client.post(URL, {"client": str(ClientFactory(user=user).pk)}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]


def test_declared_length_over_the_limit_is_413_before_reading(auth_client, user, settings):
    settings.CLIENT_FILE_MAX_BYTES = 1024
    client = ClientFactory(user=user)
    big = upload(content=PDF_BYTES + b"0" * 200_000)
    response = auth_client.post(
        URL, {"client": str(client.pk), "file": big}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    # The figure is the request's declared length, not the file's: refused before the body is read.
    assert re.match(
        r"The upload is \d{3},\d{3} bytes; the largest file accepted is 1,024 bytes", response.json()["detail"]
    )
    assert not ClientFile.objects.exists()


def test_a_content_length_that_is_not_a_number_is_not_a_500(auth_client, user):
    """The size guard is the one every upload shares (common/upload_size.py): a malformed declared
    length is left to the parser, which reads no body, so the file is missing."""
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL, {"client": str(client.pk), "file": upload()}, format="multipart", CONTENT_LENGTH="many"
    )
    assert response.status_code == 400 and "file" in response.json()["fields"]
    assert not ClientFile.objects.exists()
