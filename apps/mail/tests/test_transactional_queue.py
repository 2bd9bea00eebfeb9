"""Transactional mail (task reminders, notices) travels on its own queue: a worker that serves only
that queue, like the Procfile's ``mail`` process, sends it at once while a campaign's chunks wait."""

import time
import uuid

import pytest
import redis
from django.conf import settings

from apps.campaigns.tasks import send_campaign_chunk
from apps.mail.models import OutboxMessage
from apps.mail.tasks import send_transactional_email

pytestmark = [pytest.mark.worker]


def test_reminder_is_sent_while_campaign_chunks_are_queued(celery_worker_factory):
    celery_worker_factory(queues="transactional", extra_env={"EMAIL_PROVIDERS": "outbox"})
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    backlog = 300
    for chunk in range(backlog):
        send_campaign_chunk.delay(str(uuid.uuid4()), chunk)
    assert broker.llen("campaigns") == backlog

    send_transactional_email.delay(
        to="kim@salesone.kr",
        subject="[SalesOne] 내일 마감: 4월 세금계산서 발행",
        html="<p>내일 마감인 할 일이 있습니다.</p>",
        category="task_reminder",
    )

    deadline = time.monotonic() + 30
    while not OutboxMessage.objects.filter(to_email="kim@salesone.kr", category="task_reminder").exists():
        assert time.monotonic() < deadline, "the reminder was not sent"
        time.sleep(0.1)
    # It did not wait for, nor go through, the campaign queue: every chunk is still there.
    assert broker.llen("campaigns") == backlog
    assert broker.llen("transactional") == 0
