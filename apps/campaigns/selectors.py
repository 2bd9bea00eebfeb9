"""Reads of campaigns: result totals and rates, and the context a template preview renders with."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject, TruncDate
from django.utils import timezone

from apps.consent.selectors import REFUSALS as CONSENT_REFUSALS
from apps.consent.selectors import latest_join_sql as consent_latest_join_sql
from apps.consent.selectors import refusal_params as consent_refusal_params
from apps.consent.selectors import refusal_sql as consent_refusal_sql
from apps.leads.models import Lead
from common.email_content import html_document, html_to_text

from .models import Campaign, CampaignLeadResult
from .rendering import (
    SAMPLE_COMPANY,
    RenderContextFactory,
    RenderedMessage,
    SenderInfo,
    advertising_footer,
    advertising_footer_text,
    advertising_subject,
    company_from_row,
    insert_before_body_end,
    missing_variables,
    render,
    uses_variable,
)
from .resolution import UNKNOWN_OUTCOME
from .tracking import unsubscribe_url

S = CampaignLeadResult.Status

# -- delivery totals: the one definition the API, the admin and the results page show -------------
#
# A count is a number of recipients (result rows), never of events: a lead who opened five times
# opened once. Engagement comes from the human timestamps the tracking app sets (opened_at,
# clicked_at, replied_at): machine opens (Apple Mail Privacy Protection, image proxies, scanners;
# apps/tracking/machine.py flags them is_machine) never set them, and are shown apart as
# ``machine_opened``: recipients whose every open was a machine's.
#
# Rates are over ``sent`` (the e-mails that left us, delivered or not): every provider reports a
# send, not every one reports delivery (the outbox never does), so "over delivered" would be
# blank for some campaigns and not comparable between them. A rate is null when nothing was sent
# yet (no denominator) or when the campaign does not track that kind of event (opens, clicks).

SENT = Q(sent_at__isnull=False) | Q(delivered_at__isnull=False)
BOUNCED = Q(bounced_at__isnull=False) | Q(status=S.BOUNCED)
# Results whose only opens were machines'. TrackingEvent is named through the reverse relation
# ("events"), not imported: the tracking app depends on campaigns, not the other way round.
MACHINE_OPEN_EVENT = "open"  # TrackingEvent.Kind.OPEN
MACHINE_ONLY_OPENED = Q(opened_at__isnull=True, events__kind=MACHINE_OPEN_EVENT, events__is_machine=True)

# Each total is the number of rows matching its condition; the admin's results list filters by the
# same conditions (its "Delivery" filter), so a count and the rows it links to always agree.
TOTAL_CONDITIONS = {
    "recipients": None,
    "pending": Q(status=S.PENDING),
    "sending": Q(status=S.SENDING),
    "sent": SENT,
    "delivered": Q(delivered_at__isnull=False),
    "opened": Q(opened_at__isnull=False),
    "clicked": Q(clicked_at__isnull=False),
    "replied": Q(replied_at__isnull=False),
    "bounced": BOUNCED,
    "unsubscribed": Q(unsubscribed_at__isnull=False),
    "complained": Q(complained_at__isnull=False),
    # A failure we know of; rows whose outcome is unknown (the provider may have them, never re-sent
    # automatically) are counted apart, also those recorded as failed before "unknown" existed.
    "failed": Q(status=S.FAILED) & ~UNKNOWN_OUTCOME,
    "unknown": UNKNOWN_OUTCOME,
}
_COUNTS = {name: Count("id", filter=condition) for name, condition in TOTAL_CONDITIONS.items()}
TOTAL_NAMES = (*_COUNTS, "machine_opened")
# rate → (count over sent, the tracking switch without which it is null)
RATES = {
    "delivery_rate": ("delivered", None),
    "open_rate": ("opened", "opens_tracked"),
    "click_rate": ("clicked", "clicks_tracked"),
    "reply_rate": ("replied", None),
    "bounce_rate": ("bounced", None),
    "unsubscribe_rate": ("unsubscribed", None),
}


def results_matching_total(results: QuerySet[CampaignLeadResult], name: str) -> QuerySet[CampaignLeadResult]:
    """The rows a total counts (name: one of TOTAL_NAMES)."""
    if name == "machine_opened":
        return results.filter(MACHINE_ONLY_OPENED).distinct()
    condition = TOTAL_CONDITIONS[name]
    return results if condition is None else results.filter(condition)


def campaigns_with_totals(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The campaigns, each with its totals read in the same query (two correlated subqueries a
    row, evaluated only for the rows of the page): campaign_totals_of() reads them."""
    results = CampaignLeadResult.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
    counts = results.annotate(counts=JSONObject(**_COUNTS)).values("counts")
    # Named on both sides so the planner may start from the (campaign, kind, is_machine) index of the
    # few machine opens instead of probing the events of every unopened row.
    machine_only = MACHINE_ONLY_OPENED & Q(events__campaign=OuterRef("pk"))
    machine = results.filter(machine_only).annotate(n=Count("id", distinct=True)).values("n")
    return queryset.annotate(
        result_counts=Subquery(counts, output_field=JSONField()),
        machine_opened_count=Coalesce(Subquery(machine, output_field=IntegerField()), 0),
    )


def campaign_totals_of(campaign: Campaign) -> tuple[dict, dict]:
    """(totals, rates) of one campaign: from campaigns_with_totals()' annotations when it has them,
    else read now (two queries)."""
    if not hasattr(campaign, "result_counts"):
        if campaign.pk is None:
            campaign.result_counts, campaign.machine_opened_count = None, 0
        else:
            annotated = campaigns_with_totals(Campaign.objects.filter(pk=campaign.pk)).values(
                "result_counts", "machine_opened_count"
            )
            row = annotated.first() or {"result_counts": None, "machine_opened_count": 0}
            campaign.result_counts, campaign.machine_opened_count = row["result_counts"], row["machine_opened_count"]
    # A campaign without a single row has no aggregate row: all zero.
    totals = {name: (campaign.result_counts or {}).get(name, 0) for name in _COUNTS}
    totals["machine_opened"] = campaign.machine_opened_count or 0
    tracked = {
        "opens_tracked": campaign.track_opens and not campaign.plain_text,
        "clicks_tracked": campaign.track_clicks and not campaign.plain_text,
    }
    sent = totals["sent"]
    rates = {
        rate: (round(totals[count] / sent, 4) if sent and (switch is None or tracked[switch]) else None)
        for rate, (count, switch) in RATES.items()
    }
    return totals | tracked, rates


def campaign_totals(*, campaign: Campaign) -> dict:
    """The results page's flat shape: totals, tracking switches and rates in one object, with the
    unknown outcomes explained."""
    totals, rates = campaign_totals_of(campaign)
    return {**totals, **rates, "unknown_outcomes": campaign_unknown_outcomes(campaign=campaign)}


DAILY_NAMES = ("sent", "delivered", "opened", "clicked", "replied", "bounced", "unsubscribed")
_DAILY_FIELDS = {
    "sent": "sent_at",
    "delivered": "delivered_at",
    "opened": "opened_at",
    "clicked": "clicked_at",
    "replied": "replied_at",
    "bounced": "bounced_at",
    "unsubscribed": "unsubscribed_at",
}


def campaign_daily_totals(*, campaign: Campaign) -> list[dict]:
    """Per calendar day (TIME_ZONE, Asia/Seoul: the days sales staff live in), from the first to the
    last day anything happened, days without events included: {"date", "sent", "opened", …}.
    Each count is the recipients whose first such event fell that day. One query."""
    zone = timezone.get_default_timezone()
    rows = CampaignLeadResult.objects.filter(campaign=campaign)
    parts = [
        rows.filter(**{f"{field}__isnull": False})
        .annotate(day=TruncDate(field, tzinfo=zone), metric=Value(name))
        .values("day", "metric")
        .annotate(n=Count("id"))
        .order_by()
        for name, field in _DAILY_FIELDS.items()
    ]
    counts: dict[date, dict[str, int]] = {}
    for row in parts[0].union(*parts[1:], all=True):
        counts.setdefault(row["day"], dict.fromkeys(DAILY_NAMES, 0))[row["metric"]] = row["n"]
    if not counts:
        return []
    first, last = min(counts), max(counts)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [{"date": day, **counts.get(day, dict.fromkeys(DAILY_NAMES, 0))} for day in days]


def campaign_unknown_outcomes(*, campaign: Campaign) -> dict:
    """Rows whose outcome is unknown now and why, and what asking the provider resolved
    (apps/campaigns/resolution.py)."""
    rows = CampaignLeadResult.objects.filter(campaign=campaign)
    resolved = CampaignLeadResult.Resolution
    unknown = rows.filter(UNKNOWN_OUTCOME)
    counts = rows.aggregate(
        unknown=Count("id", filter=UNKNOWN_OUTCOME),
        held=Count("id", filter=UNKNOWN_OUTCOME & Q(resolution=resolved.HELD)),
        found=Count("id", filter=Q(resolution=resolved.FOUND)),
        resent=Count("id", filter=Q(resolution=resolved.RESENT)),
    )
    reasons = unknown.values("error_message").annotate(count=Count("id")).order_by("-count", "error_message")
    return {
        "unknown": counts["unknown"],
        "awaiting_provider": counts["unknown"] - counts["held"],
        "held_for_a_person": counts["held"],
        "reasons": [{"reason": r["error_message"], "count": r["count"]} for r in reasons],
        "resolved_found_at_provider": counts["found"],
        "resolved_sent_once_more": counts["resent"],
    }


def campaign_result_list(*, campaign: Campaign, status: str | None = None, total: str | None = None):
    """The campaign's rows, in the state ``status`` and/or counted in the total ``total`` (TOTAL_NAMES:
    "opened" gives every row a person opened, also those that went on to be clicked or replied)."""
    results = CampaignLeadResult.objects.filter(campaign=campaign).select_related("lead")
    if status:
        results = results.filter(status=status)
    if total:
        results = results_matching_total(results, total)
    return results.order_by("created_at", "id")


# -- preview -------------------------------------------------------------------------------------

PREVIEW_RESULT_ID = uuid.UUID(int=0)


def _lead_company(lead: Lead) -> dict:
    return company_from_row(
        {
            "id": lead.pk,
            "name": lead.name,
            "owner": lead.owner,
            "email": lead.email,
            "phone": lead.phone,
            "homepage": lead.homepage,
            "employee": lead.employee,
            "revenue": lead.revenue,
            "address": lead.address,
            "si_nm": lead.si_nm,
            "sgg_nm": lead.sgg_nm,
            "established_date": lead.established_date,
            "industry": lead.industry.name if lead.industry_id else None,
        }
    )


def campaign_template_preview(
    *, template, user, lead_id=None, test_data: dict | None = None, is_advertising: bool = True
) -> dict:
    """Render a template as a lead would get it; list the variables it reads that are missing."""
    from services.llm import LeadProfile
    from services.llm.rule_based import rule_based_text

    if lead_id:
        lead = Lead.objects.select_related("industry").get(pk=lead_id, user=user)
        company, source = _lead_company(lead), "lead"
    else:
        company, source = ({} if test_data else dict(SAMPLE_COMPANY)), ("test_data" if test_data else "sample")
    sender = SenderInfo(name=user.full_name, email=user.email, contact=user.email)
    factory = RenderContextFactory(
        user={
            "name": sender.name,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "contact": sender.contact,
        },
        campaign={"id": "", "name": "미리보기"},
    )
    data: dict = {}
    if source != "test_data" and (uses_variable(template.title, "data") or uses_variable(template.body, "data")):
        # The preview never spends LLM calls: it shows the rule-based text.
        profile = LeadProfile(
            name=company.get("name") or "",
            owner=company.get("owner") or "",
            industry=company.get("industry") or "",
            si_nm=company.get("si_nm") or "",
        )
        data = {"llm-generation": rule_based_text(profile)}
    context = factory.for_lead(company, data)
    for key, value in (test_data or {}).items():
        if isinstance(value, dict) and isinstance(context.get(key), dict):
            context[key] = {**context[key], **value}
        else:
            context[key] = value
    context["lead"] = context["company"]
    rendered: RenderedMessage = render(template.title, template.body, context, template.text_body)
    subject = advertising_subject(rendered.subject) if is_advertising else rendered.subject
    html = html_document(rendered.html, subject)
    text = rendered.text or html_to_text(rendered.html)
    if is_advertising:
        unsubscribe = unsubscribe_url(PREVIEW_RESULT_ID)
        html = insert_before_body_end(html, advertising_footer(sender=sender, unsubscribe_link=unsubscribe))
        text += advertising_footer_text(sender=sender, unsubscribe_link=unsubscribe)
    return {
        "subject": subject,
        "html": html,
        "text": text,
        "missing_variables": missing_variables([template.title, template.body], context),
        "source": source,
        "lead_id": lead_id,
    }


# -- audience ------------------------------------------------------------------------------------


def campaign_audience(*, campaign: Campaign) -> dict:
    """The recipient writer's own rows (services.recipients_sql), counted by why each is left out;
    before the start they say who would be written to, after it who is still to be written."""
    from .services import recipients_sql, recipients_sql_params

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH recipients AS ({recipients_sql()})
            SELECT count(*) FILTER (WHERE chunk IS NOT NULL),
                   count(*) FILTER (WHERE email = ''),
                   count(*) FILTER (WHERE email <> '' AND suppressed IS NOT NULL),
                   count(*) FILTER (WHERE email <> '' AND suppressed IS NULL AND no_consent IS NOT NULL),
                   count(*) FILTER (
                       WHERE email <> '' AND suppressed IS NULL AND no_consent IS NULL AND inactive_business = 'closed'
                   ),
                   count(*) FILTER (
                       WHERE email <> '' AND suppressed IS NULL AND no_consent IS NULL
                         AND inactive_business = 'suspended'
                   ),
                   count(*)
              FROM recipients
            """,
            recipients_sql_params(campaign),
        )
        will_send, no_email, suppressed, no_consent, closed, suspended, rows = cursor.fetchone()
        cursor.execute(
            """
            SELECT count(DISTINCT member.lead_id)
              FROM campaigns_campaign_leadlists cl
              JOIN leads_leadlist ll ON ll.id = cl.leadlist_id AND ll.user_id = %(user)s
             CROSS JOIN LATERAL unnest(ll.lead_ids) AS member(lead_id)
              JOIN leads_lead l ON l.id = member.lead_id AND l.user_id = %(user)s
             WHERE cl.campaign_id = %(campaign)s
            """,
            {"campaign": campaign.pk, "user": campaign.user_id},
        )
        leads = cursor.fetchone()[0]
    return {
        "leads": leads,
        "will_send": will_send,
        "excluded": {
            "no_email": no_email,
            "suppressed": suppressed,
            "no_consent": no_consent,
            "duplicate_address": max(leads - rows, 0),
            "business_closed": closed,
            "business_suspended": suspended,
        },
    }


# -- consent: who an advertising campaign leaves out (정보통신망법 제50조) ---------------------------

_CONSENT_EXCLUSIONS_SQL = f"""
WITH list_leads AS (
    SELECT DISTINCT member.lead_id
    FROM campaigns_campaign_leadlists cl
    JOIN leads_leadlist ll ON ll.id = cl.leadlist_id
    CROSS JOIN LATERAL unnest(ll.lead_ids) AS member(lead_id)
    WHERE cl.campaign_id = %(campaign)s AND ll.user_id = %(user)s
), addresses AS (
    SELECT DISTINCT lower(btrim(l.email)) AS email
    FROM leads_lead l JOIN list_leads ON list_leads.lead_id = l.id
    WHERE l.user_id = %(user)s AND btrim(l.email) <> ''
)
SELECT refusal, count(*) FROM (
    SELECT {consent_refusal_sql(email="a.email", user="%(user)s")} AS refusal
    FROM addresses a
    {consent_latest_join_sql(user="%(user)s", email="a.email")}
) refused
WHERE refusal IS NOT NULL
GROUP BY refusal
"""


def campaign_consent_exclusions(*, campaign: Campaign) -> dict:
    """How many of the campaign's addresses an advertising campaign leaves out for want of a valid
    consent basis now, by reason (apps/consent/selectors.REFUSALS). A non-advertising campaign is
    exempt and leaves none out."""
    by_reason = {code: 0 for code in CONSENT_REFUSALS}
    if campaign.is_advertising:
        with connection.cursor() as cursor:
            cursor.execute(
                _CONSENT_EXCLUSIONS_SQL, {"campaign": campaign.pk, "user": campaign.user_id, **consent_refusal_params()}
            )
            by_reason.update(dict(cursor.fetchall()))
    return {"advertising": campaign.is_advertising, "excluded": sum(by_reason.values()), "by_reason": by_reason}
