import uuid

import pytest

from apps.leads.models import Lead, LeadList
from apps.leads.services import lead_list_add_leads
from apps.leads.tests.factories import LeadFactory, LeadListFactory
from apps.leads.tests.queries import count_queries

pytestmark = pytest.mark.django_db


def add(client, lead_list, ids):
    return client.post(f"/api/lead-lists/{lead_list.id}/add-leads/", {"lead_ids": [str(i) for i in ids]}, format="json")


def test_adds_in_request_order_after_existing_members(auth_client, user):
    a, b, c = LeadFactory.create_batch(3, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[b.id])

    response = add(auth_client, lead_list, [c.id, a.id])

    assert response.status_code == 200, response.data
    assert response.data["added"] == 2
    assert response.data["removed"] == 0
    assert response.data["ignored"] == 0
    assert response.data["ignored_ids"] == []
    assert response.data["lead_list"]["lead_count"] == 3
    assert response.data["lead_list"]["id"] == str(lead_list.id)
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [b.id, c.id, a.id]


def test_repeats_members_foreign_and_unknown_ids_are_ignored(auth_client, user, other_user):
    a, b = LeadFactory.create_batch(2, user=user)
    foreign = LeadFactory(user=other_user)
    unknown = uuid.uuid4()
    lead_list = LeadListFactory(user=user, lead_ids=[a.id])

    response = add(auth_client, lead_list, [a.id, b.id, b.id, foreign.id, unknown, b.id])

    assert response.status_code == 200
    assert response.data["added"] == 1
    assert response.data["ignored"] == 3
    assert response.data["ignored_ids"] == [str(a.id), str(foreign.id), str(unknown)]
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [a.id, b.id]


def test_adding_twice_changes_nothing_the_second_time(auth_client, user):
    a = LeadFactory(user=user)
    lead_list = LeadListFactory(user=user)
    add(auth_client, lead_list, [a.id])

    response = add(auth_client, lead_list, [a.id])

    assert response.data["added"] == 0
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [a.id]


@pytest.mark.parametrize("body", [{}, {"lead_ids": []}, {"lead_ids": ["nope"]}, {"lead_ids": "abc"}])
def test_bad_body_is_400(auth_client, user, body):
    lead_list = LeadListFactory(user=user)
    response = auth_client.post(f"/api/lead-lists/{lead_list.id}/add-leads/", body, format="json")
    assert response.status_code == 400
    assert "lead_ids" in response.data["fields"]


def test_another_users_list_is_404(other_client, user, other_user):
    lead_list = LeadListFactory(user=user)
    response = add(other_client, lead_list, [LeadFactory(user=other_user).id])
    assert response.status_code == 404
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == []


def test_thousands_of_ids_take_one_update(user):
    Lead.objects.bulk_create(
        [Lead(user=user, name=f"회사 {n}", business_number="", corporation_number="") for n in range(3000)]
    )
    ids = list(Lead.objects.filter(user=user).order_by("name").values_list("id", flat=True))
    lead_list = LeadListFactory(user=user, lead_ids=ids[:10])

    with count_queries() as queries:
        change = lead_list_add_leads(lead_list=lead_list, lead_ids=ids)

    assert change.added == 2990
    assert len(change.ignored_ids) == 10
    assert sum(1 for q in queries if q.lstrip().upper().startswith("WITH")) == 1
    assert LeadList.objects.get(pk=lead_list.pk).lead_ids == ids
