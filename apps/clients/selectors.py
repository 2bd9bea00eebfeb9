"""Reads about one client that span its notes, files, activities, products, e-mails, campaigns and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, Sum
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from apps.campaigns.models import CampaignLeadResult
from apps.intelligence.insights import insights_answer, insights_subject_register
from apps.tracking.models import TrackingEvent
from services.llm.insights import InsightRequest

from . import tasks_seam
from .models import (
    Client,
    ClientActivity,
    ClientEmail,
    ClientEmailAttachment,
    ClientFile,
    ClientNote,
    ClientProduct,
)

# Campaign rows that never reached the client are not communications.
UNSENT_CAMPAIGN_STATUSES = (
    CampaignLeadResult.Status.PENDING,
    CampaignLeadResult.Status.SENDING,
    CampaignLeadResult.Status.FAILED,
)


# --- timeline ---------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    kind: str  # "note" | "file" | "activity" | "campaign_email" | "email_event"
    # When it happened: created_at of notes and files, scheduled_at of activities, sent_at of campaign
    # e-mails (created_at if unknown), occurred_at of tracking events.
    at: datetime
    obj: object


def client_timeline(*, client: Client) -> list[TimelineEntry]:
    """Notes, files, activities, the campaign e-mails sent to the client and their tracking events,
    oldest first.

    Campaign e-mails are those of client_campaign_results (the owner's campaigns, the client's
    addresses, sent); their events are every TrackingEvent recorded for them — machine opens and
    clicks (mail-privacy proxies, link scanners) included and flagged with is_machine. Five queries
    whatever the number of entries: each event's result comes from the results already read.
    """
    entries = [TimelineEntry("note", n.created_at, n) for n in client.notes.select_related("user")]
    entries += [TimelineEntry("file", f.created_at, f) for f in client.files.select_related("user")]
    entries += [TimelineEntry("activity", a.scheduled_at, a) for a in client.activities.select_related("user")]
    results = {
        result.id: result
        for result in client_campaign_results(client=client)
        .select_related("campaign")
        .only(*CAMPAIGN_RESULT_FIELDS, "email", "campaign__name")
    }
    entries += [TimelineEntry("campaign_email", r.sent_at or r.created_at, r) for r in results.values()]
    if results:
        events = TrackingEvent.objects.filter(result_id__in=list(results)).only(
            "id",
            "result_id",
            "campaign_id",
            "kind",
            "occurred_at",
            "email",
            "url",
            "is_machine",
            "machine_reason",
            "detail",
            "created_at",
        )
        for event in events:
            event.result = results[event.result_id]
            entries.append(TimelineEntry("email_event", event.occurred_at, event))
    # Stable: at the same instant an e-mail's "sent" entry stays before its events.
    entries.sort(key=lambda entry: entry.at)
    return entries


# --- e-mails and communications ----------------------------------------------------------------------


def client_email_list(*, client: Client):
    attachments = Prefetch(
        "attachments", queryset=ClientEmailAttachment.objects.order_by("created_at"), to_attr="attachment_list"
    )
    return client.logged_emails.prefetch_related(attachments).order_by("-created_at")


@dataclass
class ClientMailItem:
    """One e-mail in a client's mail list: a campaign e-mail sent to one of its addresses, or an e-mail
    logged for it (ClientEmail)."""

    source: str  # "campaign" | "client_email"
    at: datetime  # when: the campaign e-mail's sent_at (created_at if unknown), the logged e-mail's created_at
    obj: CampaignLeadResult | ClientEmail


def client_mail_page(*, client: Client, limit: int, before: tuple[datetime, str] | None = None) -> list[ClientMailItem]:
    """Up to ``limit`` + 1 e-mails of the client, newest first, older than ``before`` (at, id): the
    keyset of the last item of the previous page, so a page costs two bounded queries (LIMIT
    limit + 1 each, merged here) however long the history — the extra item says a next page exists.
    Ties in time are ordered by id, descending, across both sources."""

    def older(queryset, at_field: str):
        if before is None:
            return queryset
        at, pk = before
        return queryset.filter(Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, "id__lt": pk}))

    campaign_mail = older(
        client_campaign_results(client=client)
        .select_related("campaign")
        .only(*CAMPAIGN_RESULT_FIELDS, "email", "campaign__name", "campaign__user_id")
        .annotate(mail_at=Coalesce("sent_at", "created_at")),
        "mail_at",
    ).order_by("-mail_at", "-id")[: limit + 1]
    logged = older(client_email_list(client=client), "created_at").order_by("-created_at", "-id")[: limit + 1]
    items = [ClientMailItem("campaign", row.mail_at, row) for row in campaign_mail]
    items += [ClientMailItem("client_email", email.created_at, email) for email in logged]
    # UUIDs compare as PostgreSQL compares them (byte order), so the page boundary is the same here and there.
    items.sort(key=lambda item: (item.at, item.obj.pk.bytes), reverse=True)
    return items[: limit + 1]


def client_mail_count(*, client: Client) -> int:
    return client_campaign_results(client=client).count() + client.logged_emails.count()


CAMPAIGN_RESULT_FIELDS = (
    "id",
    "campaign_id",
    "title",
    "status",
    "sent_at",
    "delivered_at",
    "opened_at",
    "clicked_at",
    "replied_at",
    "bounced_at",
    "unsubscribed_at",
    "complained_at",
    "created_at",
)


def client_campaign_results(*, client: Client):
    """Campaign e-mails the client's owner sent to any of the client's addresses (case-insensitive)."""
    addresses = sorted({str(address).strip().lower() for address in client.emails or [] if address})
    if not addresses:
        return CampaignLeadResult.objects.none()
    return (
        CampaignLeadResult.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=addresses, campaign__user_id=client.user_id)
        .exclude(status__in=UNSENT_CAMPAIGN_STATUSES)
        .only(*CAMPAIGN_RESULT_FIELDS)
    )


def client_communications(*, client: Client) -> list[dict]:
    """Campaign e-mails, logged e-mails and activities (meetings, calls, e-mails), newest first."""
    items: list[tuple[datetime, dict]] = []
    for result in client_campaign_results(client=client):
        at = result.sent_at or result.created_at
        items.append(
            (
                at,
                {
                    "type": "email",
                    "direction": "outbound",
                    "campaign_id": result.campaign_id,
                    "subject": result.title,
                    "sent_at": result.sent_at,
                    "status": result.status,
                    "delivered_at": result.delivered_at,
                    "opened_at": result.opened_at,
                    "clicked_at": result.clicked_at,
                    "replied_at": result.replied_at,
                    "bounced_at": result.bounced_at,
                    "unsubscribed_at": result.unsubscribed_at,
                    "complained_at": result.complained_at,
                },
            )
        )
    for email in client.logged_emails.all():
        items.append(
            (
                email.created_at,
                {
                    "type": "email",
                    "direction": email.direction,
                    "email_id": email.id,
                    "subject": email.subject,
                    "from": email.from_email,
                    "to": email.to_email,
                    "sent_at": email.created_at,
                    "status": "logged",
                },
            )
        )
    for activity in client.activities.all():
        items.append(
            (
                activity.scheduled_at,
                {
                    "type": activity.type,
                    "id": activity.id,
                    "direction": activity.direction,
                    "title": activity.title,
                    "scheduled_at": activity.scheduled_at,
                    "duration_minutes": activity.duration_minutes,
                    "status": activity.status,
                    "notes_id": activity.note_id,
                },
            )
        )
    items.sort(key=lambda item: item[0], reverse=True)
    return [item for _at, item in items]


# --- products --------------------------------------------------------------------------------------


def client_products_split(*, client: Client) -> tuple[list[ClientProduct], list[ClientProduct]]:
    """(active or paused, everything else): what the client has now and what it had."""
    products = list(client.products.order_by("-start_date", "-created_at"))
    active = [p for p in products if p.status in ClientProduct.ACTIVE_STATUSES]
    past = [p for p in products if p.status not in ClientProduct.ACTIVE_STATUSES]
    return active, past


# --- insights --------------------------------------------------------------------------------------

# Engagement score, 0–100, from the client's own recorded interactions (no model, no invented data):
#
#   recency    (0–40) = 40 × max(0, 1 − days since the last interaction / 90)
#   frequency  (0–40) = 40 × min(1, weighted interactions in the last 90 days / 20)
#                       weights: completed meeting 3, completed call 2, completed activity e-mail 1,
#                       logged e-mail 1, note 1, campaign e-mail replied 3 / clicked 2 / opened 1
#   commercial (0–20) = 10 per active (or paused) product, at most 20
#
#   engagement_score = round(recency + frequency + commercial)
#
# An interaction is a note, a logged e-mail, a completed activity or a campaign e-mail the client
# opened, clicked or replied to; its time is when it happened (activities: scheduled_at).
WINDOW_DAYS = 90
SUMMARY_DAYS = 30
FREQUENCY_SATURATION = 20
ACTIVITY_WEIGHTS = {ClientActivity.Type.MEETING: 3, ClientActivity.Type.CALL: 2, ClientActivity.Type.EMAIL: 1}
CAMPAIGN_WEIGHTS = {
    CampaignLeadResult.Status.REPLIED: 3,
    CampaignLeadResult.Status.CLICKED: 2,
    CampaignLeadResult.Status.OPENED: 1,
}


@dataclass
class Interaction:
    kind: str  # meeting | call | email | logged_email | note | campaign_<status>
    at: datetime
    weight: int


def client_interactions(*, client: Client, since: datetime | None = None) -> list[Interaction]:
    interactions: list[Interaction] = []
    notes = ClientNote.objects.filter(client=client)
    emails = ClientEmail.objects.filter(client=client)
    activities = ClientActivity.objects.filter(client=client, status=ClientActivity.Status.COMPLETED)
    if since:
        notes = notes.filter(created_at__gte=since)
        emails = emails.filter(created_at__gte=since)
        activities = activities.filter(scheduled_at__gte=since)
    interactions += [Interaction("note", at, 1) for at in notes.values_list("created_at", flat=True)]
    interactions += [Interaction("logged_email", at, 1) for at in emails.values_list("created_at", flat=True)]
    for kind, at in activities.values_list("type", "scheduled_at"):
        interactions.append(Interaction(kind, at, ACTIVITY_WEIGHTS.get(kind, 1)))
    engaged = client_campaign_results(client=client).filter(status__in=list(CAMPAIGN_WEIGHTS))
    for status, replied, clicked, opened in engaged.values_list("status", "replied_at", "clicked_at", "opened_at"):
        at = replied or clicked or opened
        if at and (since is None or at >= since):
            interactions.append(Interaction(f"campaign_{status}", at, CAMPAIGN_WEIGHTS[status]))
    return interactions


def engagement_score(*, interactions: list[Interaction], active_products: int, now: datetime) -> int:
    """The formula above, over interactions already limited to the last WINDOW_DAYS."""
    if interactions:
        last = max(i.at for i in interactions)
        days_since = max(0.0, (now - last).total_seconds() / 86400)
        recency = 40 * max(0.0, 1 - days_since / WINDOW_DAYS)
    else:
        recency = 0.0
    frequency = 40 * min(1.0, sum(i.weight for i in interactions) / FREQUENCY_SATURATION)
    commercial = min(20, 10 * active_products)
    return max(0, min(100, round(recency + frequency + commercial)))


def _interaction_label(kind: str, n: int) -> str:
    labels = {
        "meeting": lambda: ngettext("%(n)d meeting", "%(n)d meetings", n),
        "call": lambda: ngettext("%(n)d call", "%(n)d calls", n),
        "email": lambda: ngettext("%(n)d e-mail", "%(n)d e-mails", n),
        "logged_email": lambda: ngettext("%(n)d logged e-mail", "%(n)d logged e-mails", n),
        "note": lambda: ngettext("%(n)d note", "%(n)d notes", n),
        "campaign_opened": lambda: _("%(n)d campaign e-mail opened"),
        "campaign_clicked": lambda: _("%(n)d campaign e-mail clicked"),
        "campaign_replied": lambda: _("%(n)d campaign e-mail replied"),
    }
    return labels[kind]() % {"n": n} if kind in labels else f"{n} {kind}"


def _summary_text(interactions: list[Interaction], now: datetime) -> str:
    since = now - timedelta(days=SUMMARY_DAYS)
    recent = [i for i in interactions if i.at >= since]
    if not recent:
        return _("No interactions in the last %(days)d days") % {"days": SUMMARY_DAYS}
    counts: dict[str, int] = {}
    for interaction in recent:
        counts[interaction.kind] = counts.get(interaction.kind, 0) + 1
    parts = [_interaction_label(kind, n) for kind, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    if len(recent) >= 5:
        text = _("High engagement in last %(days)d days with %(count)d interactions (%(parts)s)")
    elif len(recent) >= 2:
        text = _("Moderate engagement in last %(days)d days with %(count)d interactions (%(parts)s)")
    else:
        text = _("Low engagement in last %(days)d days with %(count)d interactions (%(parts)s)")
    return text % {"days": SUMMARY_DAYS, "count": len(recent), "parts": ", ".join(parts)}


def _client_insights_and_request(*, client: Client, now: datetime) -> tuple[dict, InsightRequest]:
    """The computed insights (score, metrics, rule-based texts) and the request for the insights backend:
    the client's own facts and the rule-based summary and recommendations it may rewrite."""
    today = timezone.localdate(now)
    window_start = now - timedelta(days=WINDOW_DAYS)
    all_interactions = client_interactions(client=client)
    recent = [i for i in all_interactions if i.at >= window_start]
    products = list(client.products.all())
    active = [p for p in products if p.status in ClientProduct.ACTIVE_STATUSES]
    revenue = client.products.filter(status__in=ClientProduct.REVENUE_STATUSES).aggregate(total=Sum("price"))["total"]
    last_interaction = max((i.at for i in all_interactions), default=None)

    recommendations: list[str] = []
    if last_interaction is None:
        recommendations.append(_("No interaction recorded yet: schedule an introductory call or meeting"))
    elif (now - last_interaction).days >= SUMMARY_DAYS:
        # The date, not a count of days: the text (and the insights backend's request, cached by its
        # fingerprint) then stays the same from one day to the next until something happens.
        recommendations.append(
            _("No contact since %(date)s: schedule a follow-up call or meeting")
            % {"date": f"{timezone.localdate(last_interaction):%Y-%m-%d}"}
        )
    overdue_count = tasks_seam.client_overdue_task_count(client=client, today=today)
    if overdue_count:
        recommendations.append(
            ngettext(
                "%(n)d overdue task: complete or reschedule",
                "%(n)d overdue tasks: complete or reschedule",
                overdue_count,
            )
            % {"n": overdue_count}
        )
    upcoming = []
    for product in active:
        if product.next_billing_date and today <= product.next_billing_date <= today + timedelta(days=14):
            recommendations.append(
                _("%(product)s bills on %(date)s: prepare the invoice (세금계산서)")
                % {"product": product.name, "date": f"{product.next_billing_date:%Y-%m-%d}"}
            )
            upcoming.append({"product": product.name, "bills_on": product.next_billing_date.isoformat()})
        if product.end_date and today <= product.end_date <= today + timedelta(days=30):
            recommendations.append(
                _("%(product)s ends on %(date)s: discuss renewal")
                % {"product": product.name, "date": f"{product.end_date:%Y-%m-%d}"}
            )
            upcoming.append({"product": product.name, "ends_on": product.end_date.isoformat()})
    if not active and products:
        latest = max(products, key=lambda p: p.end_date or p.start_date)
        recommendations.append(_("No active product: propose a renewal of %(product)s") % {"product": latest.name})
    clicked_not_replied = [i for i in recent if i.kind == "campaign_clicked"]
    if clicked_not_replied:
        recommendations.append(_("Clicked a campaign e-mail without replying: follow up by phone"))
    if not client.emails:
        recommendations.append(_("No e-mail address on file: add one to include the client in communications"))

    score = engagement_score(interactions=recent, active_products=len(active), now=now)
    summary = _summary_text(recent, now)
    counts: dict[str, int] = {}
    for interaction in recent:
        counts[interaction.kind] = counts.get(interaction.kind, 0) + 1
    # Only facts that change with the client, never with the clock alone: the request's fingerprint is
    # its cache key (apps/intelligence/insights.py), and a count of days or the score (whose recency
    # part decays by the hour) asked the model again every day about a client where nothing happened.
    # The model gets what the score is made of: the interactions, the last one's date, the products.
    request = InsightRequest(
        subject="client",
        language=(get_language() or settings.LANGUAGE_CODE)[:2],
        facts={
            "client": client.name,
            "representative": client.representative_name,
            "website": client.website,
            "has_email": bool(client.emails),
            "interactions_last_90_days": counts,
            "last_interaction_on": timezone.localdate(last_interaction).isoformat() if last_interaction else None,
            "active_products": [p.name for p in active],
            "past_products": [p.name for p in products if p not in active],
            "total_revenue_won": str(revenue or 0),
            "overdue_tasks": overdue_count,
            "upcoming": upcoming,
        },
        draft={"recent_activity_summary": summary, "recommendations": recommendations},
    )
    insights = {
        "engagement_score": score,
        "recent_activity_summary": summary,
        "recommendations": recommendations,
        "key_metrics": {
            "total_revenue": revenue if revenue is not None else Decimal("0"),
            "active_products": len(active),
            "last_interaction": last_interaction,
        },
    }
    return insights, request


def client_insight_request_by_id(client_id: str) -> InsightRequest | None:
    client = Client.objects.filter(pk=client_id).first()
    return _client_insights_and_request(client=client, now=timezone.now())[1] if client else None


insights_subject_register("client", client_insight_request_by_id)


def client_insights(*, client: Client, now: datetime | None = None) -> dict:
    """Engagement score and key metrics from the client's data; the summary and recommendations from the
    insights backend (rule-based by default; an LLM is asked by a worker, never in the request: see
    apps/intelligence/insights.py), with who wrote them and whether a model's answer is pending."""
    insights, request = _client_insights_and_request(client=client, now=now or timezone.now())
    answer = insights_answer(request=request, subject_id=client.pk)
    insights |= answer["fields"]
    insights |= {key: value for key, value in answer.items() if key != "fields"}
    return {"client_id": client.id, "insights": insights}


def client_detail_prefetches() -> list[Prefetch]:
    """What the client detail embeds: its notes and files with their authors, newest first."""
    return [
        Prefetch("notes", queryset=ClientNote.objects.select_related("user").order_by("-created_at")),
        Prefetch("files", queryset=ClientFile.objects.select_related("user").order_by("-created_at")),
    ]
