"""What stops a lead's sequence besides answers: it becomes a client or wins an opportunity, its address
is suppressed, it is removed by hand; what a pause holds; and the A/B "pick the winner" rule."""

import datetime
import hashlib
import importlib
import zoneinfo

import pytest
from django.db import connection

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import CampaignLeadResult
from apps.clients.models import Client
from apps.leads.models import Lead
from apps.mail.models import SuppressedAddress
from apps.opportunities.models import Opportunity
from apps.sequences.models import Enrollment, Sequence
from apps.sequences.services import (
    enrollments_stop,
    enrollments_stop_on_events,
    sequence_pause,
    sequence_resume,
    sequence_start,
    sequences_tick,
)
from apps.tracking.models import InboundMessage

from .factories import bounce, inbound, sequence_with

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
MONDAY_10 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SEOUL)
State, Reason = Enrollment.State, Enrollment.StopReason


def leads_of(user, count):
    return Lead.objects.bulk_create(
        Lead(user=user, name=f"리드 {n}", email=f"lead{n}@example.co.kr", business_number=f"12345678{n:02d}")
        for n in range(count)
    )


def started(user, leads, steps=((0, False, [("A", 100)]), (1, False, [("A", 100)]))):
    sequence = sequence_with(user, leads, steps=list(steps), sender_name="세일즈원", sender_contact="02-1234-5678")
    return sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))


def state_of(sequence, lead):
    enrollment = Enrollment.objects.get(sequence=sequence, lead=lead)
    return enrollment.state, enrollment.stop_reason


def test_client_won_opportunity_suppression_and_manual_stop(user, fake_sendgrid, send, settings):
    leads = leads_of(user, 5)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)  # step 1 to all five
    assert len(fake_sendgrid.messages) == 5

    Client.objects.create(user=user, name="새 고객", business_number="123-45-67800")
    Opportunity.objects.create(user=user, name="계약", lead=leads[1], status=Opportunity.Status.WON)
    SuppressedAddress.objects.create(email=leads[2].email, reason=SuppressedAddress.Reason.UNSUBSCRIBED)
    enrollments_stop(sequence=sequence, lead_ids=[leads[3].pk])
    send(sequences_tick, now=MONDAY_10 + datetime.timedelta(days=1))  # step 2 is due on Tuesday

    assert state_of(sequence, leads[0]) == (State.STOPPED, Reason.CLIENT)
    assert state_of(sequence, leads[1]) == (State.STOPPED, Reason.OPPORTUNITY_WON)
    assert state_of(sequence, leads[2]) == (State.STOPPED, Reason.UNSUBSCRIBED)
    assert state_of(sequence, leads[3]) == (State.STOPPED, Reason.MANUAL)
    assert state_of(sequence, leads[4]) == (State.COMPLETED, "")
    assert [m.to for m in fake_sendgrid.messages[5:]] == [leads[4].email]
    send(sequences_tick, now=MONDAY_10 + datetime.timedelta(days=1, minutes=1))  # its last step went out
    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.COMPLETED


def test_no_stop_on_client_when_the_setting_is_off(user, fake_sendgrid, send, settings):
    settings.SEQUENCE_STOP_ON_CLIENT = False
    leads = leads_of(user, 1)
    sequence = started(user, leads)
    Opportunity.objects.create(user=user, name="계약", lead=leads[0], status=Opportunity.Status.WON)
    send(sequences_tick, now=MONDAY_10)
    send(sequences_tick, now=MONDAY_10 + datetime.timedelta(days=1))
    assert state_of(sequence, leads[0]) == (State.COMPLETED, "")


def test_a_paused_sequence_schedules_nothing_until_resumed(user, fake_sendgrid, send):
    leads = leads_of(user, 3)
    sequence = started(user, leads)
    sequence = sequence_pause(sequence=sequence)
    send(sequences_tick, now=MONDAY_10)
    assert not fake_sendgrid.messages
    send(sequence_resume, sequence=sequence)
    send(sequences_tick, now=MONDAY_10 + datetime.timedelta(minutes=1))
    assert sorted(m.to for m in fake_sendgrid.messages) == sorted(lead.email for lead in leads)


def test_nothing_is_sent_outside_the_window(user, fake_sendgrid, send):
    leads = leads_of(user, 2)
    started(user, leads)
    send(sequences_tick, now=MONDAY_10.replace(hour=18, minute=30))
    send(sequences_tick, now=datetime.datetime(2026, 12, 12, 11, 0, tzinfo=SEOUL))  # Saturday
    send(sequences_tick, now=datetime.datetime(2026, 12, 25, 11, 0, tzinfo=SEOUL))  # 기독탄신일
    assert not fake_sendgrid.messages
    assert not CampaignLeadResult.objects.exists()


def test_the_winner_takes_the_later_sends(user, fake_sendgrid, send):
    leads = leads_of(user, 40)
    sequence = started(user, leads, steps=[(0, False, [("A", 50), ("B", 50)])])
    step = sequence.steps.get()
    step.winner_after = 5
    step.save()
    enrollments = Enrollment.objects.filter(sequence=sequence)
    # Monday: five leads of each variant's bucket (the scheduler's hash of step and lead: A below 50), so
    # each variant reaches winner_after. Taking the first 20 by id instead left A or B under five about
    # once in 80 runs (the ids are random), and no winner was picked (CI, 2026-12-07).
    by_variant = {"A": [], "B": []}
    for lead_id in enrollments.order_by("id").values_list("lead_id", flat=True):
        digest = hashlib.sha256(f"{step.pk}:{lead_id}".encode()).hexdigest()
        by_variant["A" if int(digest[:8], 16) % 100 < 50 else "B"].append(lead_id)
    assert len(by_variant["A"]) >= 5 and len(by_variant["B"]) >= 5, by_variant
    monday = by_variant["A"][:5] + by_variant["B"][:5]
    later = list(enrollments.exclude(lead_id__in=monday).values_list("id", flat=True))
    enrollments.filter(id__in=later).update(next_send_at=MONDAY_10 + datetime.timedelta(days=1))
    send(sequences_tick, now=MONDAY_10)  # the ten, five to each variant
    sent_b = CampaignLeadResult.objects.filter(campaign__sequence_variant__name="B")
    sent_a = CampaignLeadResult.objects.filter(campaign__sequence_variant__name="A")
    assert set(sent_a.values_list("lead_id", flat=True)) == set(by_variant["A"][:5])
    assert set(sent_b.values_list("lead_id", flat=True)) == set(by_variant["B"][:5])
    sent_b.update(replied_at=MONDAY_10, status="replied")  # B is answered, A is not

    send(sequences_tick, now=MONDAY_10 + datetime.timedelta(days=1))
    step.refresh_from_db()
    assert step.winner.name == "B"
    later_leads = enrollments.filter(id__in=later).values("lead_id")
    later_variants = CampaignLeadResult.objects.filter(lead__in=later_leads).values_list(
        "campaign__sequence_variant__name", flat=True
    )
    assert set(later_variants) == {"B"}


def test_steps_leave_out_unconsented_addresses_and_closed_companies_like_campaigns(user, fake_sendgrid, send):
    consented = leads_of(user, 3)
    unconsented = Lead.objects.create(user=user, name="동의 없음", email="noconsent@example.co.kr")
    sequence = sequence_with(user, consented, steps=[(0, False, [("A", 100)]), (1, False, [("A", 100)])])
    lead_list = sequence.leadlists.get()
    lead_list.lead_ids.append(unconsented.pk)
    lead_list.save()
    # Lists are read at the start; the lead without consent is enrolled like the others.
    sequence = sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))
    Lead.objects.filter(pk=consented[2].pk).update(business_status=Lead.BusinessStatus.CLOSED)

    send(sequences_tick, now=MONDAY_10)

    sent_to = {message.to for message in fake_sendgrid.messages}
    assert sent_to == {consented[0].email, consented[1].email}
    assert state_of(sequence, unconsented) == (State.STOPPED, Reason.NO_CONSENT)
    assert state_of(sequence, consented[2]) == (State.STOPPED, Reason.BUSINESS_INACTIVE)


def test_a_non_advertising_sequence_needs_no_consent(user, fake_sendgrid, send):
    leads = leads_of(user, 2)
    sequence = sequence_with(user, leads, steps=[(0, False, [("A", 100)])], consent=False, is_advertising=False)
    sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))

    send(sequences_tick, now=MONDAY_10)

    assert {message.to for message in fake_sendgrid.messages} == {lead.email for lead in leads}


def waiting_last_step(user, fake_sendgrid, send):
    """Three leads, two steps: step 1 goes to the two in Seoul on Monday; on Tuesday their step 2 is written
    (both enrolments completed) but waits unsent. The third lead, in New York, is outside its window on both
    days, so the sequence stays active."""
    leads = leads_of(user, 3)
    Lead.objects.filter(pk=leads[2].pk).update(timezone="America/New_York")
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)
    assert sorted(m.to for m in fake_sendgrid.messages) == [leads[0].email, leads[1].email]
    sequences_tick(now=TUESDAY_10)  # the rows are written, their chunks never dispatched
    assert state_of(sequence, leads[0]) == state_of(sequence, leads[1]) == (State.COMPLETED, "")
    step_2 = CampaignLeadResult.objects.filter(campaign__sequence_variant__step__order=1)
    assert sorted(step_2.filter(status="pending").values_list("email", flat=True)) == [leads[0].email, leads[1].email]
    first_steps = CampaignLeadResult.objects.filter(campaign__sequence_variant__step__order=0)
    return sequence, leads, {r.lead_id: r for r in first_steps}, step_2


TUESDAY_10 = MONDAY_10 + datetime.timedelta(days=1)


def test_an_answer_before_the_last_step_goes_out_cancels_it(user, fake_sendgrid, send):
    sequence, leads, first, step_2 = waiting_last_step(user, fake_sendgrid, send)
    inbound(first[leads[0].pk], subject="Re: 문의", text="연락 주셔서 감사합니다. 통화 가능할까요?")

    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(minutes=1))

    assert state_of(sequence, leads[0]) == (State.STOPPED, Reason.REPLIED)
    cancelled = step_2.get(lead=leads[0])
    assert cancelled.status == "failed" and "replied" in cancelled.error_message
    assert step_2.get(lead=leads[1]).status == "pending"
    send(sequence_pause, sequence=sequence)
    send(sequence_resume, sequence=sequence, now=TUESDAY_10 + datetime.timedelta(minutes=2))
    assert [m.to for m in fake_sendgrid.messages[2:]] == [leads[1].email]


def test_answers_and_bounces_while_paused_stop_their_leads_before_the_resume_sends(user, fake_sendgrid, send):
    sequence, leads, first, step_2 = waiting_last_step(user, fake_sendgrid, send)
    send(sequence_pause, sequence=sequence)
    inbound(first[leads[0].pk], subject="Re: 문의", text="관심 없습니다.")
    bounce(first[leads[1].pk])

    send(sequence_resume, sequence=sequence, now=TUESDAY_10 + datetime.timedelta(hours=1))

    assert state_of(sequence, leads[0]) == (State.STOPPED, Reason.REPLIED)
    assert state_of(sequence, leads[1]) == (State.STOPPED, Reason.BOUNCED)
    assert set(step_2.values_list("status", flat=True)) == {"failed"}
    assert len(fake_sendgrid.messages) == 2  # step 1 only


def test_a_lead_stopped_while_its_step_was_in_flight_does_not_keep_the_sequence_from_completing(
    user, fake_sendgrid, send
):
    """A lead stopped while a worker held its step row ('sending'): the stop's cancel leaves that row alone,
    and the provider then refuses the request for now (a 429: the row is released back to pending). The
    claim never takes a stopped lead's row, so it would wait forever — and since the sequence completes
    only once no step row waits, the sequence would stay active forever too."""
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    sequences_tick(now=MONDAY_10)  # step 1 written for both, its chunk not yet sent
    in_flight = CampaignLeadResult.objects.filter(lead=leads[0])
    assert in_flight.update(status="sending", claimed_at=MONDAY_10) == 1  # a worker claims it (CLAIM)
    enrollments_stop(sequence=sequence, lead_ids=[leads[0].pk], now=MONDAY_10 + datetime.timedelta(seconds=1))
    assert in_flight.get().status == "sending"  # the cancel takes only pending rows
    in_flight.update(status="pending", claimed_at=None)  # the provider said 429: the worker releases it (RELEASE)

    send(sequence_pause, sequence=sequence)
    send(sequence_resume, sequence=sequence, now=MONDAY_10 + datetime.timedelta(minutes=1))  # step 1 goes out
    send(sequences_tick, now=TUESDAY_10)  # step 2, the last, to the other lead
    assert sorted(m.to for m in fake_sendgrid.messages) == [leads[1].email, leads[1].email]
    send(sequences_tick, now=TUESDAY_10 + datetime.timedelta(minutes=1))

    assert Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.COMPLETED
    cancelled = in_flight.get()
    assert cancelled.status == "failed" and "manual" in cancelled.error_message


def rows_read(*tables) -> int:
    """The rows this transaction has read from ``tables`` so far, by PostgreSQL's own count (sequential and
    index reads: pg_stat_xact_user_tables)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)"
            " FROM pg_stat_xact_user_tables WHERE relname = ANY(%s)",
            [list(tables)],
        )
        return cursor.fetchone()[0]


def analyse():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sequences_enrollment, campaigns_campaignleadresult, leads_lead, tracking_trackingevent")


@pytest.mark.parametrize("check", ["sequence", "batch"])
@pytest.mark.parametrize("statistics", ["fresh", "stale"])
def test_the_stop_check_reads_what_happened_and_its_leads_not_every_enrolment(
    user, fake_sendgrid, send, statistics, check
):
    """The tick's opening check runs every tick of a sequence's life, over every open enrolment: it finds
    the events first (a bounce, an unsubscribe, a reply: a few per hundred leads), the user's won
    opportunities and clients, then only their enrolments by key. Until 2026-12-07 it read every
    enrolment and probed its step rows, opportunities and the user's every client — 2,000 enrolments
    between their steps cost 2,000 enrolment reads and as many step-row probes a tick. Counted by
    PostgreSQL (rows read), with the planner's statistics fresh, and stale: taken when the sequence had its
    first three enrolments (autovacuum not yet past the 2,000 added since), where the first version of this
    check, joining the events to the enrolments plainly, read all 2,000 and compared each with every event.
    A batch's check (its ids, all 2,003 here) the same: its first version joined every id to every event
    before looking the enrolments up (2,000,000 look-ups for 200 replies and 10,000 ids)."""
    leads = leads_of(user, 3)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)  # step 1 to all three: each is between its steps now
    bounce(CampaignLeadResult.objects.get(lead=leads[0]))
    inbound(CampaignLeadResult.objects.get(lead=leads[1]), subject="Re: 제안", text="관심 있습니다.")
    Client.objects.create(user=user, name="고객", emails=["client@example.co.kr"], business_number="999-99-99999")
    if statistics == "stale":
        analyse()
    many = Lead.objects.bulk_create(Lead(user=user, name="리드", email=f"many{n}@example.co.kr") for n in range(2000))
    Enrollment.objects.bulk_create(  # enrolled, between their first and second step
        Enrollment(sequence=sequence, lead=lead, email=lead.email, current_step=1, next_send_at=TUESDAY_10)
        for lead in many
    )
    if statistics == "fresh":
        analyse()
    tables = (Enrollment._meta.db_table, CampaignLeadResult._meta.db_table, Lead._meta.db_table)
    ids = ",".join(str(pk) for pk in Enrollment.objects.filter(sequence=sequence).values_list("id", flat=True))
    only = {"sequence": None, "batch": ids}[check]
    before = rows_read(*tables)

    counts = enrollments_stop_on_events(sequence=sequence, now=MONDAY_10 + datetime.timedelta(hours=1), only=only)

    assert counts["replied"] == 1 and counts["stopped"] == 1
    assert state_of(sequence, leads[0]) == (State.STOPPED, Reason.BOUNCED)
    assert state_of(sequence, leads[1]) == (State.STOPPED, Reason.REPLIED)
    assert state_of(sequence, leads[2]) == (State.ACTIVE, "")
    assert rows_read(*tables) - before < 50  # the two leads' rows, not the 2,003 enrolments


def test_a_reply_staff_move_to_its_writers_step_row_stops_that_lead(user, fake_sendgrid, send, client):
    """A reply the parse matched to lead 0's row (a forwarded thread) is moved by staff, in the admin, to the row
    of lead 1, who wrote it: lead 1's sequence stops, and Tuesday's step 2 does not go to it (the review of
    2026-12-07: the move stored no reply event for the new row, which the stops now read)."""
    leads = leads_of(user, 2)
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)  # step 1 to both
    rows = {r.lead_id: r for r in CampaignLeadResult.objects.filter(lead__in=leads)}
    inbound(rows[leads[0].pk], subject="Re: 제안", text="(전달) 담당자가 따로 답장드립니다.")
    message = InboundMessage.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    moved = {"result": str(rows[leads[1].pk].id)}
    response = client.post(f"/admin/tracking/inboundmessage/{message.id}/change/", moved)
    assert response.status_code == 302, response.content.decode()[:2000]

    send(sequences_tick, now=TUESDAY_10)

    assert state_of(sequence, leads[1]) == (State.STOPPED, Reason.REPLIED)
    assert leads[1].email not in [m.to for m in fake_sendgrid.messages[2:]]


def test_leads_saved_with_a_dashed_business_number_stop_once_their_company_is_a_client(user, fake_sendgrid, send):
    """Leads whose numbers the admin once saved as typed (123-45-67890): the data migration stores one as its
    digits, as every write path does now, and leaves the other (another lead of the user has its digits: a
    duplicate, for the lead merge); a client of either company stops its sequence."""
    leads = leads_of(user, 2)
    Lead.objects.filter(pk=leads[0].pk).update(business_number="123-45-67890")
    Lead.objects.filter(pk=leads[1].pk).update(business_number="220-81-62517")
    Lead.objects.create(user=user, name="같은 회사 (중복)", business_number="2208162517")  # not enrolled
    sequence = started(user, leads)
    send(sequences_tick, now=MONDAY_10)
    with connection.cursor() as cursor:
        cursor.execute(importlib.import_module("apps.leads.migrations.0007_lead_business_number_digits").NORMALISE)
    assert Lead.objects.get(pk=leads[1].pk).business_number == "220-81-62517"  # left for the lead merge
    Client.objects.create(user=user, name="새 고객", business_number="123-45-67890")
    Client.objects.create(user=user, name="또 다른 고객", business_number="2208162517")

    enrollments_stop_on_events(sequence=sequence, now=MONDAY_10 + datetime.timedelta(hours=1))

    assert state_of(sequence, leads[0]) == (State.STOPPED, Reason.CLIENT)
    assert state_of(sequence, leads[1]) == (State.STOPPED, Reason.CLIENT)
