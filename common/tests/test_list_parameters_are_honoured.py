"""A list never ignores what the client sent: a filter value that cannot match, an unknown parameter
(a misspelt filter) or an ordering on an unknown field is a 400 that names what the list accepts,
while the SPA's ordinary parameters keep working."""

import pytest

from apps.products.tests.factories import ProductFactory
from apps.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "params", "error"),
    [
        (
            "/api/tasks/",
            {"status": "done"},
            {"status": ["'done' is not one of: not_started, in_progress, completed, failed."]},
        ),
        ("/api/tasks/", {"due_date_after": "2026-02-30"}, {"due_date_after": ["Use a date as YYYY-MM-DD."]}),
        ("/api/tasks/", {"overdue": "maybe"}, {"overdue": ["Use true or false."]}),
        ("/api/workflows/", {"is_active": "yes please"}, {"is_active": ["Use true or false."]}),
        ("/api/leads/", {"employee_min": "many"}, {"employee_min": ["Use a number."]}),
        (
            "/api/campaigns/",
            {"status": "running"},
            {"status": ["'running' is not one of: draft, scheduled, in_progress, paused, completed, failed."]},
        ),
    ],
)
def test_filter_value_that_cannot_match_is_400_with_allowed_values(auth_client, url, params, error):
    response = auth_client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"] == error


def test_datetime_filter_explains_the_format(auth_client):
    response = auth_client.get("/api/tracking/events/", {"occurred_after": "yesterday"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "ISO 8601" in response.json()["fields"]["occurred_after"][0]
    assert "Asia/Seoul" in response.json()["fields"]["occurred_after"][0]


def test_unknown_parameter_is_400_naming_the_known_ones(auth_client):
    response = auth_client.get("/api/tasks/", {"stauts": "completed"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = response.json()["fields"]["stauts"][0]
    assert message.startswith("Unknown parameter. This list takes: ")
    for known in ("status", "due_date_after", "due_date_before", "overdue", "page", "page_size", "search", "ordering"):
        assert known in message


def test_unknown_ordering_is_400_naming_the_sortable_fields(auth_client):
    response = auth_client.get("/api/products/", {"ordering": "-pricee"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = response.json()["fields"]["ordering"][0]
    assert message.startswith("Cannot order by -pricee. Use one of: ")
    assert "price" in message


def test_ordinary_parameters_still_work(auth_client, user):
    ProductFactory(name="가", price=1000)
    ProductFactory(name="나", price=3000)
    response = auth_client.get(
        "/api/products/", {"page": 1, "page_size": 1, "search": "", "ordering": "-price", "format": "json"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["name"] == "나"
    TaskFactory(created_by=user, assignee=user, status="completed")
    body = auth_client.get("/api/tasks/", {"status": "completed", "overdue": "false"}).json()
    assert body["count"] == 1
    # An empty value is no filter, as a form with nothing chosen sends it.
    assert auth_client.get("/api/tasks/", {"overdue": "", "status": ""}).json()["count"] == 1
