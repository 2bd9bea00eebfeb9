"""seed_demo's tracking part: events on the demo campaign's sent results, the same after a second run."""

import io

import pytest

from apps.campaigns import demo as campaigns_demo
from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.selectors import campaign_totals
from apps.consent import demo as consent_demo
from apps.leads import demo as leads_demo
from apps.tracking import demo
from apps.tracking.models import TrackingEvent
from common.demo import DemoContext
from conftest import client_for

pytestmark = pytest.mark.django_db


def _snapshot(user):
    return (
        sorted(TrackingEvent.objects.filter(campaign__user=user).values_list("event_key", "kind", "is_machine")),
        sorted(
            CampaignLeadResult.objects.filter(campaign__user=user).values_list(
                "email", "status", "opened_at", "clicked_at", "open_count", "click_count"
            )
        ),
    )


def test_seed_adds_human_and_machine_events_once(user, settings):
    settings.EMAIL_PROVIDERS = ["sendgrid"]  # the campaign demo sends through the outbox whatever is configured
    ctx = DemoContext(user=user, stdout=io.StringIO())
    leads_demo.seed(ctx)
    consent_demo.seed(ctx)  # the demo leads' opt-ins: the advertising campaign sends
    campaigns_demo.seed(ctx)
    demo.seed(ctx)
    first = _snapshot(user)
    demo.seed(ctx)
    assert _snapshot(user) == first

    events = TrackingEvent.objects.filter(campaign__user=user)
    sent = CampaignLeadResult.objects.filter(campaign__user=user, sent_at__isnull=False)
    assert events.filter(kind="delivered").count() == sent.count() > 0
    assert events.filter(kind="open", is_machine=True).exists()  # an Apple prefetch, kept but not counted
    assert events.filter(kind="open", is_machine=False).exists()
    opened = sent.filter(opened_at__isnull=False)
    assert opened.exists() and opened.count() < sent.count()

    # What the demo user sees: human opens in the campaign totals, every event in the events list.
    totals = campaign_totals(campaign=sent.first().campaign)
    assert totals["opened"] == opened.count() and totals["open_rate"] > 0
    listed = client_for(user).get("/api/tracking/events/", {"page_size": 100}).json()
    assert listed["count"] == events.count()
