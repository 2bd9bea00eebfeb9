import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.leads.models import Lead, LeadList
from apps.leads.tests.factories import LeadFactory, LeadListFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_lead_pages_render_and_search(staff_client):
    lead = LeadFactory(name="(주)대우캐리어판매", business_number="1188120723")

    listing = staff_client.get(reverse("admin:leads_lead_changelist"), {"q": "1188120723"})
    assert listing.status_code == 200
    assert "(주)대우캐리어판매" in listing.content.decode()
    assert staff_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).status_code == 200


def test_lead_list_pages_show_member_counts(staff_client):
    user = UserFactory()
    leads = LeadFactory.create_batch(3, user=user)
    lead_list = LeadListFactory(user=user, name="수도권 뷰티", lead_ids=[lead.id for lead in leads])

    listing = staff_client.get(reverse("admin:leads_leadlist_changelist"))
    assert listing.status_code == 200
    assert "수도권 뷰티" in listing.content.decode()
    change = staff_client.get(reverse("admin:leads_leadlist_change", args=[lead_list.pk]))
    assert change.status_code == 200
    assert all(lead.name in change.content.decode() for lead in leads)
    assert staff_client.get(reverse("admin:leads_leadlist_add")).status_code == 200
    assert staff_client.get(reverse("admin:leads_lead_add")).status_code == 200


def test_deleting_a_lead_in_the_admin_cleans_its_lists(staff_client):
    user = UserFactory()
    a, b = LeadFactory.create_batch(2, user=user)
    lead_list = LeadListFactory(user=user, lead_ids=[a.id, b.id])

    response = staff_client.post(reverse("admin:leads_lead_delete", args=[a.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert LeadList.objects.get(pk=lead_list.pk).lead_ids == [b.id]


def test_admin_refuses_a_duplicate_number_with_a_form_error(staff_client):
    owner = UserFactory()
    existing = LeadFactory(user=owner, business_number="1188120723")

    response = staff_client.post(
        reverse("admin:leads_lead_add"),
        {"name": "중복 회사", "user": owner.pk, "business_number": "118-81-20723", "homepage": "[]"},
    )

    assert response.status_code == 200  # the form again, with the error
    assert str(existing.id) in response.content.decode()
    assert Lead.objects.filter(user=owner).count() == 1


def test_admin_stores_numbers_as_digits(staff_client):
    owner = UserFactory()
    response = staff_client.post(
        reverse("admin:leads_lead_add"),
        {"name": "새 회사", "user": owner.pk, "business_number": "118-81-20723", "homepage": "[]"},
    )
    assert response.status_code == 302
    assert Lead.objects.get(user=owner).business_number == "1188120723"
