"""Reads of tracking data: a campaign's tracked counts and rates, and a user's events."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.campaigns.models import CampaignLeadResult

from .models import TrackingEvent

Kind = TrackingEvent.Kind
Status = CampaignLeadResult.Status


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def campaign_tracking_totals(campaign) -> dict:
    """Counts and rates a campaign's results show (the campaigns app calls this).

    Unique counts are results with the human timestamp set (opened_at, clicked_at, replied_at …), so
    machine opens and clicks (Apple MPP, image proxies, link scanners) are not in them nor in the rates;
    they are reported on their own as ``machine_opens`` and ``machine_clicks`` (events). Rates are over
    the results sent (a result that clicked counts as opened: images may have been blocked).
    """
    campaign_id = getattr(campaign, "pk", campaign)
    results = CampaignLeadResult.objects.filter(campaign_id=campaign_id).aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(sent_at__isnull=False) | Q(delivered_at__isnull=False)),
        delivered=Count("id", filter=Q(delivered_at__isnull=False)),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        replied=Count("id", filter=Q(replied_at__isnull=False)),
        bounced=Count("id", filter=Q(bounced_at__isnull=False) | Q(status=Status.BOUNCED)),
        unsubscribed=Count("id", filter=Q(unsubscribed_at__isnull=False)),
        complained=Count("id", filter=Q(complained_at__isnull=False)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
    )
    events = TrackingEvent.objects.filter(campaign_id=campaign_id).aggregate(
        opens=Count("id", filter=Q(kind=Kind.OPEN, is_machine=False)),
        clicks=Count("id", filter=Q(kind=Kind.CLICK, is_machine=False)),
        machine_opens=Count("id", filter=Q(kind=Kind.OPEN, is_machine=True)),
        machine_clicks=Count("id", filter=Q(kind=Kind.CLICK, is_machine=True)),
    )
    sent = results["sent"]
    return {
        **results,
        **events,
        "open_rate": _rate(results["opened"], sent),
        "click_rate": _rate(results["clicked"], sent),
        "reply_rate": _rate(results["replied"], sent),
        "bounce_rate": _rate(results["bounced"], sent),
        "unsubscribe_rate": _rate(results["unsubscribed"], sent),
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
