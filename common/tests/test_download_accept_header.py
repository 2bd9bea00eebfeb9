"""File downloads honour the Accept header a client sends for a file: the campaign report export
(text/csv, the XLSX type), the privacy export (application/zip) and client files (any type, their own)
answer 200 where DRF's content negotiation answered 406 before the view ran; an Accept the route
cannot serve is a 406 with the JSON error body; errors stay JSON whatever was accepted; and the
schema documents the 406 (common/renderers.file_renderers)."""

import pytest
from django.core.files.base import ContentFile

from apps.campaigns.tests.factories import CampaignFactory, CampaignTemplateFactory
from apps.clients.tests.factories import PDF_BYTES, ClientFactory, ClientFileFactory
from apps.privacy.models import PrivacyRequest

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_url(user) -> str:
    campaign = CampaignFactory(user=user, template=CampaignTemplateFactory(user=user))
    return f"/api/campaigns/{campaign.pk}/report/export/"


def _export(user) -> PrivacyRequest:
    export = PrivacyRequest.objects.create(user=user, kind="export", status="done", subject_hash="sha256:x")
    export.file.save("export.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=True)
    return export


@pytest.mark.parametrize(
    ("file_format", "accept", "content_type"),
    [
        ("csv", "text/csv", "text/csv; charset=utf-8"),
        ("csv", "text/csv, application/json;q=0.5", "text/csv; charset=utf-8"),
        ("xlsx", XLSX, XLSX),
        ("xlsx", "application/octet-stream", XLSX),
        ("csv", "*/*", "text/csv; charset=utf-8"),
    ],
)
def test_report_export_accepts_its_file_types(auth_client, user, file_format, accept, content_type):
    response = auth_client.get(_report_url(user), {"file_format": file_format}, HTTP_ACCEPT=accept)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == content_type


def test_privacy_export_download_accepts_zip(auth_client, user):
    export = _export(user)
    response = auth_client.get(f"/api/privacy/requests/{export.pk}/download/", HTTP_ACCEPT="application/zip")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")


@pytest.mark.parametrize("accept", ["application/pdf", "application/octet-stream", "image/png", "*/*"])
def test_client_file_download_accepts_any_type(auth_client, user, accept):
    client_file = ClientFileFactory(client=ClientFactory(user=user))
    response = auth_client.get(f"/api/clients/client-files/{client_file.pk}/download/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"


def test_an_accept_the_route_cannot_serve_is_a_json_406(auth_client, user):
    response = auth_client.get(_report_url(user), {"file_format": "csv"}, HTTP_ACCEPT="image/png")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_acceptable"
    export = _export(user)
    response = auth_client.get(f"/api/privacy/requests/{export.pk}/download/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406


def test_errors_are_json_whatever_was_accepted(auth_client, other_client, user):
    url = _report_url(user)
    response = auth_client.get(url, {"file_format": "pdf"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "file_format" in response.json()["fields"]
    export = _export(user)
    response = other_client.get(f"/api/privacy/requests/{export.pk}/download/", HTTP_ACCEPT="application/zip")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json()["code"] == "not_found"


def test_schema_documents_every_status_of_the_downloads(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    report = paths["/api/campaigns/{id}/report/export/"]["get"]["responses"]
    privacy = paths["/api/privacy/requests/{id}/download/"]["get"]["responses"]
    client_file = paths["/api/clients/client-files/{id}/download/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404", "406"} <= set(report)
    assert {"200", "401", "403", "404", "406"} <= set(privacy)
    assert "406" not in client_file  # any Accept is served: the file's own type
    assert set(report["200"]["content"]) == {"text/csv", XLSX}
