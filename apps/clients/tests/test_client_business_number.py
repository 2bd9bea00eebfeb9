"""One 사업자등록번호 rule for clients and leads: either form in, 10 digits stored, 123-45-67890 shown,
the check digit a flag (business_number_valid), never a rejection (issue 15 §5)."""

import importlib

import pytest
from django.db import connection

from apps.clients.models import Client
from apps.clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
URL = "/api/clients/clients/"


@pytest.mark.parametrize("given", ["220-81-62517", "2208162517", " 220 81 62517 "])
def test_either_form_is_stored_as_digits_and_shown_dashed(auth_client, given):
    response = auth_client.post(URL, {"name": "넥스트커머스(주)", "business_number": given})
    assert response.status_code == 201, response.json()
    assert response.json()["business_number"] == "220-81-62517"
    assert response.json()["business_number_valid"] is True
    assert Client.objects.get().business_number == "2208162517"


def test_a_failed_check_digit_is_flagged_not_refused(auth_client):
    response = auth_client.post(URL, {"name": "제로커뮤니케이션(주)", "business_number": "123-45-67890"})
    assert response.status_code == 201
    assert (response.json()["business_number"], response.json()["business_number_valid"]) == ("123-45-67890", False)


def test_not_ten_digits_is_a_400_that_says_so(auth_client):
    response = auth_client.post(
        URL, {"name": "제로커뮤니케이션(주)", "business_number": "123-45-678"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "10 digits" in response.json()["fields"]["business_number"][0]
    assert not Client.objects.exists()


def test_clients_and_leads_show_the_same_form(auth_client):
    client = auth_client.post(URL, {"name": "대우캐리어", "business_number": "1188120723"}).json()
    lead = auth_client.post("/api/leads/", {"name": "대우캐리어", "business_number": "1188120723"}).json()
    assert client["business_number"] == lead["business_number"] == "118-81-20723"
    assert client["business_number_valid"] is lead["business_number_valid"] is True


def test_the_filter_takes_either_form(auth_client, user):
    ClientFactory(user=user, business_number="220-81-62517")
    for given in ("220-81-62517", "2208162517"):
        assert auth_client.get(URL, {"business_number": given}).json()["count"] == 1


def test_the_data_migration_turns_stored_dashes_into_digits(user):
    client = ClientFactory(user=user)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clients_client SET business_number = %s WHERE id = %s", ["220-81-62517", client.pk])
        legacy = ClientFactory(user=user)
        cursor.execute("UPDATE clients_client SET business_number = %s WHERE id = %s", ["N/A", legacy.pk])
        migration = importlib.import_module("apps.clients.migrations.0003_client_business_number_digits")
        cursor.execute(migration.NORMALISE)
    client.refresh_from_db()
    legacy.refresh_from_db()
    assert (client.business_number, legacy.business_number) == ("2208162517", "N/A")
