"""The weekly report e-mail of a sequence: what its step campaigns did, combined, sent to its owner once
per ISO week through campaigns' ``sequence_weekly_report_send`` (its ReportEmail claim is the "once").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.campaigns import reports as campaign_reports
from apps.campaigns import selectors as campaign_selectors
from apps.campaigns.models import Campaign, ReportEmail

from .models import Sequence

RECENT_REPLIES = campaign_reports.RECENT_REPLIES


def sequence_week_report(*, sequence: Sequence, week_start: date) -> dict:
    """campaign_report's shape over every step campaign of the sequence: totals, rates, links, replies
    and bounces to date, and the days of the week starting ``week_start`` (Asia/Seoul)."""
    campaigns = list(
        Campaign.objects.filter(sequence_variant__step__sequence=sequence).order_by("sequence_variant__step__order")
    )
    parts = [campaign_reports.campaign_report(campaign=campaign) for campaign in campaigns]
    totals: dict = {}
    for part in parts:
        for name, value in part["totals"].items():
            if isinstance(value, bool):  # the tracking switches: on if any step tracks
                totals[name] = totals.get(name, False) or value
            else:
                totals[name] = totals.get(name, 0) + value
    for name in campaign_selectors.TOTAL_NAMES:
        totals.setdefault(name, 0)
    sent = totals["sent"]
    rates = {
        rate: (round(totals[count] / sent, 4) if sent and (switch is None or totals.get(switch)) else None)
        for rate, (count, switch) in campaign_selectors.RATES.items()
    }
    links: dict[str, dict] = {}
    for part in parts:
        for link in part["top_links"]:
            merged = links.setdefault(link["url"], {"url": link["url"], "recipients": 0, "clicks": 0})
            merged["recipients"] += link["recipients"]
            merged["clicks"] += link["clicks"]
    bounces: dict[str, int] = {}
    for part in parts:
        for row in part["bounces_by_reason"]:
            bounces[row["reason"]] = bounces.get(row["reason"], 0) + row["count"]
    week = [week_start + timedelta(days=i) for i in range(7)]
    daily = {day: dict.fromkeys(campaign_selectors.DAILY_NAMES, 0) for day in week}
    for part in parts:
        for row in part["daily"]:
            if row["date"] in daily:
                for name in campaign_selectors.DAILY_NAMES:
                    daily[row["date"]][name] += row[name]
    recent = sorted((r for part in parts for r in part["replies"]["recent"]), key=lambda r: r["replied_at"])
    return {
        "campaign": {
            "id": sequence.pk,
            "name": sequence.name,
            "status": sequence.status,
            "started_at": sequence.started_at,
            "completed_at": sequence.completed_at,
        },
        "generated_at": timezone.now(),
        "totals": totals,
        "rates": rates,
        "top_links": sorted(links.values(), key=lambda r: (-r["recipients"], -r["clicks"], r["url"]))[
            : settings.CAMPAIGN_REPORT_TOP_LINKS
        ],
        "replies": {"count": totals["replied"], "recent": recent[::-1][:RECENT_REPLIES]},
        "bounces_by_reason": [
            {"reason": reason, "count": count}
            for reason, count in sorted(bounces.items(), key=lambda item: (-item[1], item[0]))
        ],
        "daily": [{"date": day, **daily[day]} for day in week],
    }


def sequences_send_weekly_reports(*, now: datetime | None = None) -> int:
    """Beat job (Mondays): the report of the week that just ended for every sequence that ran in it
    (active or paused, or completed since that week began). A second run the same week sends nothing
    (the claim). Returns how many reports were queued."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_start = today - timedelta(days=today.weekday() + 7)  # the Monday of last week
    since = datetime.combine(week_start, datetime.min.time(), tzinfo=timezone.get_default_timezone())
    running = Q(status__in=[Sequence.Status.ACTIVE, Sequence.Status.PAUSED]) | Q(
        status=Sequence.Status.COMPLETED, completed_at__gte=since
    )
    year, week, _day = week_start.isocalendar()
    reported = ReportEmail.objects.filter(kind=ReportEmail.Kind.SEQUENCE_WEEKLY, period=f"{year}-W{week:02d}")
    sequences = Sequence.objects.filter(running, started_at__isnull=False, started_at__lt=since + timedelta(days=7))
    queued = 0
    # Already reported this week: skip building the report (the hook's unique claim is what makes it once).
    for sequence in sequences.exclude(pk__in=reported.values("subject_id")).select_related("user"):
        report = sequence_week_report(sequence=sequence, week_start=week_start)
        if campaign_reports.sequence_weekly_report_send(sequence=sequence, week_start=week_start, report=report):
            queued += 1
    return queued
