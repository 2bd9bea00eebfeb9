from urllib.parse import urlsplit

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tracking import open_pixel_url, result_token
from apps.tracking.models import TrackingEvent
from apps.tracking.views import PIXEL_GIF

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
)


def _path(result) -> str:
    return urlsplit(open_pixel_url(result.id)).path


def test_pixel_answers_a_real_uncached_gif(client):
    result = ResultFactory()
    response = client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=IPHONE_MAIL)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content == PIXEL_GIF
    assert response.content[:6] == b"GIF89a" and response.content[6:10] == b"\x01\x00\x01\x00"  # 1×1
    assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


def test_pixel_url_from_links_is_the_served_route(client):
    result = ResultFactory()
    assert client.get(_path(result), HTTP_USER_AGENT=IPHONE_MAIL).status_code == 200


def test_open_is_queued_then_marks_the_result_opened(client, drain, queued):
    result = ResultFactory()
    client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=IPHONE_MAIL, REMOTE_ADDR="211.36.140.7")
    assert queued() == 1
    assert not TrackingEvent.objects.exists()  # the request only queued it

    drain()
    event = TrackingEvent.objects.get()
    assert (event.kind, event.result_id, event.is_machine) == ("open", result.id, False)
    assert event.user_agent == IPHONE_MAIL and event.ip == "211.36.140.7"
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.OPENED
    assert result.opened_at == event.occurred_at
    assert result.open_count == 1


def test_second_open_counts_but_keeps_the_first_time(client, drain):
    result = ResultFactory()
    for _ in range(2):
        client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=IPHONE_MAIL)
        drain()
    result.refresh_from_db()
    first = TrackingEvent.objects.order_by("occurred_at").first()
    assert result.open_count == 2
    assert result.opened_at == first.occurred_at


@pytest.mark.parametrize(
    "token_change",
    [
        lambda t: t[:-1] + ("B" if t[-1] != "B" else "C"),  # signature byte changed
        lambda t: ("B" if t[0] != "B" else "C") + t[1:],  # result id changed
        lambda t: t[:-2],  # truncated
        lambda t: "not-a-token",
    ],
)
def test_tampered_token_is_400_and_records_nothing(client, drain, queued, token_change):
    result = ResultFactory()
    response = client.get(f"/api/t/o/{token_change(result_token(result.id))}/", HTTP_USER_AGENT=IPHONE_MAIL)
    assert response.status_code == 400
    assert queued() == 0
    drain()
    assert not TrackingEvent.objects.exists()
    result.refresh_from_db()
    assert result.opened_at is None


def test_token_of_another_secret_is_refused(client, settings):
    result = ResultFactory()
    settings.TRACKING_SIGNING_KEY = "an-attacker-guess"
    forged = result_token(result.id)
    settings.TRACKING_SIGNING_KEY = ""
    assert client.get(f"/api/t/o/{forged}/").status_code == 400
