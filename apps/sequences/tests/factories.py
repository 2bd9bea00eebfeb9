import datetime
import email

import time_machine

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tests.factories import CampaignTemplateFactory, lead_list_with
from apps.consent.models import ConsentEvent
from apps.consent.services import consent_grant_bulk
from apps.mail.models import Mailbox
from apps.sequences.models import Sequence, SequenceStep, SequenceVariant
from apps.tracking.models import TrackingEvent
from apps.tracking.services import events_ingest, inbound_message_receive, new_event
from services.email.tracking import mail_from_message


def mailbox(
    user, number: int, *, daily_cap=100, hourly_cap=20, warmup_start=0, warmup_step=0, warmup_started_on=None
) -> Mailbox:
    return Mailbox.objects.create(
        user=user,
        email=f"sales{number}@seller.co.kr",
        display_name=f"영업 {number}",
        daily_cap=daily_cap,
        hourly_cap=hourly_cap,
        warmup_start=warmup_start,
        warmup_step=warmup_step,
        warmup_started_on=warmup_started_on or datetime.date(2026, 11, 1),
    )


def sequence_with(user, leads, *, steps, mailboxes=(), consent=True, **fields) -> Sequence:
    """steps: [(delay_days, thread_reply, [(name, percent), ...]), ...]. The leads' addresses get an
    opt-in on record (as the lead factory gives), unless ``consent=False``."""
    if consent:
        # Recorded before every test's travelled clock (their ticks are in December 2026): recorded at the
        # real time, the consent postdated the ticks once the real date passed them (every lead no_consent).
        with time_machine.travel(datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC), tick=False):
            consent_grant_bulk(
                user=user,
                emails=[lead.email for lead in leads if lead.email],
                basis=ConsentEvent.Basis.IMPORT_EVIDENCE,
                source="test factory",
                evidence_text="test data",
            )
    sequence = Sequence.objects.create(user=user, name="3단계 아웃리치", **fields)
    sequence.leadlists.add(lead_list_with(user, leads))
    sequence.mailboxes.add(*mailboxes)
    for order, (delay, thread, variants) in enumerate(steps):
        step = SequenceStep.objects.create(sequence=sequence, order=order, delay_days=delay, thread_reply=thread)
        for name, percent in variants:
            template = CampaignTemplateFactory(
                user=user, title=f"{{{{ company.name }}}} 단계 {order + 1}{name}", body=f"<p>본문 {order + 1}{name}</p>"
            )
            SequenceVariant.objects.create(step=step, name=name, template=template, percent=percent)
    return sequence


def inbound(result: CampaignLeadResult, *, subject: str, text: str, extra: str = ""):
    """The lead answers the step ``result`` sent, through the inbound parse (a provider's posted mail)."""
    raw = (
        f"From: {result.email}\nTo: sales@seller.co.kr\nSubject: {subject}\n"
        f"Message-ID: <answer-{result.id}@client.example>\nIn-Reply-To: {result.message_id}\n{extra}"
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"{text}\n"
    )
    inbound_message_receive(mail=mail_from_message("sendgrid", email.message_from_string(raw)))


def bounce(result: CampaignLeadResult):
    """The provider reports the step ``result`` bounced."""
    events_ingest(
        events=[
            new_event(
                kind=TrackingEvent.Kind.BOUNCE,
                source=TrackingEvent.Source.SENDGRID,
                result_id=result.id,
                email=result.email,
                event_key=f"bounce:{result.id}",
                detail="550 5.1.1 user unknown",
            )
        ]
    )
