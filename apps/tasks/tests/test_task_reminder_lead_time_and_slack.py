"""Reminders at the assignee's chosen lead time, by e-mail and on Slack (the real slack-sdk against a
fake Slack on 127.0.0.1), each at most once, and skipped when the task was done meanwhile."""

import datetime

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.tasks.models import Task, TaskReminder, TaskReminderPreference
from apps.tasks.services import task_change_status, task_reminder_deliver, task_reminders_send
from apps.tasks.tests.factories import TaskFactory
from apps.workflows.tests.fakes import FakeServer, Reply, fake_slack_responder

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 4, 12)
URL = "/api/tasks/reminder-settings/"


@pytest.fixture
def slack(settings):
    server = FakeServer(fake_slack_responder)
    settings.SLACK_BOT_TOKEN = "xoxb-test-token"
    settings.SLACK_API_BASE_URL = f"{server.url}/api/"
    yield server
    server.stop()


def _in_days(days):
    return TODAY + datetime.timedelta(days=days)


def test_lead_time_of_three_days(django_capture_on_commit_callbacks):
    assignee = UserFactory()
    TaskReminderPreference.objects.create(user=assignee, lead_days=3)
    in_three = TaskFactory(assignee=assignee, due_date=_in_days(3))
    in_four = TaskFactory(assignee=assignee, due_date=_in_days(4))
    with django_capture_on_commit_callbacks():
        reminded = task_reminders_send(today=TODAY)
        next_day = task_reminders_send(today=_in_days(1))
    assert [r.task_id for r in reminded] == [in_three.pk]
    assert [r.task_id for r in next_day] == [in_four.pk]  # in_three is still within the lead time: not again


def test_email_and_slack_once_each(slack, django_capture_on_commit_callbacks):
    assignee = UserFactory()
    TaskReminderPreference.objects.create(user=assignee, lead_days=1, by_slack=True, slack_channel="U0123ABCD")
    TaskFactory(assignee=assignee, name="견적서 송부", due_date=_in_days(1))
    with django_capture_on_commit_callbacks():
        (reminder,) = task_reminders_send(today=TODAY)

    first = task_reminder_deliver(reminder_id=reminder.pk)
    task_reminder_deliver(reminder_id=reminder.pk)  # the delivery redelivered by the broker

    posts = slack.hits("/api/chat.postMessage")
    assert len(posts) == 1
    assert posts[0].json()["channel"] == "U0123ABCD"
    assert "[SalesOne] 내일 마감: 견적서 송부" in posts[0].json()["text"]
    assert (first.email_status, first.slack_status) == ("sent", "sent")


def test_done_before_delivery_is_skipped(slack, django_capture_on_commit_callbacks):
    assignee = UserFactory()
    TaskReminderPreference.objects.create(user=assignee, lead_days=1, by_slack=True, slack_channel="#sales")
    task = TaskFactory(assignee=assignee, due_date=_in_days(1))
    with django_capture_on_commit_callbacks():
        (reminder,) = task_reminders_send(today=TODAY)
    task_change_status(task=task, status=Task.Status.COMPLETED)

    delivered = task_reminder_deliver(reminder_id=reminder.pk)

    assert (delivered.email_status, delivered.slack_status) == ("skipped", "skipped")
    assert slack.requests == []


def test_slack_refusal_is_recorded_and_never_retried(slack, django_capture_on_commit_callbacks):
    assignee = UserFactory()
    TaskReminderPreference.objects.create(
        user=assignee, lead_days=1, by_email=False, by_slack=True, slack_channel="#does-not-exist"
    )
    TaskFactory(assignee=assignee, due_date=_in_days(1))
    with django_capture_on_commit_callbacks():
        (reminder,) = task_reminders_send(today=TODAY)

    task_reminder_deliver(reminder_id=reminder.pk)
    again = task_reminder_deliver(reminder_id=reminder.pk)

    assert len(slack.requests) == 1
    assert again.slack_status == "failed" and "channel_not_found" in again.slack_error
    assert again.email_status == "off"


def test_slack_down_fails_the_slack_part_only(settings, django_capture_on_commit_callbacks):
    server = FakeServer(lambda recorded: Reply(500, {"ok": False, "error": "internal_error"}))
    settings.SLACK_BOT_TOKEN, settings.SLACK_API_BASE_URL = "xoxb-test-token", f"{server.url}/api/"
    assignee = UserFactory()
    TaskReminderPreference.objects.create(user=assignee, lead_days=1, by_slack=True, slack_channel="U1")
    TaskFactory(assignee=assignee, due_date=_in_days(1))
    with django_capture_on_commit_callbacks():
        (reminder,) = task_reminders_send(today=TODAY)
    try:
        delivered = task_reminder_deliver(reminder_id=reminder.pk)
    finally:
        server.stop()
    assert (delivered.email_status, delivered.slack_status) == ("sent", "failed")
    assert TaskReminder.objects.count() == 1


def test_reminder_settings_api(auth_client, settings):
    assert auth_client.get(URL).json() == {
        "lead_days": settings.TASK_REMINDER_DEFAULT_LEAD_DAYS,
        "by_email": True,
        "by_slack": False,
        "slack_channel": "",
    }
    no_channel = auth_client.patch(URL, {"by_slack": True}, format="json")
    assert no_channel.status_code == 400 and "slack_channel" in no_channel.json()["fields"]
    too_far = auth_client.patch(URL, {"lead_days": settings.TASK_REMINDER_MAX_LEAD_DAYS + 1}, format="json")
    assert too_far.status_code == 400 and "lead_days" in too_far.json()["fields"]
    saved = auth_client.patch(URL, {"lead_days": 3, "by_slack": True, "slack_channel": "U0123ABCD"}, format="json")
    assert saved.status_code == 200
    assert auth_client.get(URL).json()["lead_days"] == 3
    assert TaskReminderPreference.objects.count() == 1
