import datetime

import pytest

from apps.tasks.models import Task
from apps.tasks.services import task_change_status, task_next_occurrence_create, task_occurrences_create_due
from apps.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 4, 13)


def repetitive(**kwargs):
    defaults = {"is_repetitive": True, "repetition_interval": 30, "due_date": TODAY}
    return TaskFactory(**{**defaults, **kwargs})


def test_beat_job_run_twice_creates_one_occurrence():
    task = repetitive()
    first = task_occurrences_create_due(today=TODAY)
    second = task_occurrences_create_due(today=TODAY)
    assert [t.due_date for t in first] == [datetime.date(2024, 5, 13)]
    assert second == []
    assert Task.objects.filter(previous_occurrence=task).count() == 1
    assert Task.objects.count() == 2


def test_beat_job_and_completion_share_the_one_occurrence():
    task = repetitive()
    task_occurrences_create_due(today=TODAY)
    task_change_status(task=task, status=Task.Status.COMPLETED)
    assert Task.objects.count() == 2


def test_beat_job_catches_up_missed_periods_up_to_the_end_date():
    task = repetitive(
        due_date=datetime.date(2024, 1, 1), repetition_interval=30, repetition_end_date=datetime.date(2024, 3, 15)
    )
    created = task_occurrences_create_due(today=TODAY)
    # 01-31, 03-01; the next (03-31) would be past the end date.
    assert [t.due_date for t in created] == [datetime.date(2024, 1, 31), datetime.date(2024, 3, 1)]
    assert task_occurrences_create_due(today=TODAY) == []
    assert Task.objects.filter(name=task.name).count() == 3


def test_future_tasks_and_one_off_tasks_are_left_alone():
    repetitive(due_date=TODAY + datetime.timedelta(days=1))
    TaskFactory(due_date=TODAY - datetime.timedelta(days=10))
    assert task_occurrences_create_due(today=TODAY) == []
    assert Task.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_completion_and_beat_job_create_one_occurrence():
    """Two workers racing (completion in the API, the beat job) still leave one next occurrence."""
    import threading

    from django.db import connection

    task = repetitive()
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def race():
        try:
            barrier.wait()
            task_next_occurrence_create(task=Task.objects.get(pk=task.pk))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Task.objects.filter(previous_occurrence=task).count() == 1
