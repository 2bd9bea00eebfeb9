"""Lead lists carry their members' ids (SPEC.md's LeadList.lead_ids) in list order, in the list and
the detail, read in the same query as the list (the query counts are in test_list_query_counts.py)."""

import pytest

from apps.leads.tests.factories import LeadFactory, LeadListFactory

pytestmark = pytest.mark.django_db


def test_list_and_detail_carry_lead_ids_in_list_order(auth_client, user):
    a, b, c = LeadFactory.create_batch(3, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[c.pk, a.pk, b.pk])
    empty = LeadListFactory(user=user, lead_ids=[])
    expected = [str(c.pk), str(a.pk), str(b.pk)]

    listed = {row["id"]: row for row in auth_client.get("/api/lead-lists/").json()["results"]}
    assert listed[str(lead_list.pk)]["lead_ids"] == expected
    assert listed[str(lead_list.pk)]["lead_count"] == 3
    assert listed[str(empty.pk)]["lead_ids"] == [] and listed[str(empty.pk)]["lead_count"] == 0

    detail = auth_client.get(f"/api/lead-lists/{lead_list.pk}/", {"page_size": 2}).json()
    assert detail["lead_ids"] == expected  # all of them, whatever page of leads is shown
    assert [lead["id"] for lead in detail["leads"]["results"]] == expected[:2]


def test_add_leads_answers_with_the_new_ids(auth_client, user):
    a, b = LeadFactory.create_batch(2, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[a.pk])
    response = auth_client.post(f"/api/lead-lists/{lead_list.pk}/add-leads/", {"lead_ids": [str(b.pk)]}, format="json")
    assert response.status_code == 200
    assert response.json()["lead_list"]["lead_ids"] == [str(a.pk), str(b.pk)]
    assert response.json()["lead_list"]["lead_count"] == 2


def test_put_back_unchanged_ids_is_fine_and_changed_ones_are_400(auth_client, user):
    a, b = LeadFactory.create_batch(2, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[a.pk, b.pk])
    url = f"/api/lead-lists/{lead_list.pk}/"
    body = auth_client.get(url).json()
    assert auth_client.put(url, {**body, "name": "새 이름"}, format="json").status_code == 200

    response = auth_client.patch(url, {"lead_ids": [str(b.pk)]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"] == {"lead_ids": ["Change the members with add-leads / remove-leads."]}
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [a.pk, b.pk] and lead_list.name == "새 이름"
