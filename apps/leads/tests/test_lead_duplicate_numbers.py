import pytest
from rest_framework.exceptions import ValidationError

from apps.leads.models import Lead
from apps.leads.services import _save_checked, lead_create
from apps.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_second_lead_with_same_corporation_number_is_400_naming_the_first(auth_client, user):
    first = LeadFactory(user=user, corporation_number="1101111713381")

    response = auth_client.post("/api/leads/", {"name": "대우캐리어 중복", "corporation_number": "110111-1713381"})

    assert response.status_code == 400
    assert str(first.id) in response.data["fields"]["corporation_number"][0]
    assert response.data["fields"]["existing_lead_id"] == [str(first.id)]
    assert Lead.objects.filter(user=user).count() == 1


def test_business_number_with_dashes_matches_the_stored_digits(auth_client, user):
    first = LeadFactory(user=user, business_number="1188120723")

    response = auth_client.post("/api/leads/", {"name": "대우캐리어 중복", "business_number": "118-81-20723"})

    assert response.status_code == 400
    assert str(first.id) in response.data["fields"]["business_number"][0]


def test_another_user_may_hold_the_same_numbers(auth_client, other_user):
    LeadFactory(user=other_user, corporation_number="1101111713381", business_number="1188120723")

    response = auth_client.post(
        "/api/leads/", {"name": "대우캐리어", "corporation_number": "1101111713381", "business_number": "1188120723"}
    )

    assert response.status_code == 201, response.data


def test_update_to_a_number_held_by_another_lead_is_400(auth_client, user):
    first = LeadFactory(user=user, business_number="1188120723")
    second = LeadFactory(user=user)

    response = auth_client.patch(f"/api/leads/{second.id}/", {"business_number": "118-81-20723"})

    assert response.status_code == 400
    assert response.data["fields"]["existing_lead_id"] == [str(first.id)]


def test_saving_a_lead_with_its_own_numbers_is_fine(auth_client, user):
    lead = LeadFactory(user=user)

    response = auth_client.patch(
        f"/api/leads/{lead.id}/",
        {"business_number": lead.business_number, "corporation_number": lead.corporation_number, "owner": "새 대표"},
    )

    assert response.status_code == 200, response.data


def test_blank_numbers_are_not_duplicates(auth_client, user):
    LeadFactory(user=user, business_number="", corporation_number="")
    response = auth_client.post(
        "/api/leads/", {"name": "번호 없는 회사", "business_number": "", "corporation_number": ""}
    )
    assert response.status_code == 201, response.data


def test_service_called_directly_checks_too(user):
    first = LeadFactory(user=user, business_number="1188120723")
    with pytest.raises(ValidationError) as raised:
        lead_create(user=user, name="중복", business_number="118-81-20723")
    assert raised.value.detail["existing_lead_id"] == [str(first.id)]


def test_a_lost_race_on_the_unique_constraint_is_the_same_400(user):
    # Two requests can both pass the pre-check; the database constraint then refuses the second
    # insert, and the service answers with the same error naming the lead that won.
    winner = LeadFactory(user=user, corporation_number="1101111713381")
    with pytest.raises(ValidationError) as raised:
        _save_checked(lead=Lead(user=user, name="늦은 요청", corporation_number="1101111713381"), user=user)
    assert raised.value.detail["existing_lead_id"] == [str(winner.id)]
    assert Lead.objects.filter(user=user).count() == 1
