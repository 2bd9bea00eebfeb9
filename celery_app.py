"""Celery application, configured from Django settings (the CELERY_* names)."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesone.settings.development")

app = Celery("salesone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _declare_queues(sender, **kwargs):
    from django.conf import settings

    sender.conf.task_queues = [Queue(name) for name in settings.CELERY_TASK_QUEUES_ALL]
