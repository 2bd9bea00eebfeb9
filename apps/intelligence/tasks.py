"""Celery tasks of lead intelligence: they take ids and call services (idempotent: runs are claimed)."""

from celery import shared_task
from django.conf import settings

from . import scoring, services


@shared_task
def run_enrichment(run_ids: list[str]) -> int:
    """Enrich the leads of these queued runs, then score them."""
    runs = services.enrichment_runs_run(run_ids=run_ids)
    return len(runs)


@shared_task
def enrich_stale_leads() -> int:
    """Nightly: leads never enriched, or not for ENRICHMENT_STALE_DAYS, get a scheduled run."""
    return services.stale_leads_enrich()


@shared_task
def rescore_engaged_leads() -> int:
    """Every minute: leads with recent tracking events, rescored in one statement."""
    return scoring.leads_rescore(lead_ids=scoring.recently_engaged_lead_ids())


@shared_task
def rescore_all_leads() -> int:
    """Nightly: every lead (recency decays even without events), one task per user: each statement
    stays one user's size (100k leads in a few seconds), the workers share them, and a failure
    costs one user's rescoring, not everyone's. Returns the tasks queued."""
    from apps.leads.models import Lead

    user_ids = list(Lead.objects.order_by().values_list("user_id", flat=True).distinct())
    for user_id in user_ids:
        rescore_user_leads.delay(str(user_id))
    return len(user_ids)


@shared_task
def rescore_user_leads(user_id) -> int:
    """Every lead of one user: nightly, and after a change of the user's ideal-customer profile."""
    return scoring.leads_rescore(user_id=user_id)


@shared_task
def check_lead_hygiene() -> int:
    """Nightly: one task per user with leads, as the rescoring does. All users in one process held
    every user's number pairs in memory at once, and one failure (or one huge user) cost everyone
    their checks and suggestions. Returns the tasks queued."""
    from apps.leads.models import Lead

    queued = 0
    for user_id in Lead.objects.order_by().values_list("user_id", flat=True).distinct().iterator():
        check_user_lead_hygiene.delay(str(user_id))
        queued += 1
    return queued


@shared_task
def check_user_lead_hygiene(user_id) -> int:
    """One user's leads: check digits, e-mail syntax and MX, phone numbers; then new duplicate
    suggestions. Returns the leads checked."""
    from .hygiene import duplicates_suggest, leads_check_hygiene

    checked = leads_check_hygiene(user_id=user_id)
    duplicates_suggest(user_id=user_id)
    return checked


@shared_task
def send_stale_lead_reports() -> int:
    """Weekly: each user's leads without activity for STALE_LEAD_DAYS, e-mailed."""
    from .hygiene import stale_lead_reports_send

    return stale_lead_reports_send()


# The HTTP client's deadline is checked between reads: a server sending a byte at a time could hold
# the worker far longer. The soft limit interrupts the call (insights_fill falls back to rule-based).
@shared_task(
    soft_time_limit=settings.INSIGHTS_LLM_TIMEOUT + 5,
    time_limit=settings.INSIGHTS_LLM_TIMEOUT + 15,
)
def generate_insights(subject: str, subject_id: str, language: str) -> str | None:
    """Ask the insights backend about one lead or client (never in a request); the answer is cached."""
    from .insights import insights_fill

    answer = insights_fill(subject=subject, subject_id=subject_id, language=language)
    return answer["insight_status"] if answer else None
