"""Issue 21: a step goes out inside the window in the lead's time zone when it is known (leads carry an
IANA zone, checked by the API), else in the sequence's; the next step is due at the start of the window
in that zone. And a sequence whose every mailbox was deactivated pauses, saying why, rather than wait
forever or send from the default sender."""

import datetime
import zoneinfo

import pytest
import time_machine

from apps.campaigns.models import CampaignLeadResult
from apps.leads.models import Lead
from apps.sequences.models import Enrollment, Sequence
from apps.sequences.services import sequence_start, sequences_tick

from .factories import inbound, mailbox, sequence_with
from .test_scheduler_faults import SEOUL, TWO_STEPS

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


def test_the_api_takes_an_iana_zone_and_says_what_is_wrong(user, auth_client):
    lead = Lead.objects.create(user=user, name="Acme Ltd", email="ceo@acme.co.uk")
    url = f"/api/leads/{lead.pk}/"
    bad = auth_client.patch(url, {"timezone": "Mars/Olympus"}, format="json")
    assert bad.status_code == 400
    assert "IANA" in bad.json()["fields"]["timezone"][0]
    assert auth_client.patch(url, {"timezone": "Europe/London"}, format="json").json()["timezone"] == "Europe/London"
    assert auth_client.patch(url, {"timezone": None}, format="json").json()["timezone"] == ""


def test_each_lead_gets_its_steps_inside_the_window_of_its_own_zone(user, fake_sendgrid, send):
    seoul_lead = Lead.objects.create(user=user, name="서울 리드", email="kim@seoul.co.kr")
    london_lead = Lead.objects.create(user=user, name="London lead", email="jo@acme.co.uk", timezone="Europe/London")
    sequence = sequence_with(user, [seoul_lead, london_lead], steps=TWO_STEPS, sender_name="세일즈원")
    monday_10_seoul = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SEOUL)  # 01:00 in London
    sequence = sequence_start(sequence=sequence, now=monday_10_seoul - datetime.timedelta(hours=2))

    with time_machine.travel(monday_10_seoul, tick=False):
        send(sequences_tick, now=monday_10_seoul)
    assert [m.to for m in fake_sendgrid.messages] == [seoul_lead.email]

    monday_9_30_london = datetime.datetime(2026, 12, 7, 9, 30, tzinfo=LONDON)  # 18:30 in Seoul: closed there
    with time_machine.travel(monday_9_30_london, tick=False):
        send(sequences_tick, now=monday_9_30_london)
    assert [m.to for m in fake_sendgrid.messages] == [seoul_lead.email, london_lead.email]

    # Step 2 is due one business day later at 09:00 in each lead's zone.
    due = {e.lead_id: e.next_send_at for e in Enrollment.objects.filter(sequence=sequence)}
    assert due[seoul_lead.pk] == datetime.datetime(2026, 12, 8, 9, 0, tzinfo=SEOUL)
    assert due[london_lead.pk] == datetime.datetime(2026, 12, 8, 9, 0, tzinfo=LONDON)

    tuesday_9_05_seoul = datetime.datetime(2026, 12, 8, 9, 5, tzinfo=SEOUL)
    with time_machine.travel(tuesday_9_05_seoul, tick=False):
        send(sequences_tick, now=tuesday_9_05_seoul)
    assert len(fake_sendgrid.messages) == 3 and fake_sendgrid.messages[-1].to == seoul_lead.email
    for row in CampaignLeadResult.objects.all():
        zone = LONDON if row.lead_id == london_lead.pk else SEOUL
        assert datetime.time(9) <= row.sent_at.astimezone(zone).time() < datetime.time(18)


def test_an_out_of_office_return_date_is_read_in_the_leads_zone(user, fake_sendgrid, send):
    """ "Away until December 14" from Los Angeles: the next step goes out on the lead's next business
    day, the 15th at 09:00 in Los Angeles — not at 09:00 on the 15th in Seoul, which is 16:00 on the
    14th there, the day the lead said it was still away."""
    lead = Lead.objects.create(user=user, name="LA lead", email="sam@acme.com", timezone="America/Los_Angeles")
    sequence = sequence_with(user, [lead], steps=TWO_STEPS, sender_name="세일즈원")
    monday_10 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=LOS_ANGELES)
    sequence = sequence_start(sequence=sequence, now=monday_10 - datetime.timedelta(hours=2))
    with time_machine.travel(monday_10, tick=False):
        send(sequences_tick, now=monday_10)
    first = CampaignLeadResult.objects.get(lead=lead)
    assert first.status == CampaignLeadResult.Status.SENT

    monday_11 = monday_10 + datetime.timedelta(hours=1)
    with time_machine.travel(monday_11, tick=False):
        inbound(first, subject="Automatic reply: Out of Office", text="I am away until December 14.")
        send(sequences_tick, now=monday_11)
    enrollment = Enrollment.objects.get(sequence=sequence, lead=lead)
    assert enrollment.state == Enrollment.State.OUT_OF_OFFICE
    assert enrollment.next_send_at == datetime.datetime(2026, 12, 15, 9, 0, tzinfo=LOS_ANGELES)

    monday_14_16_30 = datetime.datetime(2026, 12, 14, 16, 30, tzinfo=LOS_ANGELES)  # Tuesday 09:30 in Seoul
    with time_machine.travel(monday_14_16_30, tick=False):
        send(sequences_tick, now=monday_14_16_30)
    assert len(fake_sendgrid.messages) == 1

    tuesday_15_9_05 = datetime.datetime(2026, 12, 15, 9, 5, tzinfo=LOS_ANGELES)
    with time_machine.travel(tuesday_15_9_05, tick=False):
        send(sequences_tick, now=tuesday_15_9_05)
    assert [m.to for m in fake_sendgrid.messages] == [lead.email, lead.email]
    second = CampaignLeadResult.objects.exclude(pk=first.pk).get(lead=lead)
    assert second.sent_at.astimezone(LOS_ANGELES).date() == datetime.date(2026, 12, 15)


def test_a_sequence_whose_mailboxes_are_all_deactivated_pauses_with_the_reason(user, auth_client, fake_sendgrid, send):
    lead = Lead.objects.create(user=user, name="리드", email="kim@seoul.co.kr")
    boxes = [mailbox(user, 1), mailbox(user, 2)]
    sequence = sequence_with(user, [lead], steps=TWO_STEPS, mailboxes=boxes, sender_name="세일즈원")
    monday_10 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SEOUL)
    sequence = sequence_start(sequence=sequence, now=monday_10 - datetime.timedelta(hours=2))
    for box in boxes:  # through the API, as a user deactivates a mailbox
        assert auth_client.patch(f"/api/mailboxes/{box.pk}/", {"is_active": False}, format="json").status_code == 200

    with time_machine.travel(monday_10, tick=False):
        send(sequences_tick, now=monday_10)

    assert not fake_sendgrid.messages
    shown = auth_client.get(f"/api/sequences/{sequence.pk}/").json()
    assert shown["status"] == Sequence.Status.PAUSED
    assert "비활성" in shown["paused_reason"]  # the admin language
