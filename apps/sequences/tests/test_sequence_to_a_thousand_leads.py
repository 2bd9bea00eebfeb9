"""The issue's "done when": 3 steps to 1,000 leads with replies (through the inbound parse), bounces and
out-of-office answers, on an advancing clock. Every lead ends in the right state, every message goes
out once, inside the window, on business days, and under every mailbox's caps."""

import datetime
import zoneinfo
from collections import Counter, defaultdict

import holidays
import pytest
import time_machine

from apps.campaigns.models import CampaignLeadResult
from apps.leads.models import Lead
from apps.sequences.calendar import SendingCalendar
from apps.sequences.models import Enrollment, Sequence
from apps.sequences.services import sequence_start, sequences_tick

from .factories import bounce, inbound, mailbox, sequence_with

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
KR_HOLIDAYS = holidays.country_holidays("KR", years=2026)
State, Reason = Enrollment.State, Enrollment.StopReason


def rolling_max(times: list[datetime.datetime], width: datetime.timedelta) -> int:
    times, best, start = sorted(times), 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - width:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_three_steps_to_a_thousand_leads(user, fake_sendgrid, send, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 100
    settings.SEQUENCE_OOO_RESUME = True
    leads = Lead.objects.bulk_create(
        Lead(user=user, name=f"주식회사 리드{n:04d}", owner="대표", email=f"ceo{n:04d}@lead{n:04d}.co.kr")
        for n in range(1000)
    )
    # A warming-up mailbox beside nine warmed-up ones: its own ramp holds too.
    pool = [mailbox(user, n, daily_cap=100, hourly_cap=25) for n in range(9)]
    pool.append(
        mailbox(
            user,
            9,
            daily_cap=100,
            hourly_cap=25,
            warmup_start=20,
            warmup_step=10,
            warmup_started_on=datetime.date(2026, 12, 7),
        )
    )
    repliers, bouncers = leads[:100], leads[100:150]
    away_with_date, away_without_date = leads[150:200], leads[200:220]
    answered = False

    clock = datetime.datetime(2026, 12, 7, 7, 0, tzinfo=SEOUL)  # a Monday, before the window opens
    with time_machine.travel(clock, tick=False) as traveller:
        # Made on the travelled clock: consent recorded at the real time would postdate the first ticks
        # once the real date passed the test's (every lead stopped "no_consent" from 2026-12-07 00:00 UTC).
        sequence = sequence_with(
            user,
            leads,
            steps=[(0, False, [("A", 50), ("B", 50)]), (2, True, [("A", 100)]), (1, True, [("A", 100)])],
            mailboxes=pool,
            sender_name="(주)세일즈원",
            sender_contact="02-1234-5678",
        )
        calendar = SendingCalendar.of(sequence)
        send(sequence_start, sequence=sequence)
        while clock < datetime.datetime(2027, 1, 8, tzinfo=SEOUL):
            traveller.move_to(clock)
            send(sequences_tick, now=clock)
            first = (
                {}
                if answered
                else {
                    r.lead_id: r for r in CampaignLeadResult.objects.filter(campaign__sequence_variant__step__order=0)
                }
            )
            if not answered and len(first) == 1000 and clock.hour >= 17:
                # The day the first step reached everyone: answers come in.
                for lead in repliers:
                    inbound(first[lead.pk], subject="Re: 제안 관련", text="관심 있습니다. 통화 가능하실까요?")
                for lead in bouncers:
                    bounce(first[lead.pk])
                for lead in away_with_date:
                    inbound(
                        first[lead.pk],
                        subject="부재중 자동 회신",
                        text="12월 28일까지 휴가입니다. 복귀 후 연락드리겠습니다.",
                        extra="Auto-Submitted: auto-replied\n",
                    )
                for lead in away_without_date:
                    inbound(first[lead.pk], subject="Automatic reply: Out of Office", text="I am away.")
                answered = True
            if Sequence.objects.get(pk=sequence.pk).status == Sequence.Status.COMPLETED:
                break
            # Every 20 minutes in the window; outside it the next tick is when it opens again.
            clock = calendar.next_open(clock + datetime.timedelta(minutes=20))

    sequence.refresh_from_db()
    assert sequence.status == Sequence.Status.COMPLETED
    states = {e.lead_id: (e.state, e.stop_reason) for e in Enrollment.objects.filter(sequence=sequence)}
    assert all(states[lead.pk] == (State.STOPPED, Reason.REPLIED) for lead in repliers)
    assert all(states[lead.pk] == (State.STOPPED, Reason.BOUNCED) for lead in bouncers)
    assert all(states[lead.pk] == (State.STOPPED, Reason.OUT_OF_OFFICE) for lead in away_without_date)
    assert all(states[lead.pk] == (State.COMPLETED, "") for lead in away_with_date + leads[220:])

    # Every message once: one provider message per sequence send, none twice, each step once per lead.
    # A step sent to a lead is a result row of one of the step's variant campaigns.
    sends = CampaignLeadResult.objects.filter(campaign__sequence_variant__step__sequence=sequence)
    per_lead_step = Counter(sends.values_list("lead_id", "campaign__sequence_variant__step__order"))
    assert set(per_lead_step.values()) == {1}
    steps_of = Counter(lead_id for lead_id, _ in per_lead_step)
    assert all(steps_of[lead.pk] == 1 for lead in repliers + bouncers + away_without_date)
    assert all(steps_of[lead.pk] == 3 for lead in away_with_date + leads[220:])
    result_ids = [m.custom_args["result_id"] for m in fake_sendgrid.messages]
    assert len(result_ids) == len(set(result_ids)) == sends.count() == 100 + 50 + 20 + 3 * 830

    # The out-of-office leads were not written to before their stated return date had passed.
    returned = datetime.datetime(2026, 12, 29, 9, 0, tzinfo=SEOUL)
    for send_row in sends.filter(lead__in=away_with_date, campaign__sequence_variant__step__order=1):
        assert send_row.sent_at >= returned

    # Inside the window, on business days, under each mailbox's rolling caps.
    by_mailbox = defaultdict(list)
    for row in CampaignLeadResult.objects.filter(campaign__sequence_variant__isnull=False):
        assert row.status in ("sent", "replied", "bounced"), row.error_message
        local = row.sent_at.astimezone(SEOUL)
        assert datetime.time(9) <= local.time() < datetime.time(18), local
        assert local.weekday() < 5 and local.date() not in KR_HOLIDAYS, local
        by_mailbox[row.mailbox_id].append(row.sent_at)
    assert set(by_mailbox) == {m.pk for m in pool}
    for box in pool:
        assert rolling_max(by_mailbox[box.pk], datetime.timedelta(hours=1)) <= box.hourly_cap
        assert rolling_max(by_mailbox[box.pk], datetime.timedelta(days=1)) <= box.daily_cap
    warming = sorted(by_mailbox[pool[9].pk])
    per_day = Counter(t.astimezone(SEOUL).date() for t in warming)
    assert per_day[datetime.date(2026, 12, 7)] == 20  # the first day of its warm-up
    assert per_day[datetime.date(2026, 12, 8)] <= 30

    # Follow-ups thread on the first message; every step carries (광고) and the opt-out.
    message_ids = {m.custom_args["result_id"]: m.headers.get("Message-ID") for m in fake_sendgrid.messages}
    first_of = {s.lead_id: str(s.pk) for s in sends.filter(campaign__sequence_variant__step__order=0)}
    for message in fake_sendgrid.messages:
        assert message.subject.startswith("(광고) ")
        assert "수신거부" in message.html
    for s in sends.filter(campaign__sequence_variant__step__order__gt=0)[:50]:
        sent = next(m for m in fake_sendgrid.messages if m.custom_args["result_id"] == str(s.pk))
        assert sent.headers["In-Reply-To"] == message_ids[first_of[s.lead_id]]
        assert sent.subject.startswith("(광고) Re: ")
