"""GET /api/tasks/analytics/: per assignee and period, created, completed, overdue, median time to
complete and on-time rate; cached in Redis; the admin shows the same table."""

import datetime

import pytest
import time_machine
from django.core.cache import cache

from apps.accounts.tests.factories import UserFactory
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
URL = "/api/tasks/analytics/"
UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 20, 3, 0, tzinfo=UTC)  # Friday 20 March, 12:00 in Seoul


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _task(user, *, created, due=None, completed=None, assignee=None):
    task = TaskFactory(created_by=user, assignee=assignee or user, due_date=due)
    fields = {"created_at": created}
    if completed:
        fields |= {"status": Task.Status.COMPLETED, "completed_at": completed}
    Task.objects.filter(pk=task.pk).update(**fields)
    return task


@pytest.fixture
def tasks(user):
    """Week of 2 March (Seoul): two created; one done in 24 h on time, one done in 48 h a day late.
    Week of 9 March: one due on the 10th and still open (overdue). Someone else's task: not counted."""
    monday = datetime.datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
    _task(user, created=monday, due=datetime.date(2026, 3, 4), completed=monday + datetime.timedelta(hours=24))
    _task(user, created=monday, due=datetime.date(2026, 3, 3), completed=monday + datetime.timedelta(hours=48))
    _task(user, created=monday + datetime.timedelta(days=7), due=datetime.date(2026, 3, 10))
    _task(UserFactory(), created=monday, due=datetime.date(2026, 3, 3))


def test_weekly_table(auth_client, user, tasks):
    body = auth_client.get(URL, {"start": "2026-03-01", "end": "2026-03-20"}).json()

    assert body["period"] == "week"
    rows = {row["period_start"]: row for row in body["rows"]}
    assert set(rows) == {"2026-03-02", "2026-03-09"}
    week = rows["2026-03-02"]
    assert week["assignee"]["email"] == user.email
    assert (week["created"], week["completed"], week["overdue"]) == (2, 2, 1)  # the late one was overdue
    assert week["median_hours_to_complete"] == 36.0
    assert week["on_time_rate"] == 0.5
    assert (rows["2026-03-09"]["created"], rows["2026-03-09"]["overdue"]) == (1, 1)
    assert rows["2026-03-09"]["median_hours_to_complete"] is None


def test_answers_are_cached_until_they_expire(auth_client, user, tasks):
    first = auth_client.get(URL, {"period": "month"}).json()
    _task(user, created=NOW)
    assert auth_client.get(URL, {"period": "month"}).json() == first  # from Redis: the new task not yet in
    cache.clear()
    fresh = auth_client.get(URL, {"period": "month"}).json()
    assert fresh["rows"][0]["created"] == first["rows"][0]["created"] + 1


@pytest.mark.parametrize(
    "query, field",
    [
        ({"period": "year"}, "period"),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "start"),
        ({"start": "2020-01-01", "end": "2026-03-01"}, "start"),
        ({"assignee": "me"}, "assignee"),
    ],
)
def test_bad_queries_are_400(auth_client, query, field):
    response = auth_client.get(URL, query)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_another_team_is_400(auth_client):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="영업2팀")
    response = auth_client.get(URL, {"team": group.pk})
    assert response.status_code == 400 and "team" in response.json()["fields"]


def test_admin_shows_the_same_table(client, user, tasks):
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    page = client.get("/admin/tasks/task/analytics/?period=week&start=2026-03-01&end=2026-03-20")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="task-analytics"' in html
    assert "2026-03-02" in html and "36.0" in html and "50%" in html
