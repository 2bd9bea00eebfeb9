import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
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


def replayed_plans(search, **params) -> tuple[dict, list[str], list[dict]]:
    """A search page's body, the planner settings its statements ran under (SET LOCAL, RESET), and the
    EXPLAIN ANALYZE plan of each of its statements on the company table, replayed under those settings."""
    with CaptureQueriesContext(connection) as captured:
        body = search(**params)
    settings, plans = [], []
    table = f'"{SalesOneLead._meta.db_table}"'
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in captured.captured_queries:
            sql = statement["sql"]
            if sql.startswith(("SET LOCAL ", "RESET ")):
                settings.append(sql)
                cursor.execute(sql)
            elif table in sql and not sql.startswith("EXPLAIN"):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plans.append((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return body, settings, plans


def plan_nodes(node: dict):
    """A plan node and every node under it."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)
