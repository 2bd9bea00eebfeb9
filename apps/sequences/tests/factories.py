import datetime

import time_machine

from apps.campaigns.tests.factories import CampaignTemplateFactory, lead_list_with
from apps.consent.models import ConsentEvent
from apps.consent.services import consent_grant_bulk
from apps.mail.models import Mailbox
from apps.sequences.models import Sequence, SequenceStep, SequenceVariant


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
