"""Issue 21's review: a step whose campaign failed pauses the sequence visibly (and resume sends its
waiting rows), a lead stopped while its step is being scheduled is not sent, a step already sent to an
enrolment is skipped without rolling the batch back, remove-leads waits for a scheduling pass that is
running, and every step of a lead goes from the mailbox of its first step."""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection, transaction

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_fail, campaign_pause, campaigns_reconcile
from apps.leads.models import Lead
from apps.mail.mailboxes import mailbox_reserve, mailbox_usage
from apps.sequences import services
from apps.sequences.models import Enrollment, Sequence
from apps.sequences.services import sequence_resume, sequence_start, sequences_tick
from testing.waiting import wait_for

from .factories import mailbox, sequence_with

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
MONDAY_10 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SEOUL)
TUESDAY_10 = MONDAY_10 + datetime.timedelta(days=1)
TWO_STEPS = [(0, False, [("A", 100)]), (1, True, [("A", 100)])]
State = Enrollment.State


def leads_of(user, count):
    return Lead.objects.bulk_create(
        Lead(user=user, name=f"리드 {n}", email=f"lead{n}@example.co.kr") for n in range(count)
    )


def started(user, leads, mailboxes=()):
    sequence = sequence_with(user, leads, steps=TWO_STEPS, mailboxes=mailboxes, sender_name="세일즈원")
    return sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))


def resumed_the_step_goes_out_and_the_sequence_completes(sequence, fake_sendgrid, send):
    """Resumed on Tuesday, the waiting step 2 goes to both leads; the next tick completes the sequence."""
    send(sequence_resume, sequence=Sequence.objects.get(pk=sequence.pk), now=TUESDAY_10 + datetime.timedelta(hours=1))
    assert len(fake_sendgrid.messages) == 4
    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(hours=1, minutes=1))
    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.COMPLETED


def test_a_failed_step_pauses_the_sequence_with_its_reason_and_resume_sends_it(
    user, auth_client, fake_sendgrid, send, settings
):
    leads = leads_of(user, 3)
    sequence = started(user, leads)
    settings.SENDGRID_API_KEY = "revoked-key"
    send(sequences_tick, now=MONDAY_10)  # step 1 written; SendGrid refuses the credentials
    step_one = Campaign.objects.get(sequence_variant__step__sequence=sequence, sequence_variant__step__order=0)
    assert step_one.status == Campaign.Status.FAILED
    assert not fake_sendgrid.messages

    settings.SENDGRID_API_KEY = fake_sendgrid.api_key  # the owner fixes the key
    send(sequences_tick, now=TUESDAY_10)  # step 2 is due: it must not go out before step 1

    assert not fake_sendgrid.messages
    shown = auth_client.get(f"/api/sequences/{sequence.pk}/").json()
    assert shown["status"] == "paused"
    assert shown["paused_reason"] == f"1단계(A)를 발송하지 못했습니다: {step_one.failure_reason}"  # the admin language
    assert not CampaignLeadResult.objects.filter(campaign__sequence_variant__step__order=1).exists()

    send(sequence_resume, sequence=Sequence.objects.get(pk=sequence.pk), now=TUESDAY_10)
    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads)
    assert auth_client.get(f"/api/sequences/{sequence.pk}/").json()["paused_reason"] == ""

    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(minutes=1))
    assert len(fake_sendgrid.messages) == 6
    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(minutes=2))  # completed once its last rows went out
    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.COMPLETED


def test_a_last_step_whose_campaign_fails_pauses_the_sequence_instead_of_completing_it(
    user, auth_client, fake_sendgrid, send, settings
):
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)
    settings.SENDGRID_API_KEY = "revoked-key"
    send(sequences_tick, now=TUESDAY_10)  # the last step written, every enrolment completed; SendGrid refuses it

    assert Enrollment.objects.filter(sequence=sequence, state=State.COMPLETED).count() == 2
    assert auth_client.get(f"/api/sequences/{sequence.pk}/").json()["status"] == "active"
    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(minutes=1))
    shown = auth_client.get(f"/api/sequences/{sequence.pk}/").json()
    assert shown["status"] == "paused" and shown["paused_reason"].startswith("2단계(A)를 발송하지 못했습니다")

    settings.SENDGRID_API_KEY = fake_sendgrid.api_key
    resumed_the_step_goes_out_and_the_sequence_completes(sequence, fake_sendgrid, send)


def test_a_last_step_whose_every_row_failed_to_render_is_not_completed_before_the_next_tick_pauses_it(
    user, auth_client, fake_sendgrid, send
):
    """A chunk whose every row fails to render for one reason fails its campaign, and its rows settle failed
    (to be retried on resume), not pending. The worker runs it as soon as the tick's batch commits, while the
    tick goes on with other sequences' batches; when it has settled before the tick's last loop, no row is
    pending or sending any more — the sequence must still not complete, and the next tick pauses it."""
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)
    sequences_tick(now=TUESDAY_10)  # the last step written, every enrolment completed; its chunk not yet run
    last = Campaign.objects.get(sequence_variant__step__sequence=sequence, sequence_variant__step__order=1)
    error = "Template error: 'company' is undefined"
    # What the chunk settles (email_sender._send_claimed: every row failed, retryable; report.fatal).
    assert last.results.update(status="failed", retryable=True, error_message=error) == 2
    campaign_fail(campaign_id=last.pk, reason=error)

    assert not services.sequence_complete_if_done(sequence=sequence, now=TUESDAY_10 + datetime.timedelta(seconds=5))
    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(minutes=1))
    shown = auth_client.get(f"/api/sequences/{sequence.pk}/").json()
    assert shown["status"] == "paused" and error in shown["paused_reason"]


def test_a_step_paused_by_sending_pauses_the_sequence_with_its_reason_and_resume_sends_it(
    user, auth_client, fake_sendgrid, send
):
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)
    sequences_tick(now=TUESDAY_10)  # step 2 written; its chunks not sent yet
    step_two = Campaign.objects.get(sequence_variant__step__sequence=sequence, sequence_variant__step__order=1)
    reason = "The complaint rate of mail from seller.co.kr reached 0.52% (the limit is 0.30%)."
    campaign_pause(campaign=step_two, reason=reason)  # as the deliverability check pauses advertising

    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(minutes=1))

    shown = auth_client.get(f"/api/sequences/{sequence.pk}/").json()
    assert shown["status"] == "paused"
    assert shown["paused_reason"] == f"2단계(A) 발송이 일시 중지되었습니다: {reason}"  # the admin language
    assert len(fake_sendgrid.messages) == 2
    resumed_the_step_goes_out_and_the_sequence_completes(sequence, fake_sendgrid, send)


def test_a_step_written_into_a_completed_campaign_is_sent_by_the_reconcile_job_when_the_tick_dies_after_commit(
    user, fake_sendgrid, send, settings
):
    leads = leads_of(user, 3)
    Lead.objects.filter(pk=leads[2].pk).update(timezone="America/New_York")
    sequence = sequence_with(user, leads, steps=[(0, False, [("A", 100)])], sender_name="세일즈원")
    sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))
    send(sequences_tick, now=MONDAY_10)  # the two in Seoul (New York is at Sunday 20:00)
    step = Campaign.objects.get(sequence_variant__step__sequence=sequence)
    assert step.status == Campaign.Status.COMPLETED

    new_york_10 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    # The New York lead's row commits; the process dies before the commit's callback dispatches it (in this
    # test's transaction, without send(), the callbacks never run).
    sequences_tick(now=new_york_10)
    assert CampaignLeadResult.objects.get(lead=leads[2]).status == CampaignLeadResult.Status.PENDING
    assert Campaign.objects.get(pk=step.pk).status == Campaign.Status.IN_PROGRESS

    quiet = datetime.timedelta(seconds=settings.CAMPAIGN_ORPHAN_SECONDS + settings.CAMPAIGN_RECONCILE_SECONDS)
    send(campaigns_reconcile, now=new_york_10 + quiet)

    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads)


def test_a_lead_stopped_while_its_step_is_scheduled_is_not_sent(user, fake_sendgrid, send, monkeypatch):
    leads = leads_of(user, 3)
    sequence = started(user, leads)
    real_next_windows = services._next_windows

    def out_of_office_meanwhile(*args):
        # What a stop committed between the due query and the writes did before the fix.
        Enrollment.objects.filter(sequence=sequence, lead=leads[0]).update(state=State.OUT_OF_OFFICE)
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", out_of_office_meanwhile)
    send(sequences_tick, now=MONDAY_10)

    assert sorted(m.to for m in fake_sendgrid.messages) == sorted([leads[1].email, leads[2].email])
    assert not CampaignLeadResult.objects.filter(lead=leads[0]).exists()


def test_a_step_already_sent_to_an_enrolment_is_skipped_without_rolling_back_the_batch(user, fake_sendgrid, send):
    leads = leads_of(user, 3)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)  # step 1 to all three
    # What the race left behind: step 1 sent to lead 0, whose enrolment did not move on.
    Enrollment.objects.filter(sequence=sequence, lead=leads[0]).update(current_step=0, next_send_at=MONDAY_10)

    send(sequences_tick, now=TUESDAY_10)

    assert sorted(m.to for m in fake_sendgrid.messages[3:]) == sorted([leads[1].email, leads[2].email])
    jammed = Enrollment.objects.get(sequence=sequence, lead=leads[0])
    assert (jammed.state, jammed.current_step) == (State.ACTIVE, 1)  # moved on, its step 2 due next
    assert CampaignLeadResult.objects.filter(lead=leads[0]).count() == 1  # step 1, once

    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(days=1))
    assert [m.to for m in fake_sendgrid.messages[5:]] == [leads[0].email]


def test_a_step_already_sent_takes_none_of_the_mailbox_sends(user, fake_sendgrid, send):
    leads = leads_of(user, 3)
    sender = mailbox(user, 1)
    sequence = started(user, leads, mailboxes=[sender])
    send(sequences_tick, now=MONDAY_10)  # step 1 to all three
    # What the race left behind: step 1 sent to lead 0, whose enrolment did not move on.
    Enrollment.objects.filter(sequence=sequence, lead=leads[0]).update(current_step=0, next_send_at=MONDAY_10)

    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(hours=2))

    assert len(fake_sendgrid.messages) == 5
    # The dropped row's send was reserved before the write dropped it: given back (until 2026-12-06 the
    # mailbox counted 3 sends for the 2 that went out).
    assert mailbox_usage(sender, now=TUESDAY_10 + datetime.timedelta(hours=2)).hour == 2


def test_every_step_of_a_lead_goes_from_its_first_mailbox_which_it_waits_for_when_capped(user, fake_sendgrid, send):
    leads = leads_of(user, 4)
    first, second = mailbox(user, 1, daily_cap=2), mailbox(user, 2, daily_cap=100)
    sequence = started(user, leads, mailboxes=[first, second])
    send(sequences_tick, now=MONDAY_10)
    sender_of = {m.to: m.from_email for m in fake_sendgrid.messages}
    assert sorted(sender_of.values()) == [first.email, first.email, second.email, second.email]

    mailbox_reserve(mailbox_id=first.pk, count=2, now=TUESDAY_10)  # its day's sends taken elsewhere
    send(sequences_tick, now=TUESDAY_10)
    tuesday = fake_sendgrid.messages[4:]
    assert {m.from_email for m in tuesday} == {second.email}
    assert sorted(m.to for m in tuesday) == sorted(to for to, sender in sender_of.items() if sender == second.email)

    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(days=1, minutes=1))  # the first's cap refilled
    assert {(m.to, m.from_email) for m in fake_sendgrid.messages[6:]} == {
        (to, sender) for to, sender in sender_of.items() if sender == first.email
    }
    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(days=1, minutes=2))
    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.COMPLETED


def in_thread(target):
    """Run ``target`` on its own database connection (another session, as a worker or a request)."""

    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def a_session_waits_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_remove_leads_waits_for_a_scheduling_pass_that_is_running(user):
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    pass_running, pass_done = threading.Event(), threading.Event()

    def scheduling_pass():  # holds the sequence's scheduler lock as a pass writing its batch does
        with transaction.atomic(), connection.cursor() as cursor:
            services._schedule_lock(cursor, sequence)
            pass_running.set()
            pass_done.wait(30)

    scheduler = in_thread(scheduling_pass)
    assert pass_running.wait(30)
    remover = in_thread(lambda: services.enrollments_stop(sequence=sequence, lead_ids=[leads[0].pk]))
    wait_for(a_session_waits_for_an_advisory_lock, what="remove-leads to wait for the scheduler's lock", timeout=30)
    assert Enrollment.objects.get(sequence=sequence, lead=leads[0]).state == State.ACTIVE

    pass_done.set()
    scheduler.join(30)
    remover.join(30)
    assert Enrollment.objects.get(sequence=sequence, lead=leads[0]).state == State.STOPPED
    assert Enrollment.objects.get(sequence=sequence, lead=leads[1]).state == State.ACTIVE


@pytest.mark.django_db(transaction=True)
def test_a_lead_stopped_by_another_session_while_its_batch_is_written_is_not_sent(user, monkeypatch):
    """The admin's enrolment form stops a lead without the scheduler's lock: between the batch's read and its
    write, from another session, it is not made to wait for the batch, and the lead gets no step row."""
    leads = leads_of(user, 3)
    sequence = started(user, leads)
    real_next_windows = services._next_windows
    stopped = []

    def stop_in_the_admin():
        with transaction.atomic(), connection.cursor() as cursor:
            # Were the batch's enrolments locked (FOR UPDATE, until 2026-12-06), this would wait for the batch
            # and then write the stop over a step already written: here it gives up instead.
            cursor.execute("SET LOCAL lock_timeout = '10s'")
            stopped.append(
                Enrollment.objects.filter(sequence=sequence, lead=leads[0]).update(
                    state=State.STOPPED, stop_reason=Enrollment.StopReason.MANUAL
                )
            )

    def stopped_meanwhile(*args):  # called inside the batch's transaction, after its due read
        in_thread(stop_in_the_admin).join(30)
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", stopped_meanwhile)
    with time_machine.travel(MONDAY_10, tick=False):
        report = services.sequence_schedule_due(sequence=sequence, now=MONDAY_10, dispatch=False)

    assert stopped == [1]
    assert report.scheduled == 2
    assert sorted(CampaignLeadResult.objects.values_list("lead_id", flat=True)) == sorted([leads[1].pk, leads[2].pk])
    lead_0 = Enrollment.objects.get(sequence=sequence, lead=leads[0])
    assert (lead_0.state, lead_0.current_step) == (State.STOPPED, 0)


@pytest.mark.django_db(transaction=True)
def test_a_stop_still_in_flight_when_the_batch_writes_is_honoured_and_its_send_given_back(user, monkeypatch):
    """The admin's form stops a lead (without the scheduler's lock) and commits only once the batch's write is
    waiting on that enrolment's row: PostgreSQL re-checks the write's own condition (still active) on the
    stopped row, so the lead gets no step row, and the send reserved for it goes back to its mailbox."""
    leads = leads_of(user, 3)
    sender = mailbox(user, 1)
    sequence = started(user, leads, mailboxes=[sender])
    real_next_windows = services._next_windows
    stop_made, failures, admins = threading.Event(), [], []

    def stop_in_the_admin(batch_backend):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                Enrollment.objects.filter(sequence=sequence, lead=leads[0]).update(
                    state=State.STOPPED, stop_reason=Enrollment.StopReason.MANUAL
                )
                stop_made.set()

                def the_write_waits_on_this_stop():
                    cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [batch_backend])
                    return cursor.fetchone()[0]

                wait_for(the_write_waits_on_this_stop, what="the batch's write to wait on the stopped row", timeout=30)
        except Exception as error:  # the test's thread reports it (an exception here would only be printed)
            failures.append(error)
        finally:
            stop_made.set()

    def stopping_meanwhile(*args):  # inside the batch's transaction: after its due read and reservations
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            batch_backend = cursor.fetchone()[0]
        admins.append(in_thread(lambda: stop_in_the_admin(batch_backend)))
        assert stop_made.wait(30)  # the stop written, not committed: the write below meets its row lock
        return real_next_windows(*args)

    monkeypatch.setattr(services, "_next_windows", stopping_meanwhile)
    with time_machine.travel(MONDAY_10, tick=False):
        report = services.sequence_schedule_due(sequence=sequence, now=MONDAY_10, dispatch=False)
    admins[0].join(30)

    assert failures == []
    assert report.scheduled == 2
    assert sorted(CampaignLeadResult.objects.values_list("lead_id", flat=True)) == sorted([leads[1].pk, leads[2].pk])
    lead_0 = Enrollment.objects.get(sequence=sequence, lead=leads[0])
    assert (lead_0.state, lead_0.current_step) == (State.STOPPED, 0)
    assert mailbox_usage(sender, now=MONDAY_10).day == 2  # three reserved, the stopped lead's given back
