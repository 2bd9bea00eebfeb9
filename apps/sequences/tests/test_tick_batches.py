"""A tick reads a sequence's due enrolments once and writes them in transactions of SEQUENCE_TICK_BATCH
(2026-12-06: before, a tick wrote one batch and the rest waited for the next ticks). One tick sends
every due lead once, the oldest due first when the mailbox's cap runs out, and a lead stopped after the
due enrolments were read but before its own batch is written is not sent."""

import datetime
import logging

import pytest
import time_machine
from django.db import connection, connections

from apps.campaigns.models import CampaignLeadResult
from apps.leads.models import Lead
from apps.mail.mailboxes import mailbox_usage
from apps.mail.models import Mailbox
from apps.sequences import services
from apps.sequences.models import Enrollment, Sequence
from apps.sequences.services import sequence_pause, sequence_start, sequences_tick
from testing.waiting import wait_for

from .factories import inbound, mailbox, sequence_with
from .test_scheduler_faults import MONDAY_10, TUESDAY_10, State, leads_of, started


def test_one_tick_sends_every_due_lead_once_across_batches(user, fake_sendgrid, send, settings):
    settings.SEQUENCE_TICK_BATCH = 2
    leads = leads_of(user, 5)
    sequence = started(user, leads)

    send(sequences_tick, now=MONDAY_10)

    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads)
    assert CampaignLeadResult.objects.filter(lead__in=leads).count() == 5
    assert set(Enrollment.objects.filter(sequence=sequence).values_list("current_step", flat=True)) == {1}


def test_over_the_cap_the_oldest_due_go_first_and_the_rest_wait(user, fake_sendgrid, send, settings):
    settings.SEQUENCE_TICK_BATCH = 2
    leads = leads_of(user, 5)
    sequence = started(user, leads, mailboxes=[mailbox(user, 1, daily_cap=3, hourly_cap=3)])
    for n, lead in enumerate(leads):  # the first lead has been due the longest, the last the shortest
        Enrollment.objects.filter(sequence=sequence, lead=lead).update(
            next_send_at=MONDAY_10 - datetime.timedelta(hours=2) + datetime.timedelta(minutes=n)
        )

    send(sequences_tick, now=MONDAY_10)
    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads[:3])
    waiting = Enrollment.objects.filter(sequence=sequence, current_step=0, state=State.ACTIVE)
    assert set(waiting.values_list("lead_id", flat=True)) == {lead.pk for lead in leads[3:]}

    send(sequences_tick, now=TUESDAY_10)  # the cap refilled: the two that waited get step 1 first
    assert sorted(m.to for m in fake_sendgrid.messages[3:5]) == sorted(lead.email for lead in leads[3:])


def test_a_lead_stopped_before_its_batch_is_written_is_not_sent(user, fake_sendgrid, send, settings, monkeypatch):
    settings.SEQUENCE_TICK_BATCH = 2
    leads = leads_of(user, 4)
    sender = mailbox(user, 1)
    sequence = started(user, leads, mailboxes=[sender])
    order = list(
        Enrollment.objects.filter(sequence=sequence).order_by("next_send_at", "id").values_list("lead_id", flat=True)
    )
    last = order[-1]  # in the second batch
    real_next_windows = services._next_windows

    def replied_meanwhile(*args):  # while the first batch is written, the last lead is stopped
        Enrollment.objects.filter(sequence=sequence, lead_id=last).update(state=State.STOPPED, stop_reason="replied")
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", replied_meanwhile)
    send(sequences_tick, now=MONDAY_10)

    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads if lead.pk != last)
    assert not CampaignLeadResult.objects.filter(lead_id=last).exists()
    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.ACTIVE
    # Its batch re-read it as stopped, so it was not counted as due: it took none of the mailbox's
    # sends (the write's own state guard alone would drop it only after its send was reserved).
    assert mailbox_usage(sender, now=MONDAY_10).day == 3


def test_a_reply_during_the_tick_stops_its_lead_before_its_batch_is_written(
    user, fake_sendgrid, send, settings, monkeypatch
):
    settings.SEQUENCE_TICK_BATCH = 2
    leads = leads_of(user, 4)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)  # step 0 to all four
    order = list(
        Enrollment.objects.filter(sequence=sequence).order_by("next_send_at", "id").values_list("lead_id", flat=True)
    )
    last = order[-1]  # in the second batch of Tuesday's tick
    first_step = CampaignLeadResult.objects.get(lead_id=last)
    real_next_windows = services._next_windows
    replied = []

    def reply_meanwhile(*args):  # while the first batch is written, the last lead answers step 0
        if not replied:
            replied.append(True)
            inbound(first_step, subject="Re: 제안", text="관심 있습니다. 전화 주세요.")
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", reply_meanwhile)
    send(sequences_tick, now=TUESDAY_10)

    assert replied
    stopped = Enrollment.objects.get(sequence=sequence, lead_id=last)
    assert (stopped.state, stopped.stop_reason, stopped.current_step) == (State.STOPPED, "replied", 1)
    assert CampaignLeadResult.objects.filter(lead_id=last).count() == 1  # no step 1 for it
    assert sorted(m.to for m in fake_sendgrid.messages[4:]) == sorted(lead.email for lead in leads if lead.pk != last)


def test_a_pause_during_the_tick_stops_the_batches_after_it(user, fake_sendgrid, send, settings, monkeypatch):
    settings.SEQUENCE_TICK_BATCH = 2
    leads = leads_of(user, 4)
    sequence = started(user, leads)
    real_next_windows = services._next_windows
    paused = []

    def paused_meanwhile(*args):  # while the first batch is written, the user pauses the sequence
        if not paused:
            paused.append(sequence_pause(sequence=Sequence.objects.get(pk=sequence.pk)))
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", paused_meanwhile)
    send(sequences_tick, now=MONDAY_10)

    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.PAUSED
    steps = sorted(Enrollment.objects.filter(sequence=sequence).values_list("current_step", flat=True))
    # Not even the batch the pause landed in (until 2026-12-06 it still wrote its two rows).
    assert steps == [0, 0, 0, 0]
    assert not CampaignLeadResult.objects.filter(lead__in=leads).exists()
    assert fake_sendgrid.messages == []


def test_a_pause_landing_in_a_batch_gives_its_mailbox_sends_back(user, fake_sendgrid, send, settings, monkeypatch):
    settings.SEQUENCE_TICK_BATCH = 2
    leads = leads_of(user, 4)
    sender = mailbox(user, 1)
    sequence = started(user, leads, mailboxes=[sender])
    real_next_windows = services._next_windows

    def paused_meanwhile(*args):  # the sends of the batch are reserved by now
        if Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.ACTIVE:
            sequence_pause(sequence=Sequence.objects.get(pk=sequence.pk))
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", paused_meanwhile)
    send(sequences_tick, now=MONDAY_10)

    assert mailbox_usage(sender, now=MONDAY_10).day == 0


def test_the_sequences_take_their_batches_in_turn(user, fake_sendgrid, send, settings, monkeypatch):
    settings.SEQUENCE_TICK_BATCH = 2
    big = started(user, leads_of(user, 4))
    small_leads = Lead.objects.bulk_create(
        Lead(user=user, name=f"작은 {n}", email=f"small{n}@example.co.kr") for n in range(2)
    )
    small = started(user, small_leads)
    real_next_windows = services._next_windows
    written = []

    def which_sequence(cursor, steps, *args):
        written.append(steps[0].sequence_id)
        return real_next_windows(cursor, steps, *args)

    monkeypatch.setattr(services, "_next_windows", which_sequence)
    send(sequences_tick, now=MONDAY_10)

    # One batch of each in turn: the small sequence does not wait for all of the big one's.
    assert written == [big.pk, small.pk, big.pk]
    assert len(fake_sendgrid.messages) == 6


def test_a_tick_that_finds_another_running_returns_at_once(user, fake_sendgrid, send, caplog):
    leads = leads_of(user, 2)
    started(user, leads)
    other = connections.create_connection("default")  # another worker's tick, on its own session
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtextextended('sequences-tick', 0))")
            cursor.execute("SELECT pg_backend_pid()")
            other_pid = cursor.fetchone()[0]
        with caplog.at_level(logging.INFO, logger="apps.sequences.services"):
            assert send(sequences_tick, now=MONDAY_10)["sequences"] == 0
        assert "another tick is running" in caplog.text
        assert not fake_sendgrid.messages
        assert not CampaignLeadResult.objects.filter(lead__in=leads).exists()
    finally:
        other.close()  # its session's lock goes with it

    # once its server process has ended: closing returns before that (under load the next tick still found
    # the lock held)
    def released():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = %s)", [other_pid]
            )
            return cursor.fetchone()[0]

    wait_for(released, what="the other session's tick lock to be released")
    assert send(sequences_tick, now=MONDAY_10)["scheduled"] == 2
    assert len(fake_sendgrid.messages) == 2


# -- a tick that does not reach a batch still checks its leads (2026-12-06 review) -------------------------
# The tick's opening stop check leaves the enrolments due now to their batches; a batch not written (the
# sequence paused, or a batch raised) must not leave a lead who replied active, with its pending step row
# still sendable.

WEDNESDAY_10 = TUESDAY_10 + datetime.timedelta(days=1)
THREE_STEPS = [(0, False, [("A", 100)]), (1, True, [("A", 100)]), (1, True, [("A", 100)])]


def _last_of(sequence):  # in the second batch (SEQUENCE_TICK_BATCH = 2)
    return (
        Enrollment.objects.filter(sequence=sequence).order_by("next_send_at", "id").values_list("lead_id", flat=True)
    )[3]


def test_a_batch_that_raises_still_leaves_the_later_batches_leads_checked(
    user, fake_sendgrid, send, settings, monkeypatch
):
    settings.SEQUENCE_TICK_BATCH = 2
    leads = leads_of(user, 4)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)  # step 0 to all four
    last = _last_of(sequence)
    with time_machine.travel(MONDAY_10 + datetime.timedelta(hours=1), tick=False):
        inbound(CampaignLeadResult.objects.get(lead_id=last), subject="Re: 제안", text="관심 있습니다.")

    def deadlocked(*args):
        raise RuntimeError("deadlock detected")

    monkeypatch.setattr(services, "_schedule_batch", deadlocked)
    with pytest.raises(RuntimeError, match="deadlock"):
        sequences_tick(now=TUESDAY_10)

    stopped = Enrollment.objects.get(sequence=sequence, lead_id=last)
    assert (stopped.state, stopped.stop_reason) == (State.STOPPED, "replied")


def _replied_with_a_pending_row(user, sender, send):
    """Four leads of a three-step sequence: step 0 sent Monday, step 1 written Tuesday but not yet sent (its
    chunk not run), then the last lead answers step 0: due again Wednesday, its step 1 row still pending."""
    leads = leads_of(user, 4)
    sequence = sequence_with(user, leads, steps=THREE_STEPS, mailboxes=[sender], sender_name="세일즈원")
    sequence = sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))
    send(sequences_tick, now=MONDAY_10)
    with time_machine.travel(TUESDAY_10, tick=False):
        assert sequences_tick(now=TUESDAY_10)["scheduled"] == 4  # not dispatched: pending
    last = _last_of(sequence)
    with time_machine.travel(TUESDAY_10 + datetime.timedelta(hours=1), tick=False):
        step_0 = CampaignLeadResult.objects.get(lead_id=last, campaign__sequence_variant__step__order=0)
        inbound(step_0, subject="Re: 제안", text="관심 있습니다. 전화 주세요.")
    return sequence, last


def _assert_stopped_and_cancelled(sequence, last):
    stopped = Enrollment.objects.get(sequence=sequence, lead_id=last)
    assert (stopped.state, stopped.stop_reason) == (State.STOPPED, "replied")
    pending = CampaignLeadResult.objects.get(lead_id=last, campaign__sequence_variant__step__order=1)
    assert pending.status == CampaignLeadResult.Status.FAILED
    assert "stopped for this lead (replied)" in pending.error_message


def test_a_sequence_paused_before_its_batches_still_stops_a_due_lead_who_replied(user, fake_sendgrid, send, settings):
    settings.SEQUENCE_TICK_BATCH = 2
    sender = mailbox(user, 1)
    sequence, last = _replied_with_a_pending_row(user, sender, send)
    Mailbox.objects.filter(pk=sender.pk).update(is_active=False)  # the tick pauses it: no active mailbox

    with time_machine.travel(WEDNESDAY_10, tick=False):
        sequences_tick(now=WEDNESDAY_10)

    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.PAUSED
    _assert_stopped_and_cancelled(sequence, last)


def test_a_sequence_paused_between_batches_still_stops_a_due_lead_who_replied(
    user, fake_sendgrid, send, settings, monkeypatch
):
    settings.SEQUENCE_TICK_BATCH = 2
    sequence, last = _replied_with_a_pending_row(user, mailbox(user, 1), send)
    real_schedule_batch = services._schedule_batch

    def paused_after(*args):  # the first batch written, the user pauses the sequence
        written = real_schedule_batch(*args)
        if Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.ACTIVE:
            sequence_pause(sequence=Sequence.objects.get(pk=sequence.pk))
        return written

    monkeypatch.setattr(services, "_schedule_batch", paused_after)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        sequences_tick(now=WEDNESDAY_10)

    assert Enrollment.objects.filter(sequence=sequence, current_step=3).count() == 2  # the first batch
    _assert_stopped_and_cancelled(sequence, last)


def test_a_tick_that_fails_before_its_batches_still_stops_a_due_lead_who_replied(
    user, fake_sendgrid, send, settings, monkeypatch
):
    sequence, last = _replied_with_a_pending_row(user, mailbox(user, 1), send)

    def failed(**kwargs):  # after the opening stop check, which left the due enrolments to their batches
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(services, "steps_pick_winners", failed)
    with time_machine.travel(WEDNESDAY_10, tick=False), pytest.raises(RuntimeError, match="timeout"):
        sequences_tick(now=WEDNESDAY_10)

    _assert_stopped_and_cancelled(sequence, last)
