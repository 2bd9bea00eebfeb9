import pytest
from rest_framework.test import APIClient

from apps.salesone_leads.tests.factories import SalesOneLeadFactory

SEARCH_URL = "/api/salesone-leads/"
IMPORT_URL = "/api/salesone-leads/import/"


@pytest.fixture
def search(auth_client):
    """GET the search with query parameters; returns the JSON body (asserting 200)."""

    def run(**params):
        response = auth_client.get(SEARCH_URL, params)
        assert response.status_code == 200, response.content
        return response.json()

    return run


def names(body) -> list[str]:
    return [row["name"] for row in body["results"]]


@pytest.fixture
def company(db):
    return SalesOneLeadFactory


@pytest.fixture
def anonymous_client():
    return APIClient()
