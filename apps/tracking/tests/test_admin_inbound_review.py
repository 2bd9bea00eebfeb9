import pytest

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import CampaignLeadResult
from apps.tracking.models import InboundMessage

from .factories import ResultFactory

pytestmark = pytest.mark.django_db


def test_staff_matching_an_unmatched_mail_marks_the_result_replied(client, settings):
    settings.TRACKING_INBOUND_SECRET = "s3cret-inbound"
    result = ResultFactory()
    client.post(
        "/api/webhooks/sendgrid/inbound/s3cret-inbound/",
        {"headers": "From: ceo@nexpa.co.kr\nSubject: 문의\nMessage-ID: <x1@mail>\n", "from": "ceo@nexpa.co.kr",
         "to": "sales@salesone.kr", "subject": "문의", "text": "전화 주세요"},
    )  # fmt: skip
    message = InboundMessage.objects.get(status="unmatched")

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/tracking/inboundmessage/?status__exact=unmatched").status_code == 200
    response = client.post(f"/admin/tracking/inboundmessage/{message.id}/change/", {"result": str(result.id)})
    assert response.status_code == 302, response.content.decode()[:2000]

    message.refresh_from_db()
    assert (message.status, message.matched_by, message.result_id) == ("matched", "manual", result.id)
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.REPLIED and result.replied_at == message.received_at


def test_admin_lists_events(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    for url in ("/admin/tracking/trackingevent/", "/admin/tracking/webhooktoken/", "/admin/tracking/inboundmessage/"):
        assert client.get(url).status_code == 200
