"""GET/PUT/PATCH /api/ideal-customer-profile/: one per user, validated, limited."""

import pytest

from apps.intelligence.models import IdealCustomerProfile

pytestmark = pytest.mark.django_db


def test_a_new_user_has_an_empty_profile(auth_client):
    body = auth_client.get("/api/ideal-customer-profile/").json()
    assert body["industry_codes"] == [] and body["regions"] == [] and body["revenue_min"] is None


def test_update_is_stored_and_normalised(auth_client, user):
    response = auth_client.patch(
        "/api/ideal-customer-profile/",
        {"industry_codes": ["j62", "J62"], "regions": ["서울특별시 "], "employee_min": 10, "employee_max": 300},
        format="json",
    )
    assert response.status_code == 200, response.json()
    profile = IdealCustomerProfile.objects.get(user=user)
    assert profile.industry_codes == ["J62"] and profile.regions == ["서울특별시"]
    assert (profile.employee_min, profile.employee_max) == (10, 300)


def test_minimum_above_maximum_is_a_400(auth_client):
    response = auth_client.patch("/api/ideal-customer-profile/", {"revenue_min": 10, "revenue_max": 5}, format="json")
    assert response.status_code == 400
    assert "revenue_min" in response.json()["fields"]


def test_too_many_values_is_a_400(auth_client, settings):
    settings.IDEAL_CUSTOMER_PROFILE_MAX_VALUES = 2
    response = auth_client.patch("/api/ideal-customer-profile/", {"regions": ["a", "b", "c"]}, format="json")
    assert response.status_code == 400


def test_each_user_sees_only_their_own(auth_client, other_client, user):
    auth_client.patch("/api/ideal-customer-profile/", {"regions": ["부산광역시"]}, format="json")
    assert other_client.get("/api/ideal-customer-profile/").json()["regions"] == []
