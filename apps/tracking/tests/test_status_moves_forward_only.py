"""DESIGN.md: pending → sent → opened → clicked → replied; bounced and failed are terminal;
an open after a click never lowers the status, and every event's time is kept."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.tracking.models import TrackingEvent
from apps.tracking.services import events_ingest, new_event

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

Status = CampaignLeadResult.Status
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def _event(result, kind, minutes, **extra):
    return new_event(
        kind=kind,
        source="pixel",
        result_id=result.id,
        occurred_at=(T0 + timedelta(minutes=minutes)).timestamp(),
        user_agent=BROWSER,
        **extra,
    )


def _status(result) -> str:
    result.refresh_from_db()
    return result.status


def test_open_after_click_keeps_clicked_and_both_times():
    result = ResultFactory(sent_at=T0)
    events_ingest(events=[_event(result, "click", 30, url="https://example.com/")])
    events_ingest(events=[_event(result, "open", 40)])
    assert _status(result) == Status.CLICKED
    assert result.clicked_at == T0 + timedelta(minutes=30)
    assert result.opened_at == T0 + timedelta(minutes=30)  # implied by the click, earlier than the open
    assert result.open_count == 1 and result.click_count == 1
    assert sorted(TrackingEvent.objects.values_list("kind", flat=True)) == ["click", "open"]


def test_late_delivered_event_does_not_lower_replied():
    result = ResultFactory(sent_at=T0, status=Status.REPLIED, replied_at=T0 + timedelta(hours=2))
    events_ingest(events=[_event(result, "delivered", 1), _event(result, "open", 60)])
    assert _status(result) == Status.REPLIED
    assert result.delivered_at == T0 + timedelta(minutes=1)
    assert result.opened_at == T0 + timedelta(minutes=60)


def test_events_arriving_out_of_order_keep_the_earliest_time():
    result = ResultFactory(sent_at=T0)
    events_ingest(events=[_event(result, "open", 50)])
    events_ingest(events=[_event(result, "open", 20)])
    result.refresh_from_db()
    assert result.opened_at == T0 + timedelta(minutes=20)
    assert result.open_count == 2


def test_bounced_is_terminal():
    result = ResultFactory(sent_at=T0)
    events_ingest(events=[_event(result, "bounce", 1, suppress="bounced")])
    events_ingest(events=[_event(result, "open", 30), _event(result, "click", 31, url="https://example.com/")])
    assert _status(result) == Status.BOUNCED
    assert result.bounced_at == T0 + timedelta(minutes=1)
    assert TrackingEvent.objects.count() == 3  # the later events are still kept


def test_failed_is_terminal():
    result = ResultFactory(status=Status.FAILED, sent_at=None, sent=False)
    events_ingest(events=[_event(result, "open", 5)])
    assert _status(result) == Status.FAILED


def test_dropped_marks_a_sent_result_failed():
    result = ResultFactory(sent_at=T0)
    events_ingest(events=[_event(result, "dropped", 0, detail="Invalid")])
    assert _status(result) == Status.FAILED
    assert result.error_message


def test_deferred_changes_no_status():
    result = ResultFactory(sent_at=T0)
    events_ingest(events=[_event(result, "deferred", 0, detail="421 try later")])
    assert _status(result) == Status.SENT
