"""The weekly sequence report: a Monday beat job e-mails each running sequence's owner last week's
report, once per sequence and week, whatever runs twice."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings as django_settings

from apps.campaigns.models import ReportEmail
from apps.sequences.reports import sequence_week_report, sequences_send_weekly_reports
from apps.sequences.services import sequence_start, sequences_tick

from .factories import sequence_with
from .test_scheduler_faults import TWO_STEPS, leads_of

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
MONDAY_10 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SEOUL)
NEXT_MONDAY_8 = datetime.datetime(2026, 12, 14, 8, 0, tzinfo=SEOUL)


def test_beat_sends_the_weekly_reports_on_mondays():
    entry = django_settings.CELERY_BEAT_SCHEDULE["sequences-weekly-reports"]
    assert entry["task"] == "apps.sequences.tasks.send_sequence_weekly_reports"
    assert entry["schedule"].day_of_week == {1} and entry["schedule"].hour == {8}


def test_each_sequence_gets_one_report_a_week(user, fake_sendgrid, send, django_capture_on_commit_callbacks):
    leads = leads_of(user, 3)
    sequence = sequence_with(user, leads, steps=TWO_STEPS, sender_name="세일즈원")
    sequence = sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))
    with time_machine.travel(MONDAY_10, tick=False):  # sent on Monday 7 December
        send(sequences_tick, now=MONDAY_10)
    never_started = sequence_with(user, leads, steps=TWO_STEPS)  # a draft: nothing to report

    with django_capture_on_commit_callbacks() as mailed:
        first = sequences_send_weekly_reports(now=NEXT_MONDAY_8)
        again = sequences_send_weekly_reports(now=NEXT_MONDAY_8 + datetime.timedelta(minutes=5))
    assert (first, again) == (1, 0)
    assert len(mailed) == 1
    claim = ReportEmail.objects.get(kind=ReportEmail.Kind.SEQUENCE_WEEKLY)
    assert (claim.subject_id, claim.period, claim.recipient) == (sequence.pk, "2026-W50", user.email)
    assert not ReportEmail.objects.filter(subject_id=never_started.pk).exists()

    report = sequence_week_report(sequence=sequence, week_start=datetime.date(2026, 12, 7))
    assert report["totals"]["sent"] == 3
    assert report["daily"][0]["date"] == datetime.date(2026, 12, 7) and len(report["daily"]) == 7
    assert sum(day["sent"] for day in report["daily"]) == 3
