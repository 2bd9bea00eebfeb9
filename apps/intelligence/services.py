"""What lead intelligence does that writes: queue and run enrichments, keep the ideal-customer profile."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.leads.models import Lead

from . import scoring
from .enrichment import enrichment_runs_create, enrichment_runs_execute
from .models import EnrichmentRun, IdealCustomerProfile

# Runs per task: one NTS call's worth, so a task is short and a crash loses little.
RUNS_PER_TASK = 100


def _queue(run_ids: list) -> None:
    from .tasks import run_enrichment

    run_ids = [str(run_id) for run_id in run_ids]
    batches = [run_ids[i : i + RUNS_PER_TASK] for i in range(0, len(run_ids), RUNS_PER_TASK)]
    transaction.on_commit(lambda: [run_enrichment.delay(batch) for batch in batches])


def leads_enrich(*, user_id, lead_ids, trigger: str) -> list[EnrichmentRun]:
    """Queued runs for the user's leads among ``lead_ids``, handed to the workers after commit."""
    with transaction.atomic():
        runs = enrichment_runs_create(user_id=user_id, lead_ids=lead_ids, trigger=trigger)
        _queue([run.pk for run in runs])
    return runs


def enrichment_runs_run(*, run_ids) -> list[EnrichmentRun]:
    """Run the queued runs (a worker's task), then rescore their leads: the status counts in the fit."""
    runs = enrichment_runs_execute(run_ids=run_ids)
    scoring.leads_rescore(lead_ids=[run.lead_id for run in runs])
    return runs


def stale_leads_enrich(*, now=None) -> int:
    """Scheduled runs for leads never enriched or enriched before ENRICHMENT_STALE_DAYS, oldest first,
    at most ENRICHMENT_STALE_BATCH; leads that have a run waiting are left alone."""
    now = now or timezone.now()
    stale_before = now - timedelta(days=settings.ENRICHMENT_STALE_DAYS)
    waiting = EnrichmentRun.objects.filter(status__in=[EnrichmentRun.Status.QUEUED, EnrichmentRun.Status.RUNNING])
    leads = (
        Lead.objects.filter(Q(enriched_at__isnull=True) | Q(enriched_at__lt=stale_before))
        .exclude(pk__in=waiting.values("lead_id"))
        .order_by("enriched_at", "created_at")
        .values_list("user_id", "pk")[: settings.ENRICHMENT_STALE_BATCH]
    )
    by_user: dict = {}
    for user_id, lead_id in leads:
        by_user.setdefault(user_id, []).append(lead_id)
    queued = 0
    for user_id, lead_ids in by_user.items():
        queued += len(leads_enrich(user_id=user_id, lead_ids=lead_ids, trigger=EnrichmentRun.Trigger.SCHEDULED))
    return queued


def ideal_customer_profile_get(*, user) -> IdealCustomerProfile:
    profile, _ = IdealCustomerProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def ideal_customer_profile_update(*, user, **data) -> IdealCustomerProfile:
    """Change the profile, then queue the rescoring of the user's leads (fit is the profile's)."""
    from .tasks import rescore_user_leads

    profile = IdealCustomerProfile.objects.select_for_update().get(pk=ideal_customer_profile_get(user=user).pk)
    for name, value in data.items():
        setattr(profile, name, value)
    profile.save()
    transaction.on_commit(lambda: rescore_user_leads.delay(user.pk))
    return profile
