"""The mailbox admin's change page shows today's cap and the rolling hour's and day's sends, reading
the mailbox's usage once for the three (it ran the same query three times)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.mail.mailboxes import mailbox_reserve
from apps.mail.models import Mailbox, MailboxSendCount

pytestmark = pytest.mark.django_db


def test_the_change_page_reads_the_usage_once(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    mailbox = Mailbox.objects.create(
        user=UserFactory(),
        email="sales@seller.co.kr",
        daily_cap=100,
        hourly_cap=20,
        warmup_start=0,
        warmup_step=0,
        warmup_started_on=datetime.date(2026, 11, 1),
    )
    mailbox_reserve(mailbox_id=mailbox.pk, count=7)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:mail_mailbox_change", args=[mailbox.pk]))

    assert response.status_code == 200
    usage_reads = [q for q in queries.captured_queries if MailboxSendCount._meta.db_table in q["sql"]]
    assert len(usage_reads) == 1
    assert response.context["adminform"].form.instance._admin_usage.hour == 7
