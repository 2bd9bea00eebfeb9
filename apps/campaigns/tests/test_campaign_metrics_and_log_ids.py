"""A campaign started through the API and sent by a real worker: the worker's JSON log lines carry the
request id of the click on "start", its user, the task and the campaign; and the e-mails and tasks it
counted (prometheus-client's multiprocess mode, as gunicorn and Celery pool processes run) are in the
scrape of /metrics."""

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.campaigns.models import Campaign
from testing.fake_email_providers import FakeSendGrid
from testing.waiting import wait_for

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = [pytest.mark.worker]


@pytest.fixture
def fake():
    server = FakeSendGrid()
    yield server
    server.stop()


def test_worker_logs_and_metrics_follow_the_campaign(
    celery_worker_factory, fake, user, auth_client, api_client, tmp_path, monkeypatch
):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    worker = celery_worker_factory(
        queues="campaigns",
        concurrency=1,
        extra_env={
            "EMAIL_PROVIDERS": "sendgrid",
            "SENDGRID_API_HOST": fake.url,
            "SENDGRID_API_KEY": fake.api_key,
            "CAMPAIGN_CHUNK_SIZE": "20",
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        },
    )
    leads = [LeadFactory(user=user) for _ in range(50)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])

    response = auth_client.post(f"/api/campaigns/{campaign.pk}/start/", {}, HTTP_X_REQUEST_ID="start-click-7f3a")
    assert response.status_code == 200, response.content
    wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED, what="completion", timeout=90
    )
    assert fake.received_count == 50

    lines = []
    for line in worker.log_path.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    chunk_lines = [line for line in lines if line.get("task_name") == "apps.campaigns.tasks.send_campaign_chunk"]
    assert chunk_lines, "no log line of a chunk task:\n" + worker.log_path.read_text()[-3000:]
    for line in chunk_lines:
        assert line["request_id"] == "start-click-7f3a"  # through write_campaign_recipients' headers too
        assert line["user_id"] == str(user.pk)
        assert line["campaign_id"] == str(campaign.pk)
        assert line["task_id"] and line["time"].endswith("Z")

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))  # this scrape adds up the worker's files
    scraped = api_client.get("/metrics").content.decode()  # Prometheus: no user token
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
    }
    assert samples[("salesone_emails_total", (("outcome", "sent"), ("provider", "sendgrid")))] == 50
    succeeded = (("queue", "campaigns"), ("state", "SUCCESS"), ("task", "apps.campaigns.tasks.send_campaign_chunk"))
    assert samples[("salesone_celery_tasks_total", succeeded)] == 3  # 50 leads in chunks of 20
    assert samples[("salesone_celery_task_wait_seconds_count", (("queue", "campaigns"),))] == 4  # + the writer
    assert samples[("salesone_celery_task_duration_seconds_count", (("queue", "campaigns"),))] == 4
