"""Done-when of issue 20: a company loaded from a CSV and imported as a lead ends up enriched,
status-checked (NTS) and scored by a real worker, without a user action."""

import time

import pytest
from django.core.management import call_command

from apps.intelligence.models import EnrichmentRun
from apps.intelligence.selectors import lead_score
from apps.leads.models import Lead
from apps.salesone_leads.tests.conftest import IMPORT_URL
from testing.fake_enrichment import FakeNts

pytestmark = pytest.mark.worker

CSV = """corporation_number,business_number,industry,name,owner,email,phone,employee,si_nm,sgg_nm
1101119876503,1018197656,C10799,주식회사 새봄식품,김새봄,ceo@saebom-food.example,02-555-0101,38,서울특별시,강남구
1345119876515,1248197659,G47912,(주)하늘헬스몰,이하늘,contact@haneul-health.example,031-555-0102,12,경기도,성남시 분당구
"""


def wait_for_runs(lead_ids, timeout=60.0) -> list[EnrichmentRun]:
    """Poll until every lead's run has finished (waiting on the worker process, not on time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = list(EnrichmentRun.objects.filter(lead_id__in=lead_ids))
        if len(runs) == len(lead_ids) and all(run.status in EnrichmentRun.FINISHED for run in runs):
            return runs
        time.sleep(0.2)
    raise AssertionError(f"runs not finished after {timeout}s: {[(r.lead_id, r.status) for r in runs]}")


def test_csv_company_imported_as_a_lead_is_enriched_checked_and_scored(
    celery_worker_factory, auth_client, user, tmp_path
):
    call_command("load_industries")
    path = tmp_path / "companies.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("import_salesone_leads", str(path))
    with FakeNts() as nts:
        nts.statuses = {"1018197656": "01", "1248197659": "03"}
        nts.end_dates = {"1248197659": "20251231"}
        celery_worker_factory(
            extra_env={
                "ENRICHMENT_PROVIDERS": "salesone_db,nts",
                "NTS_API_URL": nts.url,
                "NTS_SERVICE_KEY": nts.service_key,
            }
        )
        response = auth_client.post(IMPORT_URL, {"corporation_numbers": ["1101119876503", "1345119876515"]})
        assert response.status_code in (200, 201), response.content
        leads = {lead.corporation_number: lead for lead in Lead.objects.filter(user=user)}
        runs = wait_for_runs([lead.pk for lead in leads.values()])

    assert {run.trigger for run in runs} == {"created"}
    assert {run.status for run in runs} == {"succeeded"}
    assert len(nts.requests) == 1 and sorted(nts.requests[0]) == ["1018197656", "1248197659"]
    active, closed = (Lead.objects.get(pk=leads[number].pk) for number in ("1101119876503", "1345119876515"))
    assert active.business_status == "active" and closed.business_status == "closed"
    assert active.enriched_at and closed.enriched_at
    assert active.score == 5  # no profile yet: the active business is its only point
    assert closed.score == 0
    shown = lead_score(lead=active)
    assert sum(term["points"] for term in shown["terms"]) == shown["score"] == 5
