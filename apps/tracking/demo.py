"""Demo tracking events on the demo user's sent campaign results (idempotent: fixed event keys)."""

from datetime import timedelta

from apps.campaigns.models import CampaignLeadResult

from .services import events_ingest, new_event

_BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def seed(ctx) -> None:
    results = list(
        CampaignLeadResult.objects.filter(campaign__user=ctx.user, sent_at__isnull=False).order_by("id")[:200]
    )
    if not results:
        ctx.say("tracking: no sent campaign results yet, no demo events")
        return
    events = []
    for n, result in enumerate(results):

        def event(kind: str, minutes: float, r=result, **extra) -> dict:
            return new_event(
                kind=kind,
                source="sendgrid",
                result_id=r.id,
                event_key=f"demo:{r.id}:{kind}:{minutes}",
                occurred_at=(r.sent_at + timedelta(minutes=minutes)).timestamp(),
                email=r.email,
                **extra,
            )

        events.append(event("delivered", 0.1))
        if n % 3 == 0:  # Apple Mail Privacy Protection prefetch right after delivery
            events.append(event("open", 0.2, user_agent="Mozilla/5.0", machine_reason="apple_mpp"))
        if n % 5 in (0, 1):
            events.append(event("open", 42 + n, user_agent=_BROWSER, ip="211.36.140.7"))
        if n % 7 == 0:
            events.append(event("click", 45 + n, user_agent=_BROWSER, url="https://salesone.kr/"))
    stats = events_ingest(events=events)
    ctx.say(f"tracking: {stats.stored} demo events on {len(results)} results")
