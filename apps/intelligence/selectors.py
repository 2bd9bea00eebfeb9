"""Reads of lead intelligence: a lead's score with its breakdown, and its insights (cached)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from apps.leads.models import Lead


def lead_score(*, lead: Lead) -> dict:
    """The stored score and its terms (scoring.py wrote both in one statement, so they agree)."""
    breakdown = lead.score_breakdown or {}
    return {
        "lead_id": lead.pk,
        "score": lead.score,
        "fit": breakdown.get("fit"),
        "engagement": breakdown.get("engagement"),
        "half_life_days": breakdown.get("half_life_days"),
        "scored_at": lead.scored_at,
        "terms": [_with_datetime(term) for term in breakdown.get("terms", [])],
    }


def _with_datetime(term: dict) -> dict:
    """``last_at`` as PostgreSQL's jsonb wrote it (``…+00:00``) → a datetime the API shows in UTC ``Z``."""
    if term.get("last_at"):
        return {**term, "last_at": parse_datetime(term["last_at"])}
    return term


def _term_counts(lead: Lead) -> dict[str, int]:
    return {term["term"]: term.get("count", 0) for term in (lead.score_breakdown or {}).get("terms", [])}


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


def lead_insights(*, lead: Lead) -> dict:
    """What the company does, its status, its engagement and a next step, from the rule-based backend.

    Cached per lead and language; the key holds the lead's ``updated_at`` and ``scored_at``, so a
    change of either makes a new text, and no request waits on anything but this one row.
    """
    from django.utils.translation import get_language

    scored = lead.scored_at.timestamp() if lead.scored_at else 0
    key = f"intelligence:insights:{lead.pk}:{lead.updated_at.timestamp()}:{scored}:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    counts = _term_counts(lead)
    insights = {
        "lead_id": lead.pk,
        "backend": "rule_based",
        "company": _company_text(lead),
        "status": _status_text(lead),
        "engagement": _engagement_text(counts),
        "next_step": _next_step(lead, counts),
        "generated_at": timezone.now(),
    }
    cache.set(key, insights, timeout=7 * 24 * 3600)
    return insights
