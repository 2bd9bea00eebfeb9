"""The seam from clients up to tasks: the one module of this app that names apps.tasks.

clients sits below tasks (a task belongs to a client, tasks' serializers offer the user's clients),
yet a client's page lists its tasks and its insights count the overdue ones. Those needs go through
the names here: each function imports apps.tasks in its body, and the response serializer is
drf-spectacular's lazy reference, loaded at first use, so importing clients never imports tasks.
The grouping, the counts and the shapes stay in apps.tasks.
"""

from drf_spectacular.helpers import lazy_serializer

# The shape of /api/clients/{id}/tasks/ (apps/tasks/serializers.py), for the schema annotation.
ClientTasksSerializer = lazy_serializer("apps.tasks.serializers.ClientTasksSerializer")


def client_tasks_data(*, client, context) -> dict:
    """The client's tasks grouped by status with a summary, as /api/clients/{id}/tasks/ answers them."""
    from apps.tasks.selectors import client_tasks
    from apps.tasks.serializers import client_tasks_data

    return client_tasks_data(client_tasks(client=client), context=context)


def client_overdue_task_count(*, client, today) -> int:
    """How many of the client's tasks are due before ``today`` and not completed."""
    from apps.tasks.selectors import client_overdue_task_count

    return client_overdue_task_count(client=client, today=today)
