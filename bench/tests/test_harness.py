"""The shared harness: the percentile every benchmark prints and the table it prints it in."""

import math

import pytest
from django.http import HttpRequest
from rest_framework.throttling import UserRateThrottle as DRFUserRateThrottle

from apps.accounts.tests.factories import UserFactory
from bench.harness import Column, Table, markdown_table, percentile, user_throttle_raised
from common.throttles import UserRateThrottle


def test_percentile_is_the_nearest_rank_of_the_sorted_values():
    values = [float(n) for n in range(100, 0, -1)]  # 100 … 1, unsorted on purpose
    assert percentile(values, 0.5) == 51.0  # index round(0.5 * 99) = 50 (round half to even) of 1…100
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile(values, 0.0) == 1.0


def test_percentile_of_one_value_is_that_value_and_of_none_is_nan():
    assert percentile([7.5], 0.99) == 7.5
    assert math.isnan(percentile([], 0.5))


def test_table_prints_header_rule_and_aligned_rows():
    lines: list[str] = []
    table = Table(
        Column("endpoint", 12, align="<"),
        Column("q", 3),
        Column("p95 ms", 7, ".1f"),
        Column("note", align="<", gap="  "),
        write=lines.append,
    )
    table.header()
    table.row("/api/leads/", 4, 12.345, "ok")
    table.row("/api/x/", 3, 1.0, suffix="  (slow)")
    assert lines == [
        "endpoint       q  p95 ms  note",
        "------------------------------",
        "/api/leads/    4    12.3  ok",
        "/api/x/        3     1.0  (slow)",
    ]


def test_table_without_rule_and_a_row_that_stops_early():
    lines: list[str] = []
    table = Table(
        Column("name", 6, align="<"), Column("ms", 6, ".1f"), Column("ratio", 6), write=lines.append, rule=False
    )
    table.header()
    assert table.format_row("cursor", 2.25) == "cursor    2.2"
    assert lines == ["name       ms  ratio"]


def test_markdown_table():
    assert markdown_table(["fault", "received"], [("worker", 400), ("redis", 399)]) == (
        "| fault | received |\n|---|---|\n| worker | 400 |\n| redis | 399 |"
    )


@pytest.mark.django_db
def test_user_throttle_raised_lets_a_bench_send_past_the_users_rate(monkeypatch):
    """bench_salesone_search's third run was refused with a 429 once an idle machine made its requests
    faster than THROTTLE_USER: the benches' requests go through the raised rate, and the API's comes back."""
    # The user rate as THROTTLE_USER sets it (DRF reads it on each throttle's creation; the class has no rate).
    monkeypatch.setitem(DRFUserRateThrottle.THROTTLE_RATES, "user", "2/min")
    request = HttpRequest()
    request.user = UserFactory()

    def allowed(count):
        return [UserRateThrottle().allow_request(request, None) for _ in range(count)]

    assert allowed(3) == [True, True, False]
    with user_throttle_raised():
        assert all(allowed(50))
    assert allowed(1) == [False]
    assert "rate" not in vars(DRFUserRateThrottle)  # DRF's own again, not a rate left on the class
