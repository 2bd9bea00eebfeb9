"""Run an enrichment as a worker would, inside the test's transaction (the queued task never runs)."""

from apps.intelligence.enrichment import enrichment_runs_create
from apps.intelligence.models import EnrichmentRun
from apps.intelligence.services import enrichment_runs_run


def enrich_now(leads, *, trigger=EnrichmentRun.Trigger.MANUAL) -> list[EnrichmentRun]:
    leads = list(leads)
    runs = enrichment_runs_create(user_id=leads[0].user_id, lead_ids=[lead.pk for lead in leads], trigger=trigger)
    enrichment_runs_run(run_ids=[run.pk for run in runs])
    for lead in leads:
        lead.refresh_from_db()
    by_lead = {run.lead_id: run for run in EnrichmentRun.objects.filter(pk__in=[run.pk for run in runs])}
    return [by_lead[lead.pk] for lead in leads if lead.pk in by_lead]
