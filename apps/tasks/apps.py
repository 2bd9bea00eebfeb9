"""tasks: tasks: assignments, recurring tasks, reminders, workflow-linked tasks."""

from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "apps.tasks"
    label = "tasks"
    verbose_name = "Tasks"
    default_auto_field = "django.db.models.BigAutoField"
