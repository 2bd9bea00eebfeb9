"""Reads of lead intelligence: a lead's score with its breakdown, and its insights (through the backend)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.leads.models import Lead
from services.llm.insights import InsightRequest

from .insights import insights_answer, insights_subject_register
from .models import LeadScore
from .scoring import EVENT_TERMS, TERMS


def score_terms(stored: LeadScore) -> list[dict]:
    """The stored terms as the API's: name, group, weight, points, and for an event term the count and
    latest time of its events."""
    points = stored.points or []
    behind = zip(stored.event_counts or [], stored.event_last_at or [], strict=True)
    events = dict(zip(EVENT_TERMS, behind, strict=True))
    terms = []
    for (name, group, weight), value in zip(TERMS, points, strict=True):
        term = {"term": name, "group": group, "weight": weight, "points": value}
        if name in events:
            count, last_at = events[name]
            term |= {"count": count, "last_at": last_at}
        terms.append(term)
    return terms


def lead_score(*, lead: Lead) -> dict:
    """The stored score and its terms (scoring.py wrote both in one statement, so they agree)."""
    stored = LeadScore.objects.filter(lead=lead).first()
    if stored is None:
        return {
            "lead_id": lead.pk,
            "score": None,
            "fit": None,
            "engagement": None,
            "half_life_days": None,
            "scored_at": None,
            "terms": [],
        }
    terms = score_terms(stored)
    fit = sum(term["points"] for term in terms if term["group"] == "fit")
    return {
        "lead_id": lead.pk,
        "score": stored.score,
        "fit": fit,
        "engagement": stored.score - fit,
        "half_life_days": settings.LEAD_SCORE_HALF_LIFE_DAYS,
        "scored_at": stored.scored_at,
        "terms": terms,
    }


def _term_counts(stored: LeadScore | None) -> dict[str, int]:
    if stored is None:
        return {}
    return dict(zip(EVENT_TERMS, stored.event_counts or [], strict=False))


def _company_text(lead: Lead) -> str:
    what = lead.description.strip() or (lead.industry.name if lead.industry else "")
    where = " ".join(part for part in (lead.si_nm, lead.sgg_nm) if part)
    if what and where:
        return _("%(name)s: %(what)s (%(where)s).") % {"name": lead.name, "what": what, "where": where}
    if what or where:
        return _("%(name)s: %(what)s.") % {"name": lead.name, "what": what or where}
    return _("%(name)s: nothing is known of what the company does yet.") % {"name": lead.name}


def _status_text(lead: Lead) -> str:
    if not lead.business_status:
        return _("The business status has not been checked with the NTS yet.")
    text = _("NTS status: %(status)s.") % {"status": lead.get_business_status_display()}
    if lead.business_closed_on:
        text += " " + _("Closed on %(date)s.") % {"date": lead.business_closed_on.isoformat()}
    return text


def _engagement_text(counts: dict[str, int]) -> str:
    if not any(counts.get(name) for name in ("opens", "clicks", "replies", "bounces", "unsubscribes")):
        return _("No e-mail engagement yet.")
    return _(
        "%(opens)d opens, %(clicks)d clicks, %(replies)d replies, %(bounces)d bounces, %(unsubscribes)d unsubscribes."
    ) % {name: counts.get(name, 0) for name in ("opens", "clicks", "replies", "bounces", "unsubscribes")}


def _next_step(lead: Lead, counts: dict[str, int]) -> str:
    if lead.is_inactive_business:
        return _("The company is closed or suspended: leave it out of campaigns and check its status later.")
    if counts.get("unsubscribes"):
        return _("The contact unsubscribed: do not e-mail again; call only if there is a reason to.")
    if counts.get("bounces"):
        return _("The address bounced: find a working e-mail address or phone number.")
    if counts.get("replies"):
        return _("They replied: propose a call or a meeting.")
    if counts.get("clicks"):
        return _("They clicked: follow up by phone while the interest is fresh.")
    if counts.get("opens"):
        return _("They opened: send a short follow-up with one clear question.")
    if not lead.email:
        return _("Find a contact e-mail address before adding the lead to a campaign.")
    return _("Add the lead to a campaign.")


def lead_insight_request(*, lead: Lead) -> InsightRequest:
    """What the backend may use: the lead's own fields, its NTS status and its human engagement (the
    score's event terms: machine opens and clicks are not in them), and the rule-based answer in the
    active language. Only facts that change with the lead, never with the clock alone."""
    stored = LeadScore.objects.filter(lead=lead).first()
    counts = _term_counts(stored)
    last_at = dict(zip(EVENT_TERMS, (stored.event_last_at or []) if stored else [], strict=False))
    facts = {
        "company": lead.name,
        "description": lead.description,
        "industry": lead.industry.name if lead.industry else "",
        "region": " ".join(part for part in (lead.si_nm, lead.sgg_nm) if part),
        "employees": lead.employee,
        "revenue_won": lead.revenue,
        "business_status": lead.get_business_status_display() if lead.business_status else "",
        "closed_on": lead.business_closed_on.isoformat() if lead.business_closed_on else "",
        "has_email": bool(lead.email),
        "has_phone": bool(lead.phone),
        # Not the score: its engagement part decays by the hour, and the request is the cache key of
        # its answer (insights.py), so the model was asked again on every view of a lead where nothing
        # happened. What the score is made of stays put until something does: the fit points (the
        # lead's fields against the profile), the engagement counts and the latest event of each kind.
        "fit_points": sum(term["points"] for term in score_terms(stored) if term["group"] == "fit") if stored else None,
        "human_engagement": {name: counts.get(name, 0) for name in EVENT_TERMS},
        "latest_event_at": {name: when.isoformat() for name, when in last_at.items() if when},
    }
    draft = {
        "company": _company_text(lead),
        "status": _status_text(lead),
        "engagement": _engagement_text(counts),
        "next_step": _next_step(lead, counts),
    }
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return InsightRequest(subject="lead", language=language, facts=facts, draft=draft)


def lead_insight_request_by_id(lead_id: str) -> InsightRequest | None:
    lead = Lead.objects.select_related("industry").filter(pk=lead_id).first()
    return lead_insight_request(lead=lead) if lead else None


insights_subject_register("lead", lead_insight_request_by_id)


def lead_insights(*, lead: Lead) -> dict:
    """What the company does, its status, its engagement and a next step, from the insights backend
    (intelligence/insights.py: cached by a fingerprint of these inputs; a model is never waited on)."""
    answer = insights_answer(request=lead_insight_request(lead=lead), subject_id=lead.pk)
    return {"lead_id": lead.pk, **answer["fields"], **{k: v for k, v in answer.items() if k != "fields"}}
