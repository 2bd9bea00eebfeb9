from urllib.parse import urlsplit

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.tracking import list_unsubscribe_headers, result_token, unsubscribe_url
from apps.leads.tests.factories import LeadFactory, LeadListFactory
from apps.mail.models import OutboxMessage, SuppressedAddress
from apps.tracking.models import TrackingEvent
from celery_app import app as celery_app

from .factories import CampaignFactory, ResultFactory

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


def _path(result) -> str:
    return urlsplit(unsubscribe_url(result.id)).path


def test_page_asks_in_korean_and_does_not_unsubscribe_by_itself(client):
    """Link scanners fetch every link: a GET must not opt anybody out."""
    result = ResultFactory()
    response = client.get(_path(result))
    assert response.status_code == 200
    page = response.content.decode()
    assert "수신거부" in page and 'method="post"' in page
    assert not SuppressedAddress.objects.exists()
    assert not TrackingEvent.objects.exists()


def test_one_click_post_suppresses_the_address_and_confirms(client):
    result = ResultFactory(email="CEO@Nexpa.co.kr")
    # What a mail client sends for RFC 8058 to the List-Unsubscribe URL.
    url = list_unsubscribe_headers(result.id)["List-Unsubscribe"].strip("<>")
    response = client.post(urlsplit(url).path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    page = response.content.decode()
    assert "수신거부가 완료되었습니다" in page and "CEO@Nexpa.co.kr" in page

    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.email, suppressed.reason) == ("ceo@nexpa.co.kr", SuppressedAddress.Reason.UNSUBSCRIBED)
    event = TrackingEvent.objects.get()
    assert event.kind == "unsubscribe" and event.detail == "RFC 8058 one-click"
    result.refresh_from_db()
    assert result.unsubscribed_at == event.occurred_at
    assert result.status == CampaignLeadResult.Status.SENT  # opting out is not engagement


def test_page_button_post_also_unsubscribes_once(client):
    result = ResultFactory()
    for _ in range(2):
        assert client.post(_path(result), {"confirm": "1"}).status_code == 200
    assert SuppressedAddress.objects.count() == 1
    assert TrackingEvent.objects.count() == 1


def test_tampered_unsubscribe_link_is_400(client):
    result = ResultFactory()
    token = result_token(result.id)
    bad = ("B" if token[5] != "B" else "C").join([token[:5], token[6:]])
    assert client.get(f"/api/t/u/{bad}/").status_code == 400
    assert (
        client.post(f"/api/t/u/{bad}/", data=ONE_CLICK, content_type="application/x-www-form-urlencoded").status_code
        == 400
    )
    assert not SuppressedAddress.objects.exists()


def test_an_earlier_bounce_reason_is_kept(client):
    result = ResultFactory(email="gone@example.co.kr")
    SuppressedAddress.objects.create(email="gone@example.co.kr", reason=SuppressedAddress.Reason.BOUNCED)
    client.post(_path(result), data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert SuppressedAddress.objects.get().reason == SuppressedAddress.Reason.BOUNCED


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


def test_later_campaign_skips_the_unsubscribed_address(
    client, settings, eager_celery, django_capture_on_commit_callbacks
):
    from apps.campaigns.services import campaign_start

    settings.EMAIL_PROVIDERS = ["outbox"]
    first = ResultFactory(email="ceo@nexpa.co.kr")
    client.post(_path(first), data=ONE_CLICK, content_type="application/x-www-form-urlencoded")

    user = first.campaign.user
    unsubscribed = LeadFactory(user=user, email="ceo@nexpa.co.kr")
    other = LeadFactory(user=user, email="owner@other.co.kr")
    later = CampaignFactory(user=user, status=Campaign.Status.DRAFT)
    later.leadlists.set([LeadListFactory(user=user, lead_ids=[unsubscribed.pk, other.pk])])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=later)

    skipped = later.results.get(lead=unsubscribed)
    assert skipped.status == CampaignLeadResult.Status.FAILED
    assert "suppression" in skipped.error_message
    assert not OutboxMessage.objects.filter(to_email="ceo@nexpa.co.kr").exists()
    assert OutboxMessage.objects.filter(to_email="owner@other.co.kr").count() == 1


def test_one_click_from_a_mail_client_needs_no_csrf_token():
    from django.test import Client

    result = ResultFactory()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(_path(result), data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert SuppressedAddress.objects.filter(email=result.email).exists()
