"""Reads of tracking data: a campaign's tracked counts and rates, and a user's events."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.campaigns.models import Campaign
from apps.campaigns.selectors import campaign_totals_of, campaigns_with_totals

from .models import TrackingEvent

Kind = TrackingEvent.Kind


_COUNTS = ("sent", "delivered", "opened", "clicked", "replied", "bounced", "unsubscribed", "complained", "failed")
_RATES = ("open_rate", "click_rate", "reply_rate", "bounce_rate", "unsubscribe_rate")


def campaign_tracking_totals(campaign) -> dict:
    """Counts and rates a campaign's results show (the stream's counters and /events/totals/).

    The counts and rates are the campaigns app's one definition (apps.campaigns.selectors): unique
    results with the human timestamp set, so machine opens and clicks (Apple MPP, image proxies, link
    scanners) are not in them nor in the rates, rates over the results sent. Here a rate without a
    denominator (or not tracked) is 0.0, and the events are counted too: ``opens``/``clicks`` (human)
    and ``machine_opens``/``machine_clicks``.
    """
    campaign_id = getattr(campaign, "pk", campaign)
    counts, rates = campaign_totals_of(campaigns_with_totals(Campaign.objects.filter(pk=campaign_id)).get())
    events = TrackingEvent.objects.filter(campaign_id=campaign_id).aggregate(
        opens=Count("id", filter=Q(kind=Kind.OPEN, is_machine=False)),
        clicks=Count("id", filter=Q(kind=Kind.CLICK, is_machine=False)),
        machine_opens=Count("id", filter=Q(kind=Kind.OPEN, is_machine=True)),
        machine_clicks=Count("id", filter=Q(kind=Kind.CLICK, is_machine=True)),
    )
    return {
        "total": counts["recipients"],
        **{name: counts[name] for name in _COUNTS},
        **events,
        **{name: rates[name] or 0.0 for name in _RATES},
    }


def tracking_event_list(*, user) -> QuerySet[TrackingEvent]:
    """Events of the user's own campaigns, newest first."""
    return (
        TrackingEvent.objects.filter(campaign__user=user)
        .select_related("result")
        .only(
            "id",
            "created_at",
            "updated_at",
            "result_id",
            "campaign_id",
            "kind",
            "occurred_at",
            "email",
            "source",
            "user_agent",
            "ip",
            "url",
            "is_machine",
            "machine_reason",
            "detail",
            "result__lead_id",
        )
        .order_by("-occurred_at")
    )
