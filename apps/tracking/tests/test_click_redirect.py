from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tracking import click_signature, click_url, result_token
from apps.tracking.models import TrackingEvent

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

TARGET = "https://shop.example.co.kr/item?id=1&ref=mail"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def _relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_click_redirects_to_the_signed_target_and_marks_clicked(client, drain):
    result = ResultFactory()
    response = client.get(_relative(click_url(TARGET, result.id)), HTTP_USER_AGENT=CHROME)
    assert response.status_code == 302
    assert response["Location"] == TARGET

    drain()
    event = TrackingEvent.objects.get()
    assert (event.kind, event.url, event.is_machine) == ("click", TARGET, False)
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.CLICKED
    assert result.clicked_at == event.occurred_at and result.click_count == 1
    # Images were blocked, but a click proves the mail was opened.
    assert result.opened_at == event.occurred_at


@pytest.mark.parametrize(
    "make_path",
    [
        # the target swapped for another site (the open-redirect attempt)
        lambda token, sig: f"/api/t/c/{token}/{sig}/?u=https%3A%2F%2Fevil.example.com%2F",
        # the target edited slightly
        lambda token, sig: f"/api/t/c/{token}/{sig}/?u=https%3A%2F%2Fshop.example.co.kr%2Fitem%3Fid%3D2",
        # the signature changed
        lambda token, sig: f"/api/t/c/{token}/{'A' * len(sig)}/?u=https%3A%2F%2Fshop.example.co.kr%2F",
        # the token changed
        lambda token, sig: f"/api/t/c/{'B' + token[1:] if token[0] != 'B' else 'C' + token[1:]}/{sig}/?u=x",
        # no target at all
        lambda token, sig: f"/api/t/c/{token}/{sig}/",
    ],
)
def test_tampered_click_is_400_never_a_redirect(client, drain, make_path):
    result = ResultFactory()
    path = make_path(result_token(result.id), click_signature(TARGET, result.id))
    response = client.get(path, HTTP_USER_AGENT=CHROME)
    assert response.status_code == 400
    assert "Location" not in response
    drain()
    assert not TrackingEvent.objects.exists()


def test_signed_javascript_url_is_still_refused(client):
    """Even a correctly signed non-http target is never redirected to."""
    result = ResultFactory()
    target = "javascript:alert(1)"
    path = f"/api/t/c/{result_token(result.id)}/{click_signature(target, result.id)}/?u=javascript%3Aalert(1)"
    assert client.get(path).status_code == 400


def test_head_request_is_a_scanner_click(client, drain):
    result = ResultFactory()
    response = client.head(_relative(click_url(TARGET, result.id)), HTTP_USER_AGENT=CHROME)
    assert response.status_code == 302
    drain()
    event = TrackingEvent.objects.get()
    assert event.is_machine and event.machine_reason == "head_request"
    result.refresh_from_db()
    assert result.clicked_at is None and result.status == CampaignLeadResult.Status.SENT


def test_click_seconds_after_sending_is_a_scanner(client, drain, settings):
    settings.TRACKING_SCANNER_CLICK_SECONDS = 10
    sent_at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    result = ResultFactory(sent_at=sent_at)
    with time_machine.travel(sent_at + timedelta(seconds=3), tick=False):
        client.get(_relative(click_url(TARGET, result.id)), HTTP_USER_AGENT=CHROME)
    with time_machine.travel(sent_at + timedelta(minutes=5), tick=False):
        client.get(_relative(click_url(TARGET, result.id)), HTTP_USER_AGENT=CHROME)
    drain()

    scanner, person = TrackingEvent.objects.order_by("occurred_at")
    assert scanner.is_machine and scanner.machine_reason == "too_soon_after_delivery"
    assert not person.is_machine
    result.refresh_from_db()
    assert result.clicked_at == sent_at + timedelta(minutes=5)
    assert result.click_count == 1


def test_known_security_gateway_click_is_flagged(client, drain):
    result = ResultFactory()
    client.get(_relative(click_url(TARGET, result.id)), HTTP_USER_AGENT="Mozilla/5.0 (compatible; Barracuda Sentinel)")
    drain()
    assert TrackingEvent.objects.get().machine_reason == "scanner_user_agent"
