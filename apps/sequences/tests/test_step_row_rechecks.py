"""Issue 21: a step row written for a lead waits in pending (the user's daily cap, a retry's backoff, the
chunk's turn) — the claim re-checks it: a lead stopped since (a reply, a bounce, by hand) is not e-mailed
and its row is cancelled; after the window closes the row waits for the next window, never goes out at
night. A failed step row is sent once more when the sequence is resumed after the fix."""

import datetime

import pytest
import time_machine

from apps.campaigns.email_sender import campaign_send_chunk
from apps.campaigns.models import CampaignLeadResult
from apps.sequences.models import Enrollment, Sequence
from apps.sequences.services import enrollments_stop, sequence_pause, sequence_resume, sequence_schedule_due

from .test_scheduler_faults import MONDAY_10, SEOUL, State, leads_of, started

pytestmark = pytest.mark.django_db
Row = CampaignLeadResult.Status


def send_pending(at):
    """The chunk tasks of every pending row, run at ``at`` (what the reconcile job re-dispatches)."""
    with time_machine.travel(at, tick=False):
        chunks = set(CampaignLeadResult.objects.filter(status=Row.PENDING).values_list("campaign_id", "chunk"))
        return sum(campaign_send_chunk(campaign_id=c, chunk=n).sent for c, n in chunks)


def test_a_lead_stopped_after_scheduling_is_not_sent_and_its_row_is_cancelled(user, fake_sendgrid):
    leads = leads_of(user, 3)
    sequence = started(user, leads)
    sequence_schedule_due(sequence=sequence, now=MONDAY_10, dispatch=False)  # three rows wait to be sent
    # A reply recorded after the rows were written (its tick has not run yet): the enrolment is stopped.
    Enrollment.objects.filter(sequence=sequence, lead=leads[0]).update(state=State.STOPPED, stop_reason="replied")

    assert send_pending(MONDAY_10) == 2
    assert sorted(m.to for m in fake_sendgrid.messages) == sorted([leads[1].email, leads[2].email])
    assert CampaignLeadResult.objects.get(lead=leads[0]).status == Row.PENDING  # left alone by the claim

    # The stop through the service (the tick's, remove-leads') cancels what is still waiting.
    Enrollment.objects.filter(sequence=sequence, lead=leads[0]).update(state=State.ACTIVE)
    enrollments_stop(sequence=sequence, lead_ids=[leads[0].pk], reason="replied", now=MONDAY_10)
    row = CampaignLeadResult.objects.get(lead=leads[0])
    assert (row.status, row.retryable) == (Row.FAILED, False)
    assert "stopped" in row.error_message and "replied" in row.error_message
    assert send_pending(MONDAY_10 + datetime.timedelta(hours=1)) == 0
    assert len(fake_sendgrid.messages) == 2


def test_a_row_still_waiting_when_the_window_closes_goes_out_in_the_next_window(user, fake_sendgrid):
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    late = datetime.datetime(2026, 12, 7, 17, 59, tzinfo=SEOUL)
    sequence_schedule_due(sequence=sequence, now=late, dispatch=False)
    assert CampaignLeadResult.objects.filter(status=Row.PENDING).count() == 2

    # The chunk's turn comes after 18:00 (the user's cap, a backoff) and again at midnight: nothing goes.
    assert send_pending(datetime.datetime(2026, 12, 7, 18, 5, tzinfo=SEOUL)) == 0
    assert send_pending(datetime.datetime(2026, 12, 8, 0, 0, tzinfo=SEOUL)) == 0
    assert not fake_sendgrid.messages
    assert CampaignLeadResult.objects.filter(status=Row.PENDING).count() == 2

    assert send_pending(datetime.datetime(2026, 12, 8, 9, 0, tzinfo=SEOUL)) == 2
    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads)


def test_a_failed_step_row_is_sent_once_more_on_resume(user, fake_sendgrid, send):
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    sequence_schedule_due(sequence=sequence, now=MONDAY_10, dispatch=False)
    failed = CampaignLeadResult.objects.filter(lead=leads[0])
    # What a per-row render error leaves (email_sender: failed, retryable); the user then fixes the step.
    failed.update(status=Row.FAILED, retryable=True, error_message="Template error: 'company' is undefined")
    assert send_pending(MONDAY_10) == 1

    sequence = sequence_pause(sequence=sequence)
    with time_machine.travel(MONDAY_10, tick=False):
        send(sequence_resume, sequence=sequence, now=MONDAY_10)
    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads)
    assert failed.get().status == Row.SENT

    # A second resume sends nothing again: the row went out.
    sequence = sequence_pause(sequence=Sequence.objects.get(pk=sequence.pk))
    with time_machine.travel(MONDAY_10, tick=False):
        send(sequence_resume, sequence=sequence, now=MONDAY_10)
    assert len(fake_sendgrid.messages) == 2
