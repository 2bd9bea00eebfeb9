import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.opportunities.models import Opportunity
from apps.opportunities.tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def change(client, opportunity, body):
    return client.post(f"/api/opportunities/{opportunity.id}/change-status/", body, format="json")


def test_valid_change_is_applied_and_kept_with_time_and_note(user):
    opportunity = OpportunityFactory(user=user, status="new")
    auth_client = APIClient()
    auth_client.force_authenticate(user)  # a JWT issued now would be expired at the travelled-to time

    with time_machine.travel(datetime.datetime(2026, 3, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        first = change(auth_client, opportunity, {"status": "qualified", "note": "예산 확인"})
    with time_machine.travel(datetime.datetime(2026, 3, 27, 15, 30, tzinfo=datetime.UTC), tick=False):
        second = change(auth_client, opportunity, {"status": "won"})

    assert first.status_code == 200, first.data
    assert second.status_code == 200, second.data
    assert second.data["status"] == "won"
    history = second.data["status_changes"]
    assert [(c["from_status"], c["to_status"], c["note"]) for c in history] == [
        ("new", "qualified", "예산 확인"),
        ("qualified", "won", ""),
    ]
    assert [c["changed_at"] for c in history] == ["2026-03-20T09:00:00.000000Z", "2026-03-27T15:30:00.000000Z"]
    assert history[0]["user"] == {"id": str(user.id), "email": user.email}
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.WON


@pytest.mark.parametrize("body", [{"status": "closed"}, {}, {"status": ""}, {"status": "won", "note": None}])
def test_invalid_status_is_400_and_changes_nothing(auth_client, user, body):
    opportunity = OpportunityFactory(user=user, status="new")

    response = change(auth_client, opportunity, body)

    assert response.status_code == 400
    opportunity.refresh_from_db()
    assert opportunity.status == "new"
    assert opportunity.status_changes.count() == 0


def test_same_status_is_409(auth_client, user):
    opportunity = OpportunityFactory(user=user, status="proposal")
    response = change(auth_client, opportunity, {"status": "proposal"})
    assert response.status_code == 409
    assert "proposal" in response.data["detail"]  # "already proposal", in the language asked for
    assert opportunity.status_changes.count() == 0


def test_another_users_opportunity_is_404(other_client, user):
    opportunity = OpportunityFactory(user=user, status="new")
    assert change(other_client, opportunity, {"status": "won"}).status_code == 404
    opportunity.refresh_from_db()
    assert opportunity.status == "new"
