import uuid

import pytest

from apps.leads.tests.factories import LeadFactory, LeadListFactory

pytestmark = pytest.mark.django_db


def remove(client, lead_list, ids):
    return client.post(
        f"/api/lead-lists/{lead_list.id}/remove-leads/", {"lead_ids": [str(i) for i in ids]}, format="json"
    )


def test_removes_and_keeps_order_of_the_rest(auth_client, user):
    a, b, c, d = LeadFactory.create_batch(4, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[a.id, b.id, c.id, d.id])

    response = remove(auth_client, lead_list, [c.id, a.id, c.id])

    assert response.status_code == 200, response.data
    assert response.data["removed"] == 2
    assert response.data["added"] == 0
    assert response.data["ignored"] == 0
    assert response.data["lead_list"]["lead_count"] == 2
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [b.id, d.id]


def test_ids_not_in_the_list_are_ignored(auth_client, user, other_user):
    a, outside = LeadFactory.create_batch(2, user=user)
    foreign = LeadFactory(user=other_user)
    unknown = uuid.uuid4()
    lead_list = LeadListFactory(user=user, lead_ids=[a.id])

    response = remove(auth_client, lead_list, [outside.id, foreign.id, unknown])

    assert response.data["removed"] == 0
    assert response.data["ignored_ids"] == [str(outside.id), str(foreign.id), str(unknown)]
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [a.id]


def test_bad_body_is_400(auth_client, user):
    lead_list = LeadListFactory(user=user)
    response = auth_client.post(
        f"/api/lead-lists/{lead_list.id}/remove-leads/", {"lead_ids": ["0000-not-a-uuid"]}, format="json"
    )
    assert response.status_code == 400


def test_another_users_list_is_404(other_client, user):
    lead = LeadFactory(user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[lead.id])
    assert remove(other_client, lead_list, [lead.id]).status_code == 404
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [lead.id]
