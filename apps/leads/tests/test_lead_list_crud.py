import pytest

from apps.leads.models import LeadList
from apps.leads.tests.factories import LeadFactory, LeadListFactory

pytestmark = pytest.mark.django_db


def test_create_with_initial_leads_keeps_own_leads_in_order(auth_client, user, other_user):
    a, b = LeadFactory(user=user), LeadFactory(user=user)
    foreign = LeadFactory(user=other_user)

    response = auth_client.post(
        "/api/lead-lists/",
        {"name": "서울 제조업", "description": "직원 10명 이상", "lead_ids": [str(b.id), str(foreign.id), str(a.id)]},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["lead_count"] == 2
    assert response.data["lead_ids"] == [str(b.id), str(a.id)]
    assert LeadList.objects.get(pk=response.data["id"]).lead_ids == [b.id, a.id]


def test_create_without_leads(auth_client, user):
    response = auth_client.post("/api/lead-lists/", {"name": "빈 리스트"})
    assert response.status_code == 201, response.data
    assert response.data["lead_count"] == 0
    assert LeadList.objects.get(pk=response.data["id"]).user == user


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "   "}, {}, {"name": "x", "lead_ids": ["not-a-uuid"]}])
def test_create_rejects_bad_body(auth_client, body):
    response = auth_client.post("/api/lead-lists/", body, format="json")
    assert response.status_code == 400
    assert not LeadList.objects.exists()


def test_list_shows_counts_of_own_lists(auth_client, user, other_user):
    leads = LeadFactory.create_batch(3, user=user)
    LeadListFactory(user=user, name="A", lead_ids=[lead.id for lead in leads])
    LeadListFactory(user=user, name="B")
    LeadListFactory(user=other_user, name="C")

    response = auth_client.get("/api/lead-lists/?ordering=name")

    assert response.status_code == 200
    assert [(row["name"], row["lead_count"]) for row in response.data["results"]] == [("A", 3), ("B", 0)]


def test_detail_pages_through_leads_in_list_order(auth_client, user):
    leads = LeadFactory.create_batch(5, user=user)
    ordered = [leads[3], leads[0], leads[4], leads[1], leads[2]]
    lead_list = LeadListFactory(user=user, lead_ids=[lead.id for lead in ordered])

    first = auth_client.get(f"/api/lead-lists/{lead_list.id}/?page_size=2")
    assert first.status_code == 200
    assert first.data["lead_count"] == 5
    page = first.data["leads"]
    assert page["count"] == 5
    assert [row["id"] for row in page["results"]] == [str(ordered[0].id), str(ordered[1].id)]
    assert page["previous"] is None
    assert "page=2" in page["next"]

    last = auth_client.get(f"/api/lead-lists/{lead_list.id}/?page_size=2&page=3")
    assert [row["id"] for row in last.data["leads"]["results"]] == [str(ordered[4].id)]
    assert last.data["leads"]["next"] is None
    assert last.data["leads"]["results"][0]["name"] == ordered[4].name


def test_detail_page_out_of_range_is_404(auth_client, user):
    lead_list = LeadListFactory(user=user, lead_ids=[LeadFactory(user=user).id])
    assert auth_client.get(f"/api/lead-lists/{lead_list.id}/?page=9").status_code == 404


def test_update_and_delete(auth_client, user):
    lead_list = LeadListFactory(user=user, lead_ids=[LeadFactory(user=user).id])

    response = auth_client.patch(f"/api/lead-lists/{lead_list.id}/", {"name": "새 이름", "description": ""})
    assert response.status_code == 200, response.data
    assert response.data["name"] == "새 이름"
    assert response.data["lead_count"] == 1

    put = auth_client.put(f"/api/lead-lists/{lead_list.id}/", {"name": "PUT 이름", "description": "설명"})
    assert put.status_code == 200, put.data

    assert auth_client.delete(f"/api/lead-lists/{lead_list.id}/").status_code == 204
    assert not LeadList.objects.filter(pk=lead_list.pk).exists()


def test_members_are_not_written_by_update(auth_client, user):
    lead_list = LeadListFactory(user=user)
    response = auth_client.patch(
        f"/api/lead-lists/{lead_list.id}/", {"lead_ids": [str(LeadFactory(user=user).id)]}, format="json"
    )
    assert response.status_code == 400
    assert "lead_ids" in response.data["fields"]
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == []


def test_update_rejects_blank_name(auth_client, user):
    lead_list = LeadListFactory(user=user)
    assert auth_client.patch(f"/api/lead-lists/{lead_list.id}/", {"name": ""}).status_code == 400
