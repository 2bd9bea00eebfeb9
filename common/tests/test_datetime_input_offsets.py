"""A datetime sent in is honoured with its offset, and one without an offset is Asia/Seoul time: the
same instant written three ways is stored once and written back in UTC; filters read it the same way."""

import datetime

import pytest
import time_machine

from apps.campaigns.models import Campaign
from apps.campaigns.tests.factories import CampaignTemplateFactory
from apps.workflows.models import WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
INSTANT = datetime.datetime(2026, 3, 3, 0, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize("sent", ["2026-03-03T00:30:00Z", "2026-03-03T09:30:00+09:00", "2026-03-03T09:30:00"])
def test_schedule_is_the_same_instant_however_it_is_written(user, sent):
    with time_machine.travel(NOW, tick=False):
        template = CampaignTemplateFactory(user=user)
        response = client_for(user).post(
            "/api/campaigns/", {"name": "캠페인", "template": str(template.pk), "scheduled_at": sent}, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["scheduled_at"] == "2026-03-03T00:30:00.000000Z"
    assert Campaign.objects.get(pk=response.json()["id"]).scheduled_at == INSTANT


@pytest.mark.parametrize("bound", ["2026-03-03T00:30:00Z", "2026-03-03T09:30:00+09:00", "2026-03-03T09:30:00"])
def test_datetime_filter_reads_the_offset(user, bound):
    workflow = WorkflowFactory(user=user)
    for minutes in (-1, 1):
        with time_machine.travel(INSTANT + datetime.timedelta(minutes=minutes), tick=False):
            WorkflowExecution.objects.create(workflow=workflow)
    with time_machine.travel(NOW, tick=False):
        response = client_for(user).get("/api/workflow-executions/", {"created_after": bound})
    assert response.status_code == 200, response.content
    assert [row["created_at"] for row in response.json()["results"]] == ["2026-03-03T00:31:00.000000Z"]
