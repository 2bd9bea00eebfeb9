"""POST /api/privacy/export/ (개인정보보호법 제35조): a task writes a ZIP of every row of the user's
data that holds the person; the request is the audit entry; the owner alone downloads it."""

import io
import json
import time
import zipfile

import pytest
from django.utils import timezone

from apps.campaigns.tests.factories import LeadFactory
from apps.clients.tests.factories import (
    ClientEmailAttachmentFactory,
    ClientEmailFactory,
    ClientFactory,
    ClientNoteFactory,
    campaign_for,
    campaign_result,
    tracking_event,
)
from apps.mail.suppression import address_hash
from apps.privacy.models import PrivacyRequest
from apps.tasks.tests.factories import TaskFactory

ADDRESS = "kim.minjun@nexpa.co.kr"


def _wait_done(auth_client, request_id, timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = auth_client.get(f"/api/privacy/requests/{request_id}/").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"export {request_id} not done within {timeout} s")


@pytest.mark.worker
def test_export_zip_holds_every_row_of_the_person(user, auth_client, other_client, celery_worker_factory):
    lead = LeadFactory(user=user, email=ADDRESS, owner="김민준")
    LeadFactory(user=user, email="someone.else@nexpa.co.kr")
    result = campaign_result(campaign_for(user), ADDRESS, "sent", timezone.now(), lead=lead)
    tracking_event(result, "open", timezone.now())
    client = ClientFactory(user=user, emails=[ADDRESS])
    ClientNoteFactory(client=client, content=f"{ADDRESS} 개인 메모", is_private=True)
    ClientEmailAttachmentFactory(email=ClientEmailFactory(client=client, to_email=ADDRESS))
    TaskFactory(created_by=user, body=f"{ADDRESS}에게 전화")
    celery_worker_factory(queues="default")

    response = auth_client.post("/api/privacy/export/", {"lead": str(lead.pk), "reason": "열람 요구"}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued" and response.json()["subject_hash"] == address_hash(ADDRESS)
    body = _wait_done(auth_client, response.json()["id"])
    assert body["status"] == "done", body["error"]
    assert body["counts"]["leads"] == 1 and body["counts"]["client_notes"] == 1

    download = auth_client.get(f"/api/privacy/requests/{body['id']}/download/")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = set(archive.namelist())
    assert {"leads.json", "campaign_results.json", "tracking_events.json", "client_notes.json", "tasks.json"} <= names
    assert [row["fields"]["owner"] for row in json.loads(archive.read("leads.json"))] == ["김민준"]
    assert ADDRESS in json.loads(archive.read("client_notes.json"))[0]["fields"]["content"]  # decrypted
    assert any(name.startswith("files/") and name.endswith("proposal.pdf") for name in names)
    assert "someone.else" not in archive.read("leads.json").decode()

    assert other_client.get(f"/api/privacy/requests/{body['id']}/download/").status_code == 404
    audit = PrivacyRequest.objects.get()
    assert (audit.user, audit.kind, audit.reason, audit.subject_email) == (user, "export", "열람 요구", "")


@pytest.mark.django_db
def test_open_exports_are_limited(auth_client, settings):
    settings.PRIVACY_MAX_OPEN_EXPORTS = 1
    assert auth_client.post("/api/privacy/export/", {"email": ADDRESS}, format="json").status_code == 202
    response = auth_client.post("/api/privacy/export/", {"email": "b@nexpa.co.kr"}, format="json")
    assert response.status_code == 409 and "PRIVACY_MAX_OPEN_EXPORTS" in response.json()["detail"]
