"""Imports above SALESONE_IMPORT_ASYNC_THRESHOLD: 202, then a real worker on the imports queue."""

import time

import pytest

from apps.leads.models import Lead, LeadList
from apps.salesone_leads.models import ImportJob
from apps.salesone_leads.tests.conftest import IMPORT_URL
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

pytestmark = pytest.mark.worker


def wait_for_job(client, url, timeout=60.0) -> dict:
    """Poll the status endpoint until the worker finishes (waiting on a process, not on time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if body["status"] in (ImportJob.Status.COMPLETED, ImportJob.Status.FAILED):
            return body
        time.sleep(0.2)
    raise AssertionError(f"import job still {body['status']} after {timeout}s")


def test_large_import_runs_on_the_worker_with_progress(
    celery_worker_factory, auth_client, other_client, user, settings
):
    settings.SALESONE_IMPORT_ASYNC_THRESHOLD = 3
    companies = SalesOneLeadFactory.create_batch(7)
    Lead.objects.create(user=user, name="이미 있음", corporation_number=companies[0].corporation_number)
    celery_worker_factory(queues="imports", extra_env={"SALESONE_IMPORT_BATCH_SIZE": "2"})

    response = auth_client.post(
        IMPORT_URL,
        {"corporation_numbers": [c.corporation_number for c in companies], "lead_list_name": "대량 가져오기"},
    )
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["total"] == 7 and queued["status"] == "queued"

    job = wait_for_job(auth_client, queued["status_url"])
    assert job["status"] == "completed", job
    assert (job["processed"], job["created"], job["skipped"], job["progress"]) == (7, 6, 1, 100.0)
    assert Lead.objects.filter(user=user).count() == 7
    lead_list = LeadList.objects.get(pk=queued["lead_list_id"])
    assert len(lead_list.lead_ids) == 7
    # The job is mine alone.
    assert other_client.get(queued["status_url"]).status_code == 404
