"""POST /api/leads/{id}/enrich/, POST /api/enrichment-runs/ (bulk) and the runs list: queued, never run
in the request; a created lead is queued too."""

import pytest

from apps.intelligence.models import EnrichmentRun
from apps.leads.tests.factories import LeadFactory, LeadListFactory

from .helpers import enrich_now

pytestmark = pytest.mark.django_db


def test_enrich_queues_a_run_and_answers_202(auth_client, user, django_capture_on_commit_callbacks):
    lead = LeadFactory(user=user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.post(f"/api/leads/{lead.pk}/enrich/")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["trigger"] == "manual" and body["lead"] == str(lead.pk)
    assert len(callbacks) == 1  # the task is queued after commit; nothing ran in the request
    run = EnrichmentRun.objects.get(pk=body["id"])
    assert run.started_at is None


def test_enrich_another_users_lead_is_404(other_client, user):
    lead = LeadFactory(user=user)
    assert other_client.post(f"/api/leads/{lead.pk}/enrich/").status_code == 404
    assert not EnrichmentRun.objects.exists()


def test_bulk_enrich_a_lead_list(auth_client, user, other_user):
    mine = LeadFactory.create_batch(3, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[lead.pk for lead in mine])
    response = auth_client.post("/api/enrichment-runs/", {"lead_list_id": str(lead_list.pk)}, format="json")
    assert response.status_code == 202
    assert response.json()["queued"] == 3


def test_bulk_enrich_skips_ids_that_are_not_yours(auth_client, user, other_user):
    mine, theirs = LeadFactory(user=user), LeadFactory(user=other_user)
    response = auth_client.post("/api/enrichment-runs/", {"lead_ids": [str(mine.pk), str(theirs.pk)]}, format="json")
    assert response.json()["queued"] == 1
    assert not EnrichmentRun.objects.filter(lead=theirs).exists()


def test_bulk_enrich_over_the_limit_is_a_400(auth_client, user, settings):
    settings.ENRICHMENT_BULK_MAX_LEADS = 2
    leads = LeadFactory.create_batch(3, user=user)
    response = auth_client.post("/api/enrichment-runs/", {"lead_ids": [str(lead.pk) for lead in leads]}, format="json")
    assert response.status_code == 400
    assert "lead_ids" in response.json()["fields"]


def test_bulk_enrich_needs_ids_or_a_list(auth_client):
    assert auth_client.post("/api/enrichment-runs/", {}, format="json").status_code == 400


def test_bulk_enrich_another_users_list_is_a_400(auth_client, other_user):
    their_list = LeadListFactory(user=other_user)
    response = auth_client.post("/api/enrichment-runs/", {"lead_list_id": str(their_list.pk)}, format="json")
    assert response.status_code == 400


def test_runs_are_listed_with_what_changed(auth_client, user, national_db_only):
    from apps.salesone_leads.tests.factories import SalesOneLeadFactory

    lead = LeadFactory(user=user, owner="")
    SalesOneLeadFactory(corporation_number=lead.corporation_number, owner="정하늘")
    enrich_now([lead])
    body = auth_client.get(f"/api/enrichment-runs/?lead={lead.pk}").json()
    assert body["count"] == 1
    (run,) = body["results"]
    assert run["status"] == "succeeded"
    assert {"field": "owner", "provider": "salesone_db", "old": "", "new": "정하늘"} in run["fields_changed"]


def test_runs_of_another_user_are_not_listed(other_client, user, national_db_only):
    enrich_now([LeadFactory(user=user)])
    assert other_client.get("/api/enrichment-runs/").json()["count"] == 0


def test_a_created_lead_is_queued_for_enrichment(auth_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/api/leads/", {"name": "새 회사"}, format="json")
    assert response.status_code == 201
    run = EnrichmentRun.objects.get(lead_id=response.json()["id"])
    assert run.trigger == "created" and run.status == "queued"


def test_runs_filtered_by_another_users_lead_look_like_a_missing_lead(auth_client, other_user, national_db_only):
    """The filter must not tell whether an id is someone else's lead: both answer an empty list."""
    import uuid

    theirs = LeadFactory(user=other_user)
    enrich_now([theirs])
    foreign = auth_client.get(f"/api/enrichment-runs/?lead={theirs.pk}")
    missing = auth_client.get(f"/api/enrichment-runs/?lead={uuid.uuid4()}")
    assert (foreign.status_code, missing.status_code) == (200, 200)
    assert foreign.json() == missing.json()
    assert foreign.json()["count"] == 0
    assert auth_client.get("/api/enrichment-runs/?lead=not-a-uuid").status_code == 400
