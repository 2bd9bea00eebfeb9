import pytest

from apps.leads.tests.factories import LeadFactory
from apps.opportunities.models import Opportunity
from apps.opportunities.tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_create_with_own_lead_records_the_starting_status(auth_client, user):
    lead = LeadFactory(user=user, name="(주)대우캐리어판매")

    response = auth_client.post(
        "/api/opportunities/",
        {
            "name": "대우캐리어 검색광고 연간 계약",
            "source": " Campaign ",
            "status": "qualified",
            "value": 30000000,
            "expected_close_date": "2026-12-31",
            "notes": "3월 미팅에서 견적 요청",
            "lead": str(lead.id),
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.data
    assert body["lead"] == lead.id
    assert body["lead_name"] == "(주)대우캐리어판매"
    assert body["source"] == "campaign"
    assert body["value"] == 30000000
    assert body["user"] == {"id": str(user.id), "email": user.email}
    opportunity = Opportunity.objects.get(pk=body["id"])
    assert [(c.from_status, c.to_status) for c in opportunity.status_changes.all()] == [("", "qualified")]


def test_create_without_lead_defaults_to_new(auth_client):
    response = auth_client.post("/api/opportunities/", {"name": "홈페이지 문의"})
    assert response.status_code == 201, response.data
    assert response.data["status"] == "new"
    assert response.data["lead"] is None


def test_another_users_lead_is_400(auth_client, other_user):
    foreign = LeadFactory(user=other_user)

    response = auth_client.post("/api/opportunities/", {"name": "남의 리드", "lead": str(foreign.id)})

    assert response.status_code == 400
    assert "lead" in response.data["fields"]
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "maybe"), ("value", -1), ("name", ""), ("expected_close_date", "next week"), ("lead", "abc")],
)
def test_create_rejects_bad_field(auth_client, field, value):
    response = auth_client.post("/api/opportunities/", {"name": "계약", field: value}, format="json")
    assert response.status_code == 400
    assert field in response.data["fields"]


def test_detail_shows_history(auth_client, user):
    opportunity = OpportunityFactory(user=user)
    response = auth_client.get(f"/api/opportunities/{opportunity.id}/")
    assert response.status_code == 200
    assert response.data["status_changes"] == []


def test_update_with_a_new_status_is_recorded(auth_client, user):
    opportunity = OpportunityFactory(user=user, status="new")

    response = auth_client.patch(f"/api/opportunities/{opportunity.id}/", {"status": "proposal", "value": 1500000})

    assert response.status_code == 200, response.data
    assert response.data["status"] == "proposal"
    assert response.data["value"] == 1500000
    assert [(c["from_status"], c["to_status"]) for c in response.data["status_changes"]] == [("new", "proposal")]


def test_update_without_status_change_records_nothing(auth_client, user):
    opportunity = OpportunityFactory(user=user, status="new")
    response = auth_client.put(
        f"/api/opportunities/{opportunity.id}/", {"name": "새 이름", "status": "new", "source": "referral"}
    )
    assert response.status_code == 200, response.data
    assert opportunity.status_changes.count() == 0


def test_update_rejects_another_users_lead(auth_client, user, other_user):
    opportunity = OpportunityFactory(user=user)
    response = auth_client.patch(
        f"/api/opportunities/{opportunity.id}/", {"lead": str(LeadFactory(user=other_user).id)}
    )
    assert response.status_code == 400
    opportunity.refresh_from_db()
    assert opportunity.lead is None


def test_delete(auth_client, user):
    opportunity = OpportunityFactory(user=user)
    assert auth_client.delete(f"/api/opportunities/{opportunity.id}/").status_code == 204
    assert not Opportunity.objects.exists()


def test_deleting_the_lead_keeps_the_opportunity(auth_client, user):
    lead = LeadFactory(user=user)
    opportunity = OpportunityFactory(user=user, lead=lead)
    assert auth_client.delete(f"/api/leads/{lead.id}/").status_code == 204
    opportunity.refresh_from_db()
    assert opportunity.lead is None


def test_list_is_own_opportunities(auth_client, user, other_user):
    OpportunityFactory.create_batch(2, user=user)
    OpportunityFactory(user=other_user)
    response = auth_client.get("/api/opportunities/")
    assert response.data["count"] == 2
