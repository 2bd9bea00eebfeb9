"""Reads of campaigns: result totals and rates, and the context a template preview renders with."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q

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

# Engagement counts come from the event timestamps the tracking app sets (opened_at and clicked_at
# for human events only), so machine opens never inflate a rate. Rates are over e-mails sent.
_COUNTS = {
    "recipients": Count("id"),
    "pending": Count("id", filter=Q(status=S.PENDING)),
    "sending": Count("id", filter=Q(status=S.SENDING)),
    "sent": Count("id", filter=Q(sent_at__isnull=False)),
    "failed": Count("id", filter=Q(status=S.FAILED)),
    # The provider may have these (a worker stopped or failed after the request left): not counted
    # as sent or failed; never re-sent automatically.
    "unknown": Count("id", filter=Q(status=S.UNKNOWN)),
    "delivered": Count("id", filter=Q(delivered_at__isnull=False)),
    "opened": Count("id", filter=Q(opened_at__isnull=False)),
    "clicked": Count("id", filter=Q(clicked_at__isnull=False)),
    "replied": Count("id", filter=Q(replied_at__isnull=False)),
    "bounced": Count("id", filter=Q(bounced_at__isnull=False)),
    "unsubscribed": Count("id", filter=Q(unsubscribed_at__isnull=False)),
    "complained": Count("id", filter=Q(complained_at__isnull=False)),
}
_RATES = {
    "open_rate": "opened",
    "click_rate": "clicked",
    "reply_rate": "replied",
    "bounce_rate": "bounced",
    "unsubscribe_rate": "unsubscribed",
}


def campaign_totals(*, campaign: Campaign) -> dict:
    totals = CampaignLeadResult.objects.filter(campaign=campaign).aggregate(**_COUNTS)
    sent = totals["sent"]
    for rate, count in _RATES.items():
        totals[rate] = round(totals[count] / sent, 4) if sent else 0.0
    # Not tracked is not 0%: the rate is null and the totals say so.
    totals["opens_tracked"] = campaign.track_opens and not campaign.plain_text
    totals["clicks_tracked"] = campaign.track_clicks and not campaign.plain_text
    for tracked, rate in (("opens_tracked", "open_rate"), ("clicks_tracked", "click_rate")):
        if not totals[tracked]:
            totals[rate] = None
    totals["unknown_outcomes"] = campaign_unknown_outcomes(campaign=campaign)
    return totals


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


def campaign_result_list(*, campaign: Campaign, status: str | None = None):
    results = CampaignLeadResult.objects.filter(campaign=campaign).select_related("lead")
    if status:
        results = results.filter(status=status)
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
