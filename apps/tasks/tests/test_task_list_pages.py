"""The tasks list pages through your tasks (assigned to you or created by you) in its order, every page
read ids first (common/pagination.py), with the same rows and order as one sorted read."""

import datetime

import pytest
from rest_framework.test import APIClient

from apps.accounts.tests.factories import UserFactory
from apps.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _pages(client, **params) -> tuple[int, list[list[str]]]:
    pages, page, count = [], 1, None
    while True:
        body = client.get("/api/tasks/", {"page_size": 2, "page": page, **params}).json()
        count = body["count"]
        pages.append([row["name"] for row in body["results"]])
        if body["next"] is None:
            return count, pages
        page += 1


def test_pages_follow_the_due_date_then_newest_order_and_the_ordering_asked_for():
    me, colleague = UserFactory(), UserFactory()
    day = datetime.date(2026, 3, 2)
    TaskFactory(name="c", created_by=me, due_date=day + datetime.timedelta(days=2))
    TaskFactory(name="a", created_by=me, due_date=day)
    TaskFactory(name="e", created_by=colleague, assignee=me, due_date=day + datetime.timedelta(days=4))
    TaskFactory(name="b", created_by=me, due_date=day + datetime.timedelta(days=1))
    TaskFactory(name="d", created_by=me, due_date=day + datetime.timedelta(days=3))
    TaskFactory(name="someone else's", created_by=colleague, due_date=day)
    client = APIClient()
    client.force_authenticate(me)

    assert _pages(client) == (5, [["a", "b"], ["c", "d"], ["e"]])
    assert _pages(client, ordering="-name") == (5, [["e", "d"], ["c", "b"], ["a"]])
    assert _pages(client, search="someone") == (0, [[]])
