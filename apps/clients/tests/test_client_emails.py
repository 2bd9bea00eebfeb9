import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.clients.models import ClientEmail, ClientEmailAttachment
from apps.clients.tests.factories import (
    PDF_BYTES,
    ClientEmailAttachmentFactory,
    ClientEmailFactory,
    ClientFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/clients/client-emails/"


def test_client_emails_action_has_spec_shape(auth_client, user):
    client = ClientFactory(user=user)
    email = ClientEmailFactory(client=client, subject="Meeting Follow-up", to_email="client@example.com")
    attachment = ClientEmailAttachmentFactory(email=email)
    ClientEmailFactory()  # another user's

    response = auth_client.get(f"/api/clients/clients/{client.pk}/emails/")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"]) == (1, None)
    created_at = body["results"][0]["created_at"]
    assert body["results"] == [
        {
            "source": "client_email",
            "id": str(email.pk),
            "at": created_at,
            "subject": "Meeting Follow-up",
            "from": user.email,
            "to": "client@example.com",
            "content": email.content,
            "direction": "outbound",
            "campaign": None,
            "status": None,
            "created_at": created_at,
            "attachments": [
                {
                    "id": str(attachment.pk),
                    "name": "proposal.pdf",
                    "url": f"http://testserver/api/clients/client-email-attachments/{attachment.pk}/download/",
                    "size": len(PDF_BYTES),
                    "type": "pdf",
                }
            ],
        }
    ]


def test_log_email_with_json(auth_client, user):
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL,
        {
            "client": str(client.pk),
            "subject": "견적 문의 회신",
            "from": user.email,
            "to": "admin@zero.co.kr",
            "content": "...",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["from"] == user.email and body["to"] == "admin@zero.co.kr" and body["attachments"] == []
    assert ClientEmail.objects.get().user == user


def test_log_email_with_attachments(auth_client, user, settings):
    client = ClientFactory(user=user)
    files = [
        SimpleUploadedFile("proposal.pdf", PDF_BYTES, content_type="application/pdf"),
        SimpleUploadedFile("memo.txt", "안녕하세요".encode(), content_type="text/plain"),
    ]
    response = auth_client.post(
        URL,
        {
            "client": str(client.pk),
            "subject": "제안서",
            "from": user.email,
            "to": "a@b.kr",
            "upload_attachments": files,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert sorted(a["name"] for a in response.json()["attachments"]) == ["memo.txt", "proposal.pdf"]
    stored = ClientEmailAttachment.objects.get(name="proposal.pdf")
    assert stored.file.name.startswith(f"clients/{client.pk}/emails/")
    download = auth_client.get(f"/api/clients/client-email-attachments/{stored.pk}/download/")
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_disallowed_attachment_logs_nothing(auth_client, user, settings):
    client = ClientFactory(user=user)
    files = [
        SimpleUploadedFile("proposal.pdf", PDF_BYTES, content_type="application/pdf"),
        SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream"),
    ]
    response = auth_client.post(
        URL,
        {"client": str(client.pk), "subject": "x", "from": user.email, "to": "a@b.kr", "upload_attachments": files},
        format="multipart",
    )
    assert response.status_code == 400 and "attachments" in response.json()["fields"]
    assert not ClientEmail.objects.exists()
    assert not (settings.MEDIA_ROOT / "clients").exists()


def test_attachment_over_the_limit_is_413_and_logs_nothing(auth_client, user, settings):
    settings.CLIENT_FILE_MAX_BYTES = 1024
    client = ClientFactory(user=user)
    files = [
        SimpleUploadedFile("proposal.pdf", PDF_BYTES, content_type="application/pdf"),
        SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2000, content_type="application/pdf"),
    ]
    response = auth_client.post(
        URL,
        {"client": str(client.pk), "subject": "x", "from": user.email, "to": "a@b.kr", "upload_attachments": files},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The upload is over 1,024 bytes")
    assert not ClientEmail.objects.exists()
    assert not (settings.MEDIA_ROOT / "clients").exists()


def test_email_without_subject_is_400(auth_client, user):
    response = auth_client.post(
        URL, {"client": str(ClientFactory(user=user).pk), "from": "a@b.kr", "to": "c@d.kr"}, format="json"
    )
    assert response.status_code == 400 and "subject" in response.json()["fields"]


def test_attachment_of_another_users_email_is_404(other_client, user):
    attachment = ClientEmailAttachmentFactory(email=ClientEmailFactory(client=ClientFactory(user=user)))
    assert other_client.get(f"/api/clients/client-email-attachments/{attachment.pk}/download/").status_code == 404
    assert other_client.get("/api/clients/client-email-attachments/").json()["count"] == 0
