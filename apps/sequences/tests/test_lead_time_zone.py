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

from .factories import mailbox, sequence_with
from .test_scheduler_faults import SEOUL, TWO_STEPS

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


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
