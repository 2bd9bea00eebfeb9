import pytest

from apps.opportunities.tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_every_status_with_count_and_total_value(auth_client, user, other_user):
    OpportunityFactory(user=user, status="new", value=1_000_000)
    OpportunityFactory(user=user, status="new", value=2_500_000.50)
    OpportunityFactory(user=user, status="new", value=None)
    OpportunityFactory(user=user, status="won", value=30_000_000)
    OpportunityFactory(user=other_user, status="won", value=99_000_000)

    response = auth_client.get("/api/opportunities/pipeline/")

    assert response.status_code == 200
    columns = {c["status"]: (c["count"], c["total_value"]) for c in response.data["statuses"]}
    assert [c["status"] for c in response.data["statuses"]] == [
        "new",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert columns == {
        "new": (3, 3_500_000.50),
        "qualified": (0, 0),
        "proposal": (0, 0),
        "negotiation": (0, 0),
        "won": (1, 30_000_000),
        "lost": (0, 0),
    }
    assert response.data["total_count"] == 4
    assert response.data["total_value"] == 33_500_000.50
    assert response.data["statuses"][0]["label"] == "신규"


def test_empty_pipeline_has_every_status_at_zero(auth_client):
    response = auth_client.get("/api/opportunities/pipeline/")
    assert response.status_code == 200
    assert len(response.data["statuses"]) == 6
    assert all(c["count"] == 0 and c["total_value"] == 0 for c in response.data["statuses"])
    assert response.data["total_value"] == 0


def test_filters_narrow_the_board(auth_client, user):
    OpportunityFactory(user=user, status="new", source="campaign", value=1_000)
    OpportunityFactory(user=user, status="new", source="website", value=5_000)

    response = auth_client.get("/api/opportunities/pipeline/?source=campaign")

    assert response.data["statuses"][0]["count"] == 1
    assert response.data["statuses"][0]["total_value"] == 1_000


def test_bad_filter_is_400(auth_client):
    assert auth_client.get("/api/opportunities/pipeline/?status=maybe").status_code == 400
