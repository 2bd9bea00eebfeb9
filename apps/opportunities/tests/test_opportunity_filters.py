import datetime

import pytest

from apps.leads.tests.factories import LeadFactory
from apps.leads.tests.queries import count_queries
from apps.opportunities.tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunities(user):
    return [
        OpportunityFactory(
            user=user,
            name="검색광고",
            status="new",
            source="website",
            value=1_000_000,
            expected_close_date=datetime.date(2026, 1, 15),
        ),
        OpportunityFactory(
            user=user,
            name="SNS 패키지",
            status="proposal",
            source="campaign",
            value=5_000_000,
            expected_close_date=datetime.date(2026, 3, 1),
        ),
        OpportunityFactory(
            user=user, name="인플루언서", status="won", source="referral", value=None, expected_close_date=None
        ),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=proposal", {"SNS 패키지"}),
        ("status=new&status=won", {"검색광고", "인플루언서"}),
        ("source=Campaign", {"SNS 패키지"}),
        ("expected_close_date_after=2026-02-01", {"SNS 패키지"}),
        ("expected_close_date_before=2026-02-01", {"검색광고"}),
        ("value_min=2000000", {"SNS 패키지"}),
        ("value_max=2000000", {"검색광고"}),
        ("search=패키지", {"SNS 패키지"}),
    ],
)
def test_filters(auth_client, opportunities, query, expected):
    response = auth_client.get(f"/api/opportunities/?{query}")
    assert response.status_code == 200, response.data
    assert {row["name"] for row in response.data["results"]} == expected


def test_bad_filter_values_are_400(auth_client, opportunities):
    assert auth_client.get("/api/opportunities/?status=closed").status_code == 400
    assert auth_client.get("/api/opportunities/?value_min=lots").status_code == 400


def test_list_pages_cost_the_same_queries(auth_client, user):
    for n in range(25):
        OpportunityFactory(user=user, lead=LeadFactory(user=user) if n % 2 else None)

    counts = []
    for size in (5, 25):
        with count_queries() as queries:
            response = auth_client.get(f"/api/opportunities/?page_size={size}")
        assert len(response.data["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2  # the JWT's user, the page with its count (lead and user joined)
