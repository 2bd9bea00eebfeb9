"""Encrypted fields (issue 22): reply bodies and private notes are Fernet tokens in PostgreSQL and
plaintext through the API; keys rotate with rotate_field_keys; without keys outside development and
tests the field refuses to work, saying why; the data migration's helper encrypts existing rows."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.clients.models import ClientNote
from apps.clients.tests.factories import ClientFactory
from apps.tracking.models import InboundMessage
from common.encrypted_fields import reencrypt_column

pytestmark = pytest.mark.django_db
REPLY = "대표님, 견적서 잘 받았습니다. 제 휴대폰 010-1234-5678로 연락 주세요."


def _raw(table: str, column: str, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _reply(**kwargs) -> InboundMessage:
    return InboundMessage.objects.create(
        provider="mailgun", status="unmatched", text=REPLY, html=f"<p>{REPLY}</p>", received_at=timezone.now(), **kwargs
    )


def test_a_reply_body_is_a_token_in_the_database_and_text_when_read():
    message = _reply()
    raw = _raw("tracking_inboundmessage", "text", message.pk)
    assert raw.startswith("gAAAAA") and "010-1234-5678" not in raw
    # The whole number: a token is random base64, where "010" alone turns up now and then (CI, 2026-12-07).
    assert "010-1234-5678" not in _raw("tracking_inboundmessage", "html", message.pk)
    message = InboundMessage.objects.get(pk=message.pk)
    assert (message.text, message.html) == (REPLY, f"<p>{REPLY}</p>")


def test_only_private_notes_are_encrypted_and_public_ones_stay_searchable(auth_client, user):
    client = ClientFactory(user=user)
    for title, private in (("공개 메모", False), ("개인 메모", True)):
        response = auth_client.post(
            "/api/clients/client-notes/",
            {
                "client": str(client.pk),
                "title": title,
                "content": f"{title}: 휴대폰 010-9876-5432",
                "is_private": private,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    public, private = ClientNote.objects.get(is_private=False), ClientNote.objects.get(is_private=True)
    assert "010-9876-5432" in _raw("clients_clientnote", "content", public.pk)
    assert "010-9876-5432" not in _raw("clients_clientnote", "content", private.pk)
    body = auth_client.get(f"/api/clients/client-notes/{private.pk}/").json()
    assert body["content"] == "개인 메모: 휴대폰 010-9876-5432" and body["is_private"] is True
    found = auth_client.get("/api/clients/client-notes/", {"search": "9876"}).json()["results"]
    assert [note["title"] for note in found] == ["공개 메모"]  # search over encrypted text is not offered


def test_rotate_field_keys_moves_every_value_to_the_new_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    message = _reply()
    before = _raw("tracking_inboundmessage", "text", message.pk)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "tracking.InboundMessage.text: 1 values re-encrypted" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: every value still reads
    after = _raw("tracking_inboundmessage", "text", message.pk)
    assert after != before
    assert InboundMessage.objects.get(pk=message.pk).text == REPLY
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(ImproperlyConfigured, match="could not be decrypted"):
        InboundMessage.objects.get(pk=message.pk)


def test_without_keys_outside_development_the_field_refuses(settings, monkeypatch):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "salesone.settings.production")
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is empty"):
        _reply()


def test_the_migration_helper_encrypts_rows_written_in_plaintext():
    message = _reply()
    with connection.cursor() as cursor:  # as a row written before the field was encrypted
        cursor.execute("UPDATE tracking_inboundmessage SET text = %s WHERE id = %s", [REPLY, message.pk])
    assert reencrypt_column(table="tracking_inboundmessage", column="text") == 1
    assert _raw("tracking_inboundmessage", "text", message.pk).startswith("gAAAAA")
    assert InboundMessage.objects.get(pk=message.pk).text == REPLY
