"""A click link works only with the token of the e-mail it was sent in; links sent before the binding
keep working until TRACKING_UNBOUND_CLICK_LINKS_UNTIL."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine

from apps.campaigns import tracking as tracking_links
from apps.campaigns.tracking import instrument_html, result_token
from apps.tracking.models import TrackingEvent

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

TARGET = "https://shop.example.co.kr/item?id=1"
HTML = f'<html><body><a href="{TARGET}">상품 보기</a></body></html>'
CUTOFF = datetime(2027, 6, 6, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cutoff(settings):
    settings.TRACKING_UNBOUND_CLICK_LINKS_UNTIL = CUTOFF


def _click_path(html: str) -> str:
    href = unescape(re.search(r'href="([^"]+)"', html).group(1))
    return href[href.index("/api/t/c/") :]


def test_link_of_one_email_with_another_recipients_token_is_400(client, drain):
    alice, bob = ResultFactory(), ResultFactory()
    alice_path = _click_path(instrument_html(HTML, alice.id))
    forged = alice_path.replace(result_token(alice.id), result_token(bob.id))
    response = client.get(forged)
    assert response.status_code == 400
    assert "Location" not in response
    assert client.get(alice_path).status_code == 302
    drain()
    assert list(TrackingEvent.objects.values_list("result_id", flat=True)) == [alice.id]


def _unbound_path(result) -> str:
    """A link as e-mails sent before the binding carry it: signed for the target only."""
    signature = tracking_links._unbound_click_signature(TARGET)
    return f"/api/t/c/{result_token(result.id)}/{signature}/?u={tracking_links._quoted(TARGET)}"


def test_link_sent_before_the_binding_works_until_the_cutoff(client):
    result = ResultFactory()
    with time_machine.travel(datetime(2027, 6, 5, 23, 59, tzinfo=UTC), tick=False):
        response = client.get(_unbound_path(result))
    assert response.status_code == 302 and response["Location"] == TARGET
    with time_machine.travel(CUTOFF, tick=False):
        assert client.get(_unbound_path(result)).status_code == 400


def test_unbound_links_refused_when_no_cutoff_is_set(client, settings):
    settings.TRACKING_UNBOUND_CLICK_LINKS_UNTIL = None
    assert client.get(_unbound_path(ResultFactory())).status_code == 400
