"""A task created for a team without an assignee goes to the member with the least open weighted
work (due soon counts more), ties round-robin; the response explains the choice; a setting turns it off."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group

from apps.accounts.tests.factories import UserFactory
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
URL = "/api/tasks/"
TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def team(user):
    """The requesting user (a manager with three tasks that can wait), and two salespeople."""
    group = Group.objects.create(name="영업1팀")
    kim, lee = UserFactory(email="a-kim@salesone.kr"), UserFactory(email="b-lee@salesone.kr")
    group.user_set.add(user, kim, lee)
    for _ in range(3):
        TaskFactory(created_by=user, assignee=user, due_date=TODAY + datetime.timedelta(days=30))
    return group, kim, lee


def _create(client, team, **fields):
    return client.post(URL, {"name": "신규 리드 연락", "team": team.pk, **fields}, format="json")


def test_least_weighted_work_wins_and_is_explained(auth_client, user, team):
    group, kim, lee = team
    TaskFactory(created_by=user, assignee=kim, due_date=TODAY)  # one urgent task: weighs 3
    TaskFactory(created_by=user, assignee=lee, due_date=TODAY + datetime.timedelta(days=20))  # two that
    TaskFactory(created_by=user, assignee=lee, due_date=None)  # can wait: 1 + 1

    response = _create(auth_client, group)

    assert response.status_code == 201
    body = response.json()
    assert body["assignee"]["email"] == "b-lee@salesone.kr"
    assert body["team"] == group.pk
    assignment = body["assignment"]
    assert "least open weighted work" in assignment["rule"] or "가중" in assignment["rule"]
    work = {c["email"]: (c["open_tasks"], c["weighted_open_work"]) for c in assignment["candidates"]}
    assert work == {user.email: (3, 3), "a-kim@salesone.kr": (1, 3), "b-lee@salesone.kr": (2, 2)}
    assert assignment["tie_broken_round_robin"] is False


def _create_at(client, team, minute):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 1, minute, tzinfo=datetime.UTC), tick=False):
        body = _create(client, team).json()
    assert "assignee" in body, body
    Task.objects.filter(pk=body["id"]).update(status=Task.Status.COMPLETED)  # done: the member is free again
    return body


def test_ties_go_round_robin(auth_client, user, team):
    group = team[0]
    first = _create_at(auth_client, group, 1)
    assert first["assignee"]["email"] == "a-kim@salesone.kr"  # tied at 0 with lee, neither ever chosen: e-mail order
    assert first["assignment"]["tie_broken_round_robin"] is True
    assert _create_at(auth_client, group, 2)["assignee"]["email"] == "b-lee@salesone.kr"  # tied again: lee's turn
    assert _create_at(auth_client, group, 3)["assignee"]["email"] == "a-kim@salesone.kr"  # kim's last turn is older
    assert _create_at(auth_client, group, 4)["assignee"]["email"] == "b-lee@salesone.kr"


def test_turned_off_it_asks_for_an_assignee(auth_client, team, settings):
    settings.TASK_AUTO_ASSIGN_ENABLED = False
    group, kim, _ = team
    response = _create(auth_client, group, **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert "assignee_id" in response.json()["fields"]
    assert _create(auth_client, group, assignee_id=str(kim.pk)).status_code == 201
    assert Task.objects.filter(assignment__isnull=False).count() == 0


def test_a_team_i_am_not_on_or_an_assignee_outside_it_is_400(auth_client, user, team):
    group = team[0]
    other = Group.objects.create(name="영업2팀")
    other.user_set.add(UserFactory())
    assert _create(auth_client, other).status_code == 400
    outsider = UserFactory()
    Group.objects.create(name="공용").user_set.add(user, outsider)
    response = _create(auth_client, group, assignee_id=str(outsider.pk))
    assert response.status_code == 400 and "assignee_id" in response.json()["fields"]
    assert Task.objects.filter(team__isnull=False).count() == 0


def test_without_a_team_the_task_is_mine_as_before(auth_client, user, team):
    body = auth_client.post(URL, {"name": "메모"}, format="json").json()
    assert body["assignee"]["id"] == str(user.pk)
    assert body["team"] is None and body["assignment"] is None
