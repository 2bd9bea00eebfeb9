"""Rows whose outcome is unknown and whose messages Mailgun accepted are found through its Events API
(``accepted`` events of their recipients, every page followed through ``paging.next``, matched by the
result id in the ``v:`` variables) and become sent; the others wait."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tasks import resolve_unknown_outcomes
from services.email.mailgun import MailgunProvider

from .factories import CampaignFactory, deliver, unknown_rows

pytestmark = pytest.mark.django_db
SENT_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_accepted_rows_become_sent_through_the_events_pages(user, fake_mailgun):
    with time_machine.travel(SENT_AT, tick=False) as clock:
        campaign = CampaignFactory(user=user, status="completed", last_progress_at=timezone.now())
        rows = unknown_rows(campaign, 60, provider="mailgun")
        delivered, never_arrived = rows[:55], rows[55:]
        deliver(MailgunProvider(), campaign, delivered)
        # Another campaign's message to one of the same addresses is in the log too: not ours.
        other = CampaignFactory(user=user)
        deliver(MailgunProvider(), other, never_arrived[:1])

        clock.shift(timedelta(minutes=1))
        assert resolve_unknown_outcomes() == {"found": 55, "resent": 0, "held": 0, "awaiting": 5}

    resolved = CampaignLeadResult.objects.filter(pk__in=[r.pk for r in delivered])
    assert {(r.status, r.resolution, r.provider, r.sent_at) for r in resolved} == {
        ("sent", "found", "mailgun", SENT_AT)
    }
    # Mailgun's log shows the Message-Id each message went out with: ours.
    assert {r.provider_message_id for r in resolved} == {f"<{r.pk}@salesone.kr>" for r in delivered}
    waiting = CampaignLeadResult.objects.filter(pk__in=[r.pk for r in never_arrived])
    assert {(r.status, r.resolution) for r in waiting} == {("unknown", "")}

    # Two recipient groups (50 addresses a query), each read to its empty last page.
    queries = fake_mailgun.log_queries
    first_pages = [q for q in queries if q["path"] == f"/v3/{fake_mailgun.domain}/events"]
    next_pages = [q for q in queries if q["path"].startswith(f"/v3/{fake_mailgun.domain}/events/")]
    assert len(first_pages) == 2 and len(next_pages) == 2
    for query in first_pages:
        params = query["params"]
        assert params["event"] == "accepted" and params["ascending"] == "yes" and params["limit"] == "300"
        assert float(params["begin"]) == (SENT_AT - timedelta(seconds=60)).timestamp()
        assert float(params["end"]) == (SENT_AT + timedelta(minutes=2)).timestamp()
    asked = set()
    for query in first_pages:
        asked |= set(query["params"]["recipient"].split(" OR "))
    assert asked == {r.email.lower() for r in rows}
