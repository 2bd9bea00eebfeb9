"""Issue 22: a client's phone numbers and uploaded files are encrypted at rest (Fernet tokens in
PostgreSQL and on disk), the API shows the plaintext, rotate_field_keys moves both to a new key, and
the data migration encrypts what was stored before."""

import importlib
import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from apps.clients.models import Client, ClientFile
from apps.clients.tests.factories import (
    PDF_BYTES,
    ClientEmailAttachmentFactory,
    ClientFactory,
    ClientFileFactory,
)
from common.encrypted_files import HEADER

pytestmark = pytest.mark.django_db
PHONES = ["010-2451-3612", "02-6952-1180"]
migration = importlib.import_module("apps.clients.migrations.0006_personal_data_encrypted")


def _raw_phones(client) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phones FROM clients_client WHERE id = %s", [client.pk])
        return cursor.fetchone()[0]


def _on_disk(settings, stored) -> bytes:
    return (Path(settings.MEDIA_ROOT) / stored.file.name).read_bytes()


def test_phones_are_a_token_in_the_database_and_a_list_in_the_api(auth_client, user):
    response = auth_client.post("/api/clients/clients/", {"name": "넥스파", "phones": PHONES}, format="json")
    assert response.status_code == 201, response.json()
    client = Client.objects.get(pk=response.json()["id"])
    raw = _raw_phones(client)
    assert raw.startswith("gAAAAA") and "2451" not in raw
    assert auth_client.get(f"/api/clients/clients/{client.pk}/").json()["phones"] == PHONES
    patched = auth_client.patch(f"/api/clients/clients/{client.pk}/", {"phones": []}, format="json")
    assert patched.status_code == 200 and patched.json()["phones"] == []
    assert Client.objects.get(pk=client.pk).phones == []


def test_an_uploaded_file_is_encrypted_on_disk_and_downloads_as_uploaded(auth_client, user, settings):
    client_file = ClientFileFactory(client=ClientFactory(user=user), name="계약서.pdf")
    stored = _on_disk(settings, client_file)
    assert stored.startswith(HEADER) and PDF_BYTES not in stored and b"%PDF" not in stored
    response = auth_client.get(f"/api/clients/client-files/{client_file.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"


def test_an_email_attachment_is_encrypted_on_disk_too(settings, user):
    attachment = ClientEmailAttachmentFactory()
    assert PDF_BYTES not in _on_disk(settings, attachment)
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES


def test_rotation_keeps_phones_and_files_readable_with_the_new_key_only(auth_client, user, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    client = ClientFactory(user=user, phones=PHONES)
    client_file = ClientFileFactory(client=client)
    file_before, phones_before = _on_disk(settings, client_file), _raw_phones(client)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "clients.ClientFile.file: 1 files re-encrypted" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert _on_disk(settings, client_file) != file_before and _raw_phones(client) != phones_before
    assert auth_client.get(f"/api/clients/clients/{client.pk}/").json()["phones"] == PHONES
    response = auth_client.get(f"/api/clients/client-files/{client_file.pk}/download/")
    assert b"".join(response.streaming_content) == PDF_BYTES
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(ImproperlyConfigured, match="could not be decrypted"):
        ClientFile.objects.get(pk=client_file.pk).file.open("rb")


def test_the_migration_encrypts_phones_and_files_stored_in_plaintext_and_can_run_again(auth_client, user, settings):
    client = ClientFactory(user=user, phones=PHONES)
    client_file = ClientFileFactory(client=client)
    path = Path(settings.MEDIA_ROOT) / client_file.file.name
    path.write_bytes(PDF_BYTES)  # as stored before issue 22
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clients_client SET phones = %s WHERE id = %s", ['["010-2451-3612"]', client.pk])
    assert auth_client.get(f"/api/clients/clients/{client.pk}/").json()["phones"] == ["010-2451-3612"]  # still reads

    for _run in range(2):
        migration.encrypt_existing_personal_data(None, None)
        assert path.read_bytes().startswith(HEADER) and b"%PDF" not in path.read_bytes()
        assert _raw_phones(client).startswith("gAAAAA")
        assert auth_client.get(f"/api/clients/clients/{client.pk}/").json()["phones"] == ["010-2451-3612"]
        response = auth_client.get(f"/api/clients/client-files/{client_file.pk}/download/")
        assert b"".join(response.streaming_content) == PDF_BYTES
