import pytest

from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory, LeadListFactory

pytestmark = pytest.mark.django_db


def test_deleting_a_lead_removes_it_from_every_list(auth_client, user):
    a, b, c = LeadFactory.create_batch(3, user=user)
    first = LeadListFactory(user=user, lead_ids=[a.id, b.id, c.id])
    second = LeadListFactory(user=user, lead_ids=[b.id])
    untouched = LeadListFactory(user=user, lead_ids=[c.id, a.id])

    assert auth_client.delete(f"/api/leads/{b.id}/").status_code == 204

    for lead_list in (first, second, untouched):
        lead_list.refresh_from_db()
    assert first.lead_ids == [a.id, c.id]
    assert second.lead_ids == []
    assert untouched.lead_ids == [c.id, a.id]
    detail = auth_client.get(f"/api/lead-lists/{first.id}/")
    assert detail.data["lead_count"] == 2
    assert [row["id"] for row in detail.data["leads"]["results"]] == [str(a.id), str(c.id)]


def test_bulk_delete_outside_the_api_cleans_lists_too(user):
    a, b, c = LeadFactory.create_batch(3, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[a.id, b.id, c.id])

    Lead.objects.filter(pk__in=[a.pk, c.pk]).delete()  # as the admin's bulk action does

    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [b.id]
