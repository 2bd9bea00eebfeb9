"""The admin's "add task" form assigns as the API does (task_assignment_resolve): a team and no
assignee → the team member with the least open weighted work, the explanation kept; the setting
TASK_AUTO_ASSIGN_ENABLED off, a creator off the team or an assignee off the team → form errors, no task."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True, email="manager@salesone.kr")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="tasks"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def team(staff):
    """The staff manager (busy), kim (one urgent task) and lee (nothing open)."""
    group = Group.objects.create(name="영업1팀")
    kim, lee = UserFactory(email="a-kim@salesone.kr"), UserFactory(email="b-lee@salesone.kr")
    group.user_set.add(staff, kim, lee)
    for _ in range(3):
        TaskFactory(created_by=staff, assignee=staff, due_date=TODAY)
    TaskFactory(created_by=staff, assignee=kim, due_date=TODAY)
    return group, kim, lee


def _add(client, staff, **fields):
    form = {
        "name": "신규 리드 연락",
        "status": Task.Status.NOT_STARTED,
        "created_by": staff.pk,
        "workflow_data": "{}",
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
        **fields,
    }
    client.force_login(staff)
    return client.post(reverse("admin:tasks_task_add"), form)


def test_no_assignee_with_a_team_is_auto_assigned_and_explained(client, staff, team):
    group, _kim, lee = team
    response = _add(client, staff, team=group.pk)
    assert response.status_code == 302, response.context["adminform"].form.errors
    task = Task.objects.get(name="신규 리드 연락")
    assert task.assignee == lee and task.team == group
    assert task.assignment["assignee_id"] == str(lee.pk)
    assert {c["email"] for c in task.assignment["candidates"]} == {staff.email, "a-kim@salesone.kr", lee.email}


def test_a_chosen_assignee_on_the_team_is_kept(client, staff, team):
    group, kim, _lee = team
    response = _add(client, staff, team=group.pk, assignee=kim.pk)
    assert response.status_code == 302, response.context["adminform"].form.errors
    task = Task.objects.get(name="신규 리드 연락")
    assert task.assignee == kim and task.assignment is None


def test_no_team_and_no_assignee_goes_to_the_creator(client, staff):
    assert _add(client, staff).status_code == 302
    assert Task.objects.get(name="신규 리드 연락").assignee == staff


def test_auto_assign_turned_off_is_a_form_error(client, staff, team, settings):
    settings.TASK_AUTO_ASSIGN_ENABLED = False
    response = _add(client, staff, team=team[0].pk)
    assert response.status_code == 200
    assert "assignee" in response.context["adminform"].form.errors
    assert not Task.objects.filter(name="신규 리드 연락").exists()


def test_creator_or_assignee_off_the_team_is_a_form_error(client, staff, team):
    stranger = UserFactory(email="z-park@salesone.kr")
    response = _add(client, staff, team=team[0].pk, assignee=stranger.pk)
    assert response.status_code == 200
    assert "assignee" in response.context["adminform"].form.errors
    other_team = Group.objects.create(name="영업2팀")
    response = _add(client, staff, team=other_team.pk)
    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors
    assert not Task.objects.filter(name="신규 리드 연락").exists()


def test_the_team_is_chosen_once_and_only_among_the_staff_members_teams(client, staff, team):
    """As the API: a task's team is set when it is created, from a team its creator is on; the change
    form shows it read-only and a posted team is ignored; the assignee is a select of teammates."""
    group, _kim, _lee = team
    other = Group.objects.create(name="영업2팀")
    client.force_login(staff)

    add_page = client.get(reverse("admin:tasks_task_add")).content.decode()
    assert "영업1팀" in add_page and "영업2팀" not in add_page
    assert "a-kim@salesone.kr" in add_page  # a teammate is offered without an autocomplete lookup

    task = TaskFactory(created_by=staff, assignee=staff, team=group, due_date=TODAY)
    form = {
        "name": task.name,
        "status": task.status,
        "assignee": staff.pk,
        "team": other.pk,
        "created_by": staff.pk,
        "workflow_data": "{}",
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:tasks_task_change", args=[task.pk]), form)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.team_id == group.pk
