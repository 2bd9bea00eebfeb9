"""A tick writes two batches at once, each on a connection of its own (SEQUENCE_TICK_WORKERS, 2026-12-07:
issue 21's 100,000 a day in ≤ 5 s). Two batches in flight together still send each lead once, hold the
mailboxes' caps, give the pool's sends to the oldest due first, and number their chunks apart."""

import datetime
import subprocess
import sys
import threading
import time

import psycopg
import pytest
import time_machine
from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.db import connection

from apps.campaigns.models import CampaignLeadResult
from apps.leads.models import Lead
from apps.mail.mailboxes import mailbox_usage
from apps.sequences import services
from apps.sequences.models import Enrollment, Sequence
from apps.sequences.services import enrollments_stop, sequences_tick
from testing.pgbouncer import open_four_server_connections
from testing.waiting import wait_for

from .factories import mailbox
from .test_scheduler_faults import MONDAY_10, State, a_session_waits_for_an_advisory_lock, in_thread, leads_of, started

pytestmark = pytest.mark.django_db(transaction=True)


def _oldest_first(sequence, leads):
    """The leads due from 08:00 Monday one minute apart, the first the oldest; returns them in that order."""
    for n, lead in enumerate(leads):
        Enrollment.objects.filter(sequence=sequence, lead=lead).update(
            next_send_at=MONDAY_10 - datetime.timedelta(hours=2) + datetime.timedelta(minutes=n)
        )
    return [lead.pk for lead in leads]


def _both_batches_in_their_transactions(monkeypatch, parties=2):
    """The first two batches wait for each other inside their transactions, after their mailboxes are given
    out and before their writes: the tick goes on only if the two are in flight at once (one connection after
    another would never meet: the barrier breaks, and the batch raises)."""
    barrier, calls, lock = threading.Barrier(parties, timeout=30), [], threading.Lock()
    real_next_windows = services._next_windows

    def met(*args):
        with lock:
            calls.append(threading.current_thread().name)
            first_two = len(calls) <= parties
        if first_two:
            barrier.wait()
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", met)
    return calls


def test_two_batches_in_flight_send_each_lead_once_within_the_caps_oldest_first(
    user, fake_sendgrid, eager_celery, settings, monkeypatch
):
    settings.SEQUENCE_TICK_BATCH = 5
    settings.SEQUENCE_TICK_WORKERS = 2
    leads = leads_of(user, 20)
    pool = [mailbox(user, 1, daily_cap=4, hourly_cap=4), mailbox(user, 2, daily_cap=3, hourly_cap=3)]
    sequence = started(user, leads, mailboxes=pool)
    oldest_first = _oldest_first(sequence, leads)
    calls = _both_batches_in_their_transactions(monkeypatch)
    real_schedule_batch = services._schedule_batch

    def the_oldest_late(schedule, batch, batches, ticket, report):  # the second batch reads first
        if ticket == 0:
            time.sleep(0.5)
        return real_schedule_batch(schedule, batch, batches, ticket, report)

    monkeypatch.setattr(services, "_schedule_batch", the_oldest_late)

    with time_machine.travel(MONDAY_10, tick=False):
        totals = sequences_tick(now=MONDAY_10)

    assert {name.rsplit("-", 1)[0] for name in calls} == {"sequence-batches"}  # on the tick's own threads
    assert len(set(calls[:2])) == 2
    # The caps hold over both batches: 4 and 3, 7 of the 20, the 7 due longest: the first batch's five and two
    # of the second (the first reserves first, however late it reads); the other 13 wait.
    assert (totals["scheduled"], totals["capped"]) == (7, 13)
    rows = CampaignLeadResult.objects.filter(campaign__sequence_variant__step__sequence=sequence)
    assert sorted(rows.values_list("lead_id", flat=True)) == sorted(oldest_first[:7])
    assert [mailbox_usage(sender, now=MONDAY_10).day for sender in pool] == [4, 3]  # the unused given back
    assert sorted(rows.values_list("mailbox_id", flat=True)) == sorted([pool[0].pk] * 4 + [pool[1].pk] * 3)
    # Each batch in chunks of its own: two batches reading max(chunk) + 1 at once would have shared one.
    by_chunk = {}
    for chunk, lead_id in rows.values_list("chunk", "lead_id"):
        by_chunk.setdefault(chunk, []).append(lead_id)
    batches = [oldest_first[0:5], oldest_first[5:7]]
    assert sorted(map(sorted, by_chunk.values())) == sorted(map(sorted, batches))
    # Sent once each, through the pipeline the batches dispatched from their threads.
    assert sorted(message.to for message in fake_sendgrid.messages) == sorted(
        lead.email for lead in leads if lead.pk in set(oldest_first[:7])
    )
    waiting = Enrollment.objects.filter(sequence=sequence, state=State.ACTIVE, current_step=0)
    assert set(waiting.values_list("lead_id", flat=True)) == set(oldest_first[7:])


def test_leads_outside_their_window_hold_no_sends_from_the_batch_beside_theirs(user, settings, monkeypatch):
    """The oldest batch's leads are in New York (Sunday night there): they reserve nothing, so the batch
    written beside it takes the mailbox's five sends, not the youngest batch after it. (The review of
    2026-12-07: reserved from every due enrolment, the first batch held the five until its commit, the
    second was capped, and the third, younger, took them.)"""
    settings.SEQUENCE_TICK_BATCH = 5
    settings.SEQUENCE_TICK_WORKERS = 2
    leads = leads_of(user, 15)
    sequence = started(user, leads, mailboxes=[mailbox(user, 1, daily_cap=5, hourly_cap=5)])
    oldest_first = _oldest_first(sequence, leads)
    Lead.objects.filter(pk__in=oldest_first[:5]).update(timezone="America/New_York")
    _both_batches_in_their_transactions(monkeypatch)

    with time_machine.travel(MONDAY_10, tick=False):
        totals = sequences_tick(now=MONDAY_10)

    assert set(CampaignLeadResult.objects.values_list("lead_id", flat=True)) == set(oldest_first[5:10])
    assert (totals["scheduled"], totals["capped"]) == (5, 5)


def test_a_batch_without_a_pool_does_not_hold_the_next_batchs_reservation(user, settings, monkeypatch):
    """A sequence without mailboxes (the default sender) reserves nothing: its batch gives its turn up at once,
    and the next sequence's batch, with a pool, is written beside it (the barrier), not after its commit."""
    settings.SEQUENCE_TICK_BATCH = 5
    settings.SEQUENCE_TICK_WORKERS = 2
    leads = leads_of(user, 4)
    started(user, leads[:2])
    started(user, leads[2:], mailboxes=[mailbox(user, 1)])
    calls = _both_batches_in_their_transactions(monkeypatch)

    with time_machine.travel(MONDAY_10, tick=False):
        assert sequences_tick(now=MONDAY_10)["scheduled"] == 4

    assert len(set(calls)) == 2


def _commit_then(monkeypatch, error, *, lands: bool):
    """The batch's COMMIT (on the tick's own connection: one batch) raises ``error()`` once, after landing or
    instead of it."""
    real_commit, real_write_due, armed, fired = connection._commit, services._write_due, [], []

    def write_due(*args):
        armed.append(True)
        try:
            return real_write_due(*args)
        finally:
            armed.clear()

    def commit():
        if armed and not fired:
            fired.append(True)
            if lands:
                real_commit()
            with connection.wrap_database_errors:
                raise error()
        return real_commit()

    monkeypatch.setattr(connection, "_commit", commit)
    monkeypatch.setattr(services, "_write_due", write_due)


@pytest.mark.parametrize(
    ("error", "lands"),
    [
        (SoftTimeLimitExceeded, True),  # Celery's soft time limit, an Exception, during the commit
        (lambda: psycopg.errors.ProtocolViolation("server conn crashed?"), True),  # PgBouncer lost the server: 08P01
        (lambda: psycopg.OperationalError("server closed the connection unexpectedly"), True),
        (lambda: psycopg.errors.ForeignKeyViolation("violates foreign key constraint"), False),  # refused: 23503
    ],
)
def test_a_commit_whose_outcome_is_unknown_keeps_its_sends_counted(user, settings, monkeypatch, error, lands):
    """A batch gives its reserved sends back after a failed COMMIT only when PostgreSQL refused it; after an
    error that may have come once the commit landed, they stay counted, so the next tick cannot send the
    mailbox past its cap. (The review of 2026-12-07: PgBouncer's 08P01 and Celery's soft time limit were
    taken for rollbacks, and a mailbox capped at 3 sent 6.)"""
    settings.SEQUENCE_TICK_BATCH = 10
    leads = leads_of(user, 6)
    sender = mailbox(user, 1, daily_cap=3, hourly_cap=3)
    sequence = started(user, leads, mailboxes=[sender])
    _oldest_first(sequence, leads)
    _commit_then(monkeypatch, error, lands=lands)
    with time_machine.travel(MONDAY_10, tick=False), pytest.raises(Exception):  # noqa: B017
        sequences_tick(now=MONDAY_10)
    assert CampaignLeadResult.objects.count() == (3 if lands else 0)
    assert mailbox_usage(sender, now=MONDAY_10).day == (3 if lands else 0)

    later = MONDAY_10 + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        sequences_tick(now=later)
    assert CampaignLeadResult.objects.filter(mailbox=sender).count() == 3  # never past the cap


def test_a_stop_waits_for_the_batches_in_flight_and_a_batch_that_raises_fails_the_tick(user, settings, monkeypatch):
    """The batches hold the sequence's lock shared: remove-leads (exclusive) waits until both are done, then
    stops the lead (its step row, if written by then, is cancelled). A batch that raises in its thread raises
    from the tick; its leads get no row and stay due, the batch beside it is written."""
    settings.SEQUENCE_TICK_BATCH = 2
    settings.SEQUENCE_TICK_WORKERS = 2
    leads = leads_of(user, 8)
    sequence = started(user, leads)
    oldest_first = _oldest_first(sequence, leads)
    real_next_windows = services._next_windows
    in_flight, stop_waits, lock = threading.Barrier(2, timeout=30), threading.Event(), threading.Lock()
    calls, removers, failed_leads = [], [], []

    def stop_meanwhile(cursor, *args):
        with lock:
            calls.append(threading.current_thread().name)
            turn = len(calls)
        if turn > 2:
            return real_next_windows(cursor, *args)
        if in_flight.wait() == 0:  # one of the two starts remove-leads; both wait until it waits for them
            removers.append(in_thread(lambda: enrollments_stop(sequence=sequence, lead_ids=[oldest_first[0]])))
            wait_for(a_session_waits_for_an_advisory_lock, what="remove-leads to wait for the batches", timeout=30)
            stop_waits.set()
        assert stop_waits.wait(30)
        if turn == 2:
            cursor.execute("SELECT lead_id FROM sequence_due")
            failed_leads.extend(lead_id for (lead_id,) in cursor.fetchall())
            raise RuntimeError("statement timeout")
        return real_next_windows(cursor, *args)

    monkeypatch.setattr(services, "_next_windows", stop_meanwhile)
    with time_machine.travel(MONDAY_10, tick=False), pytest.raises(RuntimeError, match="statement timeout"):
        sequences_tick(now=MONDAY_10)
    removers[0].join(30)

    assert len(set(calls[:2])) == 2  # the two batches were in flight at once, on two threads
    assert len(failed_leads) == 2 and set(failed_leads) <= set(oldest_first[:4])
    written = list(CampaignLeadResult.objects.values_list("lead_id", flat=True))
    assert len(written) == len(set(written)) >= 2 and not set(written) & set(failed_leads)
    for_failed = Enrollment.objects.filter(sequence=sequence, lead_id__in=failed_leads).exclude(lead_id=oldest_first[0])
    assert set(for_failed.values_list("current_step", "state")) == {(0, State.ACTIVE)}
    first = Enrollment.objects.get(sequence=sequence, lead_id=oldest_first[0])
    assert (first.state, first.stop_reason) == (State.STOPPED, Enrollment.StopReason.MANUAL)
    if oldest_first[0] in written:  # its batch committed before the stop: the row was cancelled
        row = CampaignLeadResult.objects.get(lead_id=oldest_first[0])
        assert row.status == CampaignLeadResult.Status.FAILED and "stopped for this lead" in row.error_message
    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.ACTIVE


SCHEDULE = """
import datetime
from apps.sequences.models import Sequence
from apps.sequences.services import sequence_schedule_due
sequence = Sequence.objects.get(pk="{sequence}")
report = sequence_schedule_due(sequence=sequence, now=datetime.datetime.fromisoformat("{now}"), dispatch=False)
print(report.scheduled, report.capped)
"""


def test_two_batches_at_once_behind_a_transaction_pooling_pgbouncer(user, pgbouncer):
    """Each batch is one transaction (its temporary table dropped at its commit, its mailboxes reserved
    before it): behind PgBouncer in transaction mode, whose server connections go round-robin, a tick of four
    batches, two at once, writes every lead it may once and holds the caps."""
    leads = leads_of(user, 8)
    pool = [mailbox(user, 1, daily_cap=3, hourly_cap=3), mailbox(user, 2, daily_cap=3, hourly_cap=3)]
    sequence = started(user, leads, mailboxes=pool)
    oldest_first = _oldest_first(sequence, leads)
    open_four_server_connections(f"{pgbouncer}/pooled")

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCHEDULE.format(sequence=sequence.pk, now=MONDAY_10.isoformat())],
        cwd=django_settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "salesone.settings.test",
            "DATABASE_URL": f"{pgbouncer}/pooled",
            "DATABASE_SESSION_URL": f"{pgbouncer}/session",
            "SEQUENCE_TICK_BATCH": "2",
            "SEQUENCE_TICK_WORKERS": "2",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["6", "2"]  # six sent, two over the caps
    rows = CampaignLeadResult.objects.filter(campaign__sequence_variant__step__sequence=sequence)
    assert sorted(rows.values_list("lead_id", flat=True)) == sorted(oldest_first[:6])
    assert [mailbox_usage(sender, now=MONDAY_10).day for sender in pool] == [3, 3]
