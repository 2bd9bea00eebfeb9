"""A value read and written back does not move: GET → PUT/PATCH the same body → GET returns the same
instants and dates (campaign schedule, task due date, opportunity close date, a workflow's delay)."""

import datetime

import pytest
import time_machine

from apps.campaigns.models import Campaign
from apps.campaigns.tests.factories import CampaignFactory, LeadListFactory
from apps.opportunities.tests.factories import OpportunityFactory
from apps.tasks.tests.factories import TaskFactory
from apps.workflows.tests.factories import WorkflowFactory, node
from conftest import client_for

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 13, 35, 7, 250001, tzinfo=datetime.UTC)
SCHEDULED = datetime.datetime(2026, 3, 3, 0, 30, tzinfo=datetime.UTC)  # 09:30 in Seoul


def _write_back(client, url: str, method: str) -> tuple[dict, dict]:
    """The body before and after writing back exactly what GET returned (the client's token is minted
    under the test's clock)."""
    before = client.get(url).json()
    response = getattr(client, method)(url, before, format="json")
    assert response.status_code == 200, response.content
    after = client.get(url).json()
    return before, after


@pytest.mark.parametrize("method", ["put", "patch"])
def test_campaign_schedule_survives_a_write_back(user, method):
    with time_machine.travel(NOW, tick=False):
        campaign = CampaignFactory(user=user, scheduled_at=SCHEDULED, leadlists=[LeadListFactory(user=user)])
        for _ in range(3):  # every save used to move it nine hours
            before, after = _write_back(client_for(user), f"/api/campaigns/{campaign.pk}/", method)
        assert before["scheduled_at"] == after["scheduled_at"] == "2026-03-03T00:30:00.000000Z"
        campaign.refresh_from_db()
        assert campaign.scheduled_at == SCHEDULED and campaign.status == Campaign.Status.DRAFT


@pytest.mark.parametrize("method", ["put", "patch"])
def test_task_due_date_survives_a_write_back(user, method):
    with time_machine.travel(NOW, tick=False):
        task = TaskFactory(created_by=user, assignee=user, due_date=datetime.date(2026, 3, 3))
        before, after = _write_back(client_for(user), f"/api/tasks/{task.pk}/", method)
        assert before["due_date"] == after["due_date"] == "2026-03-03"
        assert before["created_at"] == after["created_at"] == "2026-03-02T13:35:07.250001Z"
        task.refresh_from_db()
        assert task.due_date == datetime.date(2026, 3, 3)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_opportunity_close_date_survives_a_write_back(user, method):
    with time_machine.travel(NOW, tick=False):
        opportunity = OpportunityFactory(user=user, expected_close_date=datetime.date(2026, 6, 30))
        before, after = _write_back(client_for(user), f"/api/opportunities/{opportunity.pk}/", method)
        assert before["expected_close_date"] == after["expected_close_date"] == "2026-06-30"
        assert before["created_at"] == after["created_at"] == "2026-03-02T13:35:07.250001Z"
        opportunity.refresh_from_db()
        assert opportunity.expected_close_date == datetime.date(2026, 6, 30)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_workflow_delay_until_survives_a_write_back(user, method):
    with time_machine.travel(NOW, tick=False):
        delay = node("wait", "delay", {"until": "2026-03-03T09:30:00+09:00"})
        workflow = WorkflowFactory(user=user, nodes=[delay], is_active=False)
        before, after = _write_back(client_for(user), f"/api/workflows/{workflow.pk}/", method)
        assert before["nodes"] == after["nodes"]
        assert after["nodes"][0]["data"]["until"] == "2026-03-03T09:30:00+09:00"
        assert before["created_at"] == after["created_at"] == "2026-03-02T13:35:07.250001Z"
