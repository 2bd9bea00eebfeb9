import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.salesone_leads.generator import business_number_for, corporation_number_for
from apps.salesone_leads.models import SalesOneLead
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


@pytest.fixture(scope="module")
def table_statistics_restored(django_db_blocker):
    """For a module that fills the table with thousands of rows to steer the planner: the rolled-back
    rows leave dead pages and ANALYZE's row count behind, from which the planner would estimate
    thousands of rows for the next modules' dozen (and skip their exact counts). VACUUM ANALYZE after
    the module returns the table to the empty table migrations left."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {SalesOneLead._meta.db_table}")


def planner_company(industry, number: int, *, name: str, revenue: int, description: str) -> SalesOneLead:
    """An unsaved company for the modules that bulk-create thousands to steer the planner: only its
    name, revenue and description vary (``number`` keeps its registration numbers unique)."""
    return SalesOneLead(
        corporation_number=corporation_number_for(number),
        business_number=business_number_for(number),
        name=name,
        owner="김민준",
        industry=industry,
        industry_name=industry.name,
        employee=1,
        finance_revenue=revenue,
        description=description,
        address="서울특별시 중구 세종대로 1",
    )
