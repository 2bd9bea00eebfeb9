"""Issue 22's review: consent e-mails cannot be turned on a stranger. An opt-in request to a suppressed
or erased address, or one asked again before the first is answered, is a 409 and sends nothing;
opt-in requests have a daily cap; notices skip suppressed and erased addresses. Evidence files are
capped in size and go with their event."""

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from apps.consent.models import ConsentEvent
from apps.consent.services import consent_grant, consent_request_opt_in, consent_withdraw
from apps.mail.models import SuppressedAddress
from apps.privacy.services import privacy_erase
from common.exceptions import Conflict

pytestmark = pytest.mark.django_db
URL = "/api/consent/events/opt-in-requests/"
ADDRESS = "ceo@nexpa.co.kr"


@pytest.fixture
def sent(monkeypatch):
    """The consent notices queued for sending (the transactional task's calls)."""
    calls = []
    monkeypatch.setattr("apps.consent.services.send_transactional_email.delay", lambda **kw: calls.append(kw))
    return calls


def _ask(auth_client, email=ADDRESS):
    return auth_client.post(URL, {"email": email, "source": "홈페이지 폼"}, format="json")


def test_no_opt_in_request_to_a_suppressed_address(auth_client, sent, django_capture_on_commit_callbacks):
    SuppressedAddress.objects.create(email=ADDRESS, reason="unsubscribed")
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(auth_client)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert response.json()["detail"]  # says why (in the language asked for)
    assert not ConsentEvent.objects.exists() and sent == []


def test_no_opt_in_request_to_an_address_you_erased(auth_client, user, sent, django_capture_on_commit_callbacks):
    privacy_erase(user=user, email=ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        assert _ask(auth_client).status_code == 409
    assert sent == []


def test_an_open_request_is_not_repeated_within_the_days(user, settings, sent, django_capture_on_commit_callbacks):
    settings.CONSENT_OPT_IN_REPEAT_DAYS = 7
    with time_machine.travel("2026-12-01T00:00:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        consent_request_opt_in(user=user, email=ADDRESS, source="홈페이지 폼")
    with time_machine.travel("2026-12-05T00:00:00Z", tick=False), pytest.raises(Conflict) as refused:
        consent_request_opt_in(user=user, email=ADDRESS, source="홈페이지 폼")
    assert "CONSENT_OPT_IN_REPEAT_DAYS" in str(refused.value.detail)
    with time_machine.travel("2026-12-09T00:00:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        consent_request_opt_in(user=user, email=ADDRESS, source="홈페이지 폼")
    assert [call["to"] for call in sent] == [ADDRESS, ADDRESS]
    assert ConsentEvent.objects.filter(kind="requested").count() == 2


def test_opt_in_requests_have_a_daily_cap(auth_client, settings):
    settings.CONSENT_OPT_IN_REQUESTS_PER_DAY = 2
    assert _ask(auth_client, "a@nexpa.co.kr").status_code == 201
    assert _ask(auth_client, "b@nexpa.co.kr").status_code == 201
    third = _ask(auth_client, "c@nexpa.co.kr")
    assert third.status_code == 409 and "CONSENT_OPT_IN_REQUESTS_PER_DAY" in third.json()["detail"]
    assert not ConsentEvent.objects.filter(email="c@nexpa.co.kr").exists()


def test_notices_skip_suppressed_and_erased_addresses(user, sent, django_capture_on_commit_callbacks):
    SuppressedAddress.objects.create(email="bounced@nexpa.co.kr", reason="bounced")
    privacy_erase(user=user, email="erased@nexpa.co.kr")
    with django_capture_on_commit_callbacks(execute=True):
        consent_grant(user=user, email="bounced@nexpa.co.kr", basis="opt_in_form")
        consent_grant(user=user, email="erased@nexpa.co.kr", basis="opt_in_form")
        consent_withdraw(user=user, email="bounced@nexpa.co.kr", source="API")
        consent_grant(user=user, email="fine@nexpa.co.kr", basis="opt_in_form")
        consent_withdraw(user=user, email="leaving@nexpa.co.kr", source="API")
    assert [call["to"] for call in sent] == ["fine@nexpa.co.kr", "leaving@nexpa.co.kr"]


def test_an_evidence_file_over_the_cap_is_413(auth_client, settings):
    """Refused as soon as the file's bytes pass the cap, not once the whole upload sits in a temporary
    file: the message says "over" the cap, since the file's size was never known."""
    settings.CONSENT_EVIDENCE_MAX_BYTES = 100
    upload = SimpleUploadedFile("동의서.pdf", b"%PDF-" + b"x" * 200, content_type="application/pdf")
    response = auth_client.post(
        "/api/consent/events/",
        {"email": ADDRESS, "kind": "granted", "basis": "import_evidence", "evidence_file": upload},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The upload is over 100 bytes")
    assert not ConsentEvent.objects.exists()


def test_an_evidence_upload_declaring_too_much_is_refused_before_reading(auth_client, settings):
    settings.CONSENT_EVIDENCE_MAX_BYTES = 1024
    upload = SimpleUploadedFile("동의서.pdf", b"%PDF-" + b"x" * 200_000, content_type="application/pdf")
    fields = {"email": ADDRESS, "kind": "granted", "basis": "import_evidence", "evidence_file": upload}
    body = encode_multipart(BOUNDARY, fields)
    response = auth_client.post("/api/consent/events/", body, content_type=MULTIPART_CONTENT, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    # The figure is the request's exact Content-Length, not the file's: refused before the body is read.
    assert response.json()["detail"] == (
        f"The upload is {len(body):,} bytes; the largest file accepted is 1,024 bytes (0 MB)."
    )
    assert not ConsentEvent.objects.exists()


def test_the_schema_documents_the_evidence_413(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    refused = schema["paths"]["/api/consent/events/"]["post"]["responses"]["413"]
    assert "CONSENT_EVIDENCE_MAX_BYTES" in refused["description"]


def test_an_erase_deletes_the_evidence_files(user, django_capture_on_commit_callbacks):
    event = consent_grant(
        user=user,
        email=ADDRESS,
        basis="import_evidence",
        evidence_file=ContentFile(b"%PDF-1.4 evidence", name="evidence.pdf"),
        notify=False,
    )
    name = event.evidence_file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        privacy_erase(user=user, email=ADDRESS)
    assert not ConsentEvent.objects.exists()
    assert not default_storage.exists(name)
