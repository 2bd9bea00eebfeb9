"""What a sequence does: start (a campaign per step variant, one enrolment per lead), pause, resume,
add and remove leads, and the scheduler's tick: stop the enrolments whose lead replied, bounced,
unsubscribed, was out of office or became a client; then, inside the window, write each due step as a
result row of its variant's campaign, within the caps of the mailbox pool, and let the campaign
pipeline send it (exactly once: claim → provider → settle). The API and the admin call these.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_pause, campaign_sending_resume, campaign_start
from apps.clients.models import Client
from apps.leads.models import Lead, LeadList
from apps.mail.mailboxes import mailbox_counts_prune, mailbox_reserve
from apps.opportunities.models import Opportunity
from apps.tracking.models import InboundMessage
from common.exceptions import Conflict

from .calendar import SendingCalendar
from .exclusions import send_exclusions
from .models import Enrollment, Sequence, SequenceSend, SequenceStep, SequenceVariant
from .out_of_office import is_out_of_office, return_date

logger = logging.getLogger(__name__)

Status = Sequence.Status
State = Enrollment.State
Reason = Enrollment.StopReason
_OPEN_STATES = [State.ACTIVE.value, State.OUT_OF_OFFICE.value]


def _status_label(sequence: Sequence) -> str:
    return str(sequence.get_status_display()).lower()


def _lock(sequence: Sequence) -> Sequence:
    return Sequence.objects.select_for_update().get(pk=sequence.pk)


# -- start, pause, resume -------------------------------------------------------------------------


def sequence_check_startable(sequence: Sequence) -> list[SequenceStep]:
    """The steps with their variants, or a 409 saying what is missing."""
    steps = list(sequence.steps.prefetch_related("variants").order_by("order"))
    if not steps:
        raise Conflict(_("Add at least one step before starting the sequence."))
    for step in steps:
        variants = list(step.variants.all())
        if not variants:
            raise Conflict(_("Step %(number)s has no template.") % {"number": step.order + 1})
        if sum(v.percent for v in variants) != 100:
            raise Conflict(_("The variants of step %(number)s must add up to 100%%.") % {"number": step.order + 1})
    if not sequence.leadlists.exists():
        raise Conflict(_("Add at least one lead list before starting the sequence."))
    return steps


@transaction.atomic
def sequence_start(*, sequence: Sequence, now: datetime | None = None) -> Sequence:
    """draft → active: a campaign for each step variant, and an enrolment for each lead of the lists
    (the first step is due after its delay, in business days)."""
    now = now or timezone.now()
    sequence = _lock(sequence)
    if sequence.status not in Sequence.STARTABLE:
        raise Conflict(_("A sequence that is %(status)s cannot be started.") % {"status": _status_label(sequence)})
    steps = sequence_check_startable(sequence)
    for step in steps:
        for variant in step.variants.all():
            variant.campaign = Campaign.objects.create(
                name=f"{sequence.name} · {step.order + 1}{variant.name}"[:200],
                kind=Campaign.Kind.SEQUENCE_STEP,
                template=variant.template,
                user=sequence.user,
                status=Campaign.Status.IN_PROGRESS,
                started_at=now,
                recipients_written_at=now,  # the scheduler writes the rows, never the recipient writer
                last_progress_at=now,
                is_advertising=sequence.is_advertising,
                sender_name=sequence.sender_name,
                sender_contact=sequence.sender_contact,
            )
            variant.save(update_fields=["campaign", "updated_at"])
    sequence.status = Status.ACTIVE
    sequence.started_at = now
    sequence.save(update_fields=["status", "started_at", "updated_at"])
    enrollments_add(sequence=sequence, lead_ids=None, now=now)
    return sequence


@transaction.atomic
def sequence_pause(*, sequence: Sequence, reason: str = "") -> Sequence:
    """active → paused: nothing more is scheduled, and rows written but not yet claimed wait.
    ``reason``: why the scheduler paused it (shown in the API and the admin); empty when by hand."""
    sequence = _lock(sequence)
    if sequence.status not in Sequence.PAUSABLE:
        raise Conflict(_("A sequence that is %(status)s cannot be paused.") % {"status": _status_label(sequence)})
    for campaign in _campaigns(sequence).filter(status=Campaign.Status.IN_PROGRESS):
        campaign_pause(campaign=campaign)
    sequence.status = Status.PAUSED
    sequence.paused_reason = reason
    sequence.save(update_fields=["status", "paused_reason", "updated_at"])
    return sequence


@transaction.atomic
def sequence_resume(*, sequence: Sequence, now: datetime | None = None) -> Sequence:
    """paused → active: the waiting rows are sent (a failed step's campaign is restarted: its
    pending rows go out, once its cause is fixed), and the scheduler takes up the due steps."""
    now = now or timezone.now()
    sequence = _lock(sequence)
    if sequence.status not in Sequence.RESUMABLE:
        raise Conflict(_("A sequence that is %(status)s cannot be resumed.") % {"status": _status_label(sequence)})
    for campaign in _campaigns(sequence).filter(status=Campaign.Status.PAUSED):
        campaign_start(campaign=campaign)
    for campaign_id in _campaigns(sequence).filter(status=Campaign.Status.FAILED).values_list("id", flat=True):
        campaign_sending_resume(campaign_id=campaign_id, now=now, restart_failed=True)
    sequence.status = Status.ACTIVE
    sequence.paused_reason = ""
    sequence.save(update_fields=["status", "paused_reason", "updated_at"])
    return sequence


def sequence_pause_if_a_step_failed(*, sequence: Sequence) -> bool:
    """A step's campaign failed (providers refuse the credentials, …): its rows would wait unsent,
    so the sequence stops scheduling and pauses, saying which step and why, until it is resumed."""
    failed = (
        _campaigns(sequence)
        .filter(status=Campaign.Status.FAILED)
        .select_related("sequence_variant__step")
        .order_by("sequence_variant__step__order", "sequence_variant__name")
        .first()
    )
    if failed is None:
        return False
    variant = failed.sequence_variant
    reason = _("Step %(number)s (%(variant)s) could not be sent: %(reason)s") % {
        "number": variant.step.order + 1,
        "variant": variant.name,
        "reason": failed.failure_reason or _("its campaign failed"),
    }
    try:
        sequence_pause(sequence=sequence, reason=reason)
    except Conflict:  # paused or completed meanwhile
        return False
    logger.warning("sequence %s paused: %s", sequence.pk, reason)
    return True


def _campaigns(sequence: Sequence):
    return Campaign.objects.filter(sequence_variant__step__sequence=sequence)


# -- enrolments -----------------------------------------------------------------------------------

# {leads}: the given ids, or (at the start) every lead of the sequence's lists, read in SQL rather than
# passed as 100,000 parameters.
_ENROLL_SQL = f"""
INSERT INTO {Enrollment._meta.db_table}
    (id, created_at, updated_at, sequence_id, lead_id, email, state, stop_reason, current_step, next_send_at)
SELECT gen_random_uuid(), %(now)s, %(now)s, %(sequence)s, l.id, lower(btrim(l.email)), 'active', '', 0, %(due)s
FROM (
    SELECT DISTINCT ON (lower(btrim(email))) id, email
    FROM {Lead._meta.db_table}
    WHERE id IN ({{leads}}) AND user_id = %(user)s AND btrim(email) <> ''
    ORDER BY lower(btrim(email)), created_at, id
) l
ON CONFLICT DO NOTHING
"""
_GIVEN_LEADS = "SELECT unnest(%(leads)s::text[])::uuid"
_LIST_LEADS = f"""
SELECT unnest(ll.lead_ids) FROM {LeadList._meta.db_table} ll
JOIN {Sequence.leadlists.through._meta.db_table} sl ON sl.leadlist_id = ll.id
WHERE sl.sequence_id = %(sequence)s AND ll.user_id = %(user)s
"""


def enrollments_add(*, sequence: Sequence, lead_ids: list | None, now: datetime | None = None) -> int:
    """Enrol the user's leads (None: every lead of the sequence's lists), those with an address, one
    per address; a lead already enrolled is kept as it is. Returns how many were enrolled. A 400 past
    SEQUENCE_MAX_ENROLLMENTS."""
    now = now or timezone.now()
    first = sequence.steps.order_by("order").first()
    due = SendingCalendar.of(sequence).add_business_days(now, first.delay_days if first else 0)
    limit = settings.SEQUENCE_MAX_ENROLLMENTS
    if lead_ids is None:
        lists = sequence.leadlists.filter(user=sequence.user).values_list("lead_ids", flat=True)
        wanted = sum(len(ids) for ids in lists)
    else:
        wanted = len(set(lead_ids))
    if Enrollment.objects.filter(sequence=sequence).count() + wanted > limit:
        from rest_framework.exceptions import ValidationError

        raise ValidationError(
            {
                "lead_ids": [
                    _("A sequence enrols at most %(limit)s leads (SEQUENCE_MAX_ENROLLMENTS).") % {"limit": limit}
                ]
            }
        )
    with connection.cursor() as cursor:
        cursor.execute(
            _ENROLL_SQL.format(leads=_LIST_LEADS if lead_ids is None else _GIVEN_LEADS),
            {
                "now": now,
                "sequence": sequence.pk,
                "leads": [str(lead_id) for lead_id in lead_ids or ()],
                "user": sequence.user_id,
                "due": due,
            },
        )
        return cursor.rowcount


@transaction.atomic
def sequence_add_leads(*, sequence: Sequence, lead_ids: list, now: datetime | None = None) -> int:
    """Add leads to a sequence: enrolled now when it has started, else kept in a list of its own."""
    sequence = _lock(sequence)
    if sequence.status == Status.COMPLETED:
        raise Conflict(_("A completed sequence takes no more leads."))
    owned = list(Lead.objects.filter(user=sequence.user, id__in=lead_ids).values_list("id", flat=True))
    if sequence.status == Status.DRAFT:
        added = _draft_list(sequence)
        new = [lead_id for lead_id in owned if lead_id not in set(added.lead_ids)]
        added.lead_ids = [*added.lead_ids, *new]
        added.save(update_fields=["lead_ids", "updated_at"])
        return len(new)
    return enrollments_add(sequence=sequence, lead_ids=owned, now=now)


def _draft_list(sequence: Sequence) -> LeadList:
    name = _("Added to sequence %(name)s") % {"name": sequence.name}
    existing = sequence.leadlists.filter(user=sequence.user, name=name[:200]).first()
    if existing is not None:
        return existing
    created = LeadList.objects.create(user=sequence.user, name=name[:200])
    sequence.leadlists.add(created)
    return created


def _schedule_lock(cursor, sequence: Sequence) -> None:
    """The sequence's scheduler lock, held to the end of the transaction: the due-step pass and every
    stop take it, so a lead is never stopped between being read as due and its step being written."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"sequence-schedule:{sequence.pk}"])


@transaction.atomic
def enrollments_stop(*, sequence: Sequence, lead_ids: list, reason: str = Reason.MANUAL, now=None) -> int:
    """Stop the leads' open enrolments (remove-leads: a manual stop); returns how many stopped."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        _schedule_lock(cursor, sequence)
    return Enrollment.objects.filter(sequence=sequence, lead_id__in=lead_ids, state__in=_OPEN_STATES).update(
        state=State.STOPPED, stop_reason=reason, stopped_at=now, next_send_at=None, updated_at=now
    )


# -- stops from what happened ---------------------------------------------------------------------

_STOP_SQL = f"""
UPDATE {Enrollment._meta.db_table} e
SET state = 'stopped', stop_reason = x.reason, stopped_at = %(now)s, next_send_at = NULL, updated_at = %(now)s
FROM ({{found}}) x
WHERE e.id = x.id AND e.state = ANY(%(open)s)
"""

# Bounced, unsubscribed or complained about any step.
_RESULT_STOPS = f"""
SELECT s.enrollment_id AS id,
       CASE WHEN bool_or(r.bounced_at IS NOT NULL OR r.status = 'bounced') THEN 'bounced'
            ELSE 'unsubscribed' END AS reason
FROM {SequenceSend._meta.db_table} s
JOIN {Enrollment._meta.db_table} e ON e.id = s.enrollment_id
JOIN {CampaignLeadResult._meta.db_table} r ON r.id = s.result_id
WHERE e.sequence_id = %(sequence)s AND e.state = ANY(%(open)s)
  AND (r.bounced_at IS NOT NULL OR r.status = 'bounced' OR r.unsubscribed_at IS NOT NULL
       OR r.complained_at IS NOT NULL)
GROUP BY s.enrollment_id
"""

_WON_STOPS = f"""
SELECT e.id, 'opportunity_won' AS reason
FROM {Enrollment._meta.db_table} e
WHERE e.sequence_id = %(sequence)s AND e.state = ANY(%(open)s)
  AND EXISTS (SELECT 1 FROM {Opportunity._meta.db_table} o
              WHERE o.lead_id = e.lead_id AND o.status = '{Opportunity.Status.WON.value}')
"""

_CLIENT_STOPS = f"""
SELECT e.id, 'client' AS reason
FROM {Enrollment._meta.db_table} e
JOIN {Lead._meta.db_table} l ON l.id = e.lead_id
WHERE e.sequence_id = %(sequence)s AND e.state = ANY(%(open)s)
  AND EXISTS (SELECT 1 FROM {Client._meta.db_table} c
              WHERE c.user_id = l.user_id
                AND ((l.business_number <> ''
                      AND c.business_number = regexp_replace(l.business_number, '[^0-9]', '', 'g'))
                     OR c.emails ? e.email))
"""

_INBOUND_SQL = f"""
SELECT e.id, e.state, m.subject, m.text, m.is_auto_reply, m.received_at
FROM {InboundMessage._meta.db_table} m
JOIN {SequenceSend._meta.db_table} s ON s.result_id = m.result_id
JOIN {Enrollment._meta.db_table} e ON e.id = s.enrollment_id
WHERE e.sequence_id = %(sequence)s AND e.state = ANY(%(open)s)
  AND m.received_at > coalesce(e.resumed_at, e.created_at)
ORDER BY m.received_at
"""


@transaction.atomic
def enrollments_stop_on_events(*, sequence: Sequence, now: datetime) -> dict[str, int]:
    """Stop (or pause for an out-of-office) the open enrolments whose lead answered, bounced,
    unsubscribed, complained, became a client or won an opportunity. Returns counts by reason."""
    params = {"sequence": sequence.pk, "open": _OPEN_STATES, "now": now}
    counts = {"replied": 0, "out_of_office": 0, "stopped": 0}
    ooo: dict = {}
    replied: set = set()
    with connection.cursor() as cursor:
        _schedule_lock(cursor, sequence)
        cursor.execute(_INBOUND_SQL, params)
        for enrollment_id, state, subject, text, auto, received_at in cursor.fetchall():
            if not is_out_of_office(subject=subject, is_auto_reply=auto):
                replied.add(enrollment_id)
            elif state == State.ACTIVE:
                ooo[enrollment_id] = (subject, text, received_at)
        if replied:
            counts["replied"] = Enrollment.objects.filter(id__in=replied, state__in=_OPEN_STATES).update(
                state=State.STOPPED, stop_reason=Reason.REPLIED, stopped_at=now, next_send_at=None, updated_at=now
            )
        counts["out_of_office"] = _out_of_office(sequence, {k: v for k, v in ooo.items() if k not in replied}, now)
        stops = [_RESULT_STOPS]
        if settings.SEQUENCE_STOP_ON_CLIENT:
            stops += [_WON_STOPS, _CLIENT_STOPS]
        for found in stops:
            cursor.execute(_STOP_SQL.format(found=found), params)
            counts["stopped"] += cursor.rowcount
    return counts


def _out_of_office(sequence: Sequence, messages: dict, now: datetime) -> int:
    """An out-of-office reply: wait until the next business day after its return date, then go on
    (SEQUENCE_OOO_RESUME); without a date (or the setting off) the lead stops."""
    calendar = SendingCalendar.of(sequence)
    # The body is encrypted at rest (EncryptedTextField) and the raw query reads its token.
    text_field = InboundMessage._meta.get_field("text")
    for enrollment_id, (subject, stored_text, received_at) in messages.items():
        received = received_at.astimezone(calendar.timezone).date()
        text = text_field.from_db_value(stored_text, None, connection)
        back = return_date(f"{subject}\n{text}", received=received) if settings.SEQUENCE_OOO_RESUME else None
        if back is None:
            Enrollment.objects.filter(id=enrollment_id, state=State.ACTIVE).update(
                state=State.STOPPED, stop_reason=Reason.OUT_OF_OFFICE, stopped_at=now, next_send_at=None, updated_at=now
            )
            continue
        start_of_return = datetime.combine(back, calendar.start, tzinfo=calendar.timezone)
        Enrollment.objects.filter(id=enrollment_id, state=State.ACTIVE).update(
            state=State.OUT_OF_OFFICE,
            stop_reason=Reason.OUT_OF_OFFICE,
            next_send_at=calendar.add_business_days(start_of_return, 1),
            updated_at=now,
        )
    return len(messages)


@transaction.atomic
def enrollments_resume_out_of_office(*, sequence: Sequence, now: datetime) -> int:
    """Leads back from their stated return date go on with their next step."""
    with connection.cursor() as cursor:
        _schedule_lock(cursor, sequence)
    return Enrollment.objects.filter(sequence=sequence, state=State.OUT_OF_OFFICE, next_send_at__lte=now).update(
        state=State.ACTIVE, stop_reason="", resumed_at=now, updated_at=now
    )


# -- scheduling due steps -------------------------------------------------------------------------

_DUE_SQL = f"""
SELECT e.id, e.lead_id, e.email, e.current_step, r0.message_id, r0.title, e.mailbox_id
FROM {Enrollment._meta.db_table} e
LEFT JOIN {SequenceSend._meta.db_table} s0 ON s0.enrollment_id = e.id AND s0.step_id = %(first_step)s
LEFT JOIN {CampaignLeadResult._meta.db_table} r0 ON r0.id = s0.result_id
WHERE e.sequence_id = %(sequence)s AND e.state = 'active' AND e.next_send_at <= %(now)s
ORDER BY e.next_send_at, e.id
LIMIT %(limit)s
FOR UPDATE OF e
"""

# The batch travels as one JSON parameter into a temporary table of the transaction, read by the three
# statements below: adapting Python lists of UUIDs element by element, or parsing the JSON three
# times, cost more than the statements themselves.
_BATCH_SQL = """
CREATE TEMPORARY TABLE sequence_batch ON COMMIT DROP AS
SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS v(
    id uuid, campaign uuid, lead uuid, email text, chunk int, mailbox uuid, thread_id text, thread_subject text,
    enrollment uuid, step uuid, variant uuid, step_order int, next_send_at timestamptz, state text)
"""
_ROWS = "sequence_batch v"

# The statements below run in this order, each leaving in the batch only what it wrote: the enrolments
# advance first (one still active at the step read: a lead stopped meanwhile is left out), then the
# SequenceSends (a step already sent to that enrolment is skipped, never a unique violation rolling the
# batch back), then the result rows, only for the sends written.
_ADVANCE_SQL = f"""
WITH advanced AS (
    UPDATE {Enrollment._meta.db_table} e
    SET current_step = e.current_step + 1, next_send_at = v.next_send_at, state = v.state,
        mailbox_id = coalesce(e.mailbox_id, v.mailbox), updated_at = %(now)s
    FROM {_ROWS}
    WHERE e.id = v.enrollment AND e.current_step = v.step_order AND e.state = 'active'
    RETURNING e.id
)
DELETE FROM {_ROWS} WHERE NOT EXISTS (SELECT 1 FROM advanced a WHERE a.id = v.enrollment)
"""

_WRITE_SENDS_SQL = f"""
WITH written AS (
    INSERT INTO {SequenceSend._meta.db_table} (enrollment_id, step_id, variant_id, result_id, scheduled_at)
    SELECT v.enrollment, v.step, v.variant, v.id, %(now)s
    FROM {_ROWS}
    ON CONFLICT (enrollment_id, step_id) DO NOTHING
    RETURNING result_id
)
DELETE FROM {_ROWS} WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.result_id = v.id)
"""

_WRITE_ROWS_SQL = f"""
INSERT INTO {CampaignLeadResult._meta.db_table} (
    id, created_at, updated_at, campaign_id, lead_id, email, title, data, status, sent, error_message,
    provider, provider_message_id, message_id, open_count, click_count, chunk, retryable,
    mailbox_id, thread_message_id, thread_subject
)
SELECT v.id, %(now)s, %(now)s, v.campaign, v.lead, v.email, '', '{{}}'::jsonb,
       '{CampaignLeadResult.Status.PENDING.value}', false, '', '', '', '', 0, 0, v.chunk, false,
       v.mailbox, v.thread_id, v.thread_subject
FROM {_ROWS}
"""


@dataclass
class ScheduleReport:
    due: int = 0
    scheduled: int = 0
    excluded: int = 0
    capped: int = 0  # due but over the pool's caps: left for a later window
    campaigns: set = field(default_factory=set)


def variant_for(step: SequenceStep, variants: list[SequenceVariant], lead_id) -> SequenceVariant:
    """The step's variant for a lead: the winner once picked, else by percentage, the same lead
    always in the same bucket (a hash of step and lead)."""
    if step.winner_id:
        for variant in variants:
            if variant.pk == step.winner_id:
                return variant
    bucket = int(hashlib.sha256(f"{step.pk}:{lead_id}".encode()).hexdigest()[:8], 16) % 100
    total = 0
    for variant in variants:
        total += variant.percent
        if bucket < total:
            return variant
    return variants[-1]


def _reserve_pool(mailbox_ids: list, count: int, now: datetime) -> list[tuple]:
    """Reserve ``count`` sends over the pool, spread evenly: [(mailbox id, granted)]. A mailbox
    at a cap drops out, and the others take its share."""
    grants = dict.fromkeys(mailbox_ids, 0)
    open_ids, remaining = list(mailbox_ids), count
    while remaining > 0 and open_ids:
        share, still_open = math.ceil(remaining / len(open_ids)), []
        for mailbox_id in open_ids:
            ask = min(share, remaining)
            if ask <= 0:
                break
            granted = mailbox_reserve(mailbox_id=mailbox_id, count=ask, now=now)
            grants[mailbox_id] += granted
            remaining -= granted
            if granted == ask:
                still_open.append(mailbox_id)
        open_ids = still_open
    return [(mailbox_id, granted) for mailbox_id, granted in grants.items() if granted]


def sequence_schedule_due(*, sequence: Sequence, now: datetime, dispatch: bool = True) -> ScheduleReport:
    """Inside the window: write the due enrolments' next step as pending rows of the variants'
    campaigns (one transaction, with the pool's caps reserved), advance the enrolments, and dispatch
    the rows once committed (dispatch=False: the caller sends the chunks itself, as the benchmark
    does). Outside it, or over the caps, the rest waits for a later tick."""
    report = ScheduleReport()
    calendar = SendingCalendar.of(sequence)
    if sequence.status != Status.ACTIVE or sequence_pause_if_a_step_failed(sequence=sequence):
        return report
    if not calendar.is_open(now):
        return report
    steps = list(sequence.steps.prefetch_related("variants").order_by("order"))
    if not steps:
        return report
    variants_of = {step.order: sorted(step.variants.all(), key=lambda v: v.name) for step in steps}
    mailbox_ids = list(sequence.mailboxes.filter(is_active=True).order_by("email").values_list("id", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        _schedule_lock(cursor, sequence)
        cursor.execute(
            _DUE_SQL,
            {"sequence": sequence.pk, "now": now, "first_step": steps[0].pk, "limit": settings.SEQUENCE_TICK_BATCH},
        )
        due = cursor.fetchall()
        report.due = len(due)
        if not due:
            return report
        excluded = send_exclusions(
            user_id=sequence.user_id,
            emails=[row[2] for row in due],
            lead_ids=[row[1] for row in due],
            advertising=sequence.is_advertising,
        )
        for reason in set(excluded.values()):
            report.excluded += Enrollment.objects.filter(
                sequence=sequence, email__in=[e for e, r in excluded.items() if r == reason], state=State.ACTIVE
            ).update(state=State.STOPPED, stop_reason=reason, stopped_at=now, next_send_at=None, updated_at=now)
        due = [row for row in due if row[2] not in excluded and row[3] < len(steps)]
        if mailbox_ids:
            sendable = len(due)
            due, senders = _reserve_senders(due, mailbox_ids, now)
            report.capped = sendable - len(due)
        else:
            senders = [None] * len(due)
        _write_rows(cursor, sequence, steps, variants_of, calendar, due, senders, now, report)
    for campaign_id in report.campaigns if dispatch else ():
        transaction.on_commit(
            lambda c=campaign_id: campaign_sending_resume(campaign_id=c, now=now, restart_failed=False)
        )
    return report


def _reserve_senders(due: list[tuple], mailbox_ids: list, now: datetime) -> tuple[list[tuple], list]:
    """The due enrolments that get a send now, and the mailbox of each. An enrolment that has sent
    from a mailbox of the pool keeps it (a follow-up comes from the address the lead answers), and
    waits for a later window when that mailbox is at its cap; the others share the pool, round robin.
    Ones over the caps are left out (the next tick)."""
    pool = set(mailbox_ids)
    sticky: dict = {}
    fresh = []
    for row in due:
        if row[6] in pool:
            sticky.setdefault(row[6], []).append(row)
        else:
            fresh.append(row)
    chosen, senders = [], []
    for mailbox_id, rows in sticky.items():
        granted = mailbox_reserve(mailbox_id=mailbox_id, count=len(rows), now=now)
        chosen += rows[:granted]
        senders += [mailbox_id] * granted
    if fresh:
        # Round robin over the pool, so each mailbox's share is spread over the steps.
        pooled = _interleave(_reserve_pool(mailbox_ids, len(fresh), now))
        chosen += fresh[: len(pooled)]
        senders += pooled
    return chosen, senders


def _interleave(grants: list[tuple]) -> list:
    remaining = dict(grants)
    order = []
    while any(remaining.values()):
        for mailbox_id in list(remaining):
            if remaining[mailbox_id]:
                order.append(mailbox_id)
                remaining[mailbox_id] -= 1
    return order


def _write_rows(cursor, sequence, steps, variants_of, calendar, due, senders, now, report) -> None:
    """One pending result row, one SequenceSend and one advanced enrolment per due enrolment."""
    rows: list[dict] = []
    per_campaign: dict = {}
    next_send_of = {order: calendar.add_business_days(now, steps[order].delay_days) for order in range(1, len(steps))}
    for (enrollment_id, lead_id, email, order, first_message_id, first_title, _sticky), mailbox_id in zip(
        due, senders, strict=True
    ):
        step = steps[order]
        variant = variant_for(step, variants_of[order], lead_id)
        threaded = step.thread_reply and order > 0 and bool(first_message_id)
        last = order + 1 >= len(steps)
        next_send_at = None if last else next_send_of[order + 1]
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "campaign": str(variant.campaign_id),
                "lead": str(lead_id),
                "email": email,
                "mailbox": str(mailbox_id) if mailbox_id else None,
                "thread_id": first_message_id if threaded else "",
                "thread_subject": first_title if threaded else "",
                "enrollment": str(enrollment_id),
                "step": str(step.pk),
                "variant": str(variant.pk),
                "step_order": order,
                "next_send_at": next_send_at.isoformat() if next_send_at else None,
                "state": State.COMPLETED.value if last else State.ACTIVE.value,
            }
        )
        per_campaign.setdefault(variant.campaign_id, []).append(rows[-1])
    size = settings.CAMPAIGN_CHUNK_SIZE
    for campaign_id, campaign_rows in per_campaign.items():
        cursor.execute(
            f"SELECT coalesce(max(chunk), -1) + 1 FROM {CampaignLeadResult._meta.db_table} WHERE campaign_id = %s",
            [campaign_id],
        )
        first_chunk = cursor.fetchone()[0]
        for position, row in enumerate(campaign_rows):
            row["chunk"] = first_chunk + position // size
        report.campaigns.add(campaign_id)
    if not rows:
        return
    # Dropped first: inside an outer transaction (a test's, a caller's) the last batch's table is still there.
    cursor.execute("DROP TABLE IF EXISTS sequence_batch")
    cursor.execute(_BATCH_SQL, {"rows": json.dumps(rows, ensure_ascii=False)})
    params = {"now": now}
    cursor.execute(_ADVANCE_SQL, params)
    cursor.execute(_WRITE_SENDS_SQL, params)
    cursor.execute(_WRITE_ROWS_SQL, params)
    report.scheduled = cursor.rowcount


# -- A/B winner, completion, the tick -------------------------------------------------------------


def steps_pick_winners(*, sequence: Sequence) -> int:
    """Steps with a "pick the winner after N sends" rule whose every variant has sent N: the variant
    with the best reply rate (then open rate) takes every later send. Returns winners picked."""
    from .selectors import variant_numbers

    picked = 0
    for step in sequence.steps.filter(winner_after__isnull=False, winner__isnull=True):
        numbers = variant_numbers(step=step)
        if len(numbers) < 2 or any(n["sent"] < step.winner_after for n in numbers):
            continue
        best = max(numbers, key=lambda n: (n["reply_rate"] or 0, n["open_rate"] or 0))
        step.winner_id = best["variant_id"]
        step.save(update_fields=["winner", "updated_at"])
        picked += 1
    return picked


def sequence_complete_if_done(*, sequence: Sequence, now: datetime) -> bool:
    if (
        sequence.status != Status.ACTIVE
        or Enrollment.objects.filter(sequence=sequence, state__in=_OPEN_STATES).exists()
    ):
        return False
    return bool(
        Sequence.objects.filter(pk=sequence.pk, status=Status.ACTIVE).update(
            status=Status.COMPLETED, completed_at=now, updated_at=now
        )
    )


def sequence_tick(*, sequence: Sequence, now: datetime, dispatch: bool = True) -> ScheduleReport:
    """One pass over one active sequence: stops, returns from out of office, winners, due steps."""
    enrollments_stop_on_events(sequence=sequence, now=now)
    enrollments_resume_out_of_office(sequence=sequence, now=now)
    steps_pick_winners(sequence=sequence)
    report = sequence_schedule_due(sequence=sequence, now=now, dispatch=dispatch)
    sequence_complete_if_done(sequence=sequence, now=now)
    return report


def sequences_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Beat job (SEQUENCE_TICK_SECONDS): every active sequence's pass."""
    now = now or timezone.now()
    totals = {"sequences": 0, "scheduled": 0, "capped": 0, "excluded": 0}
    for sequence in Sequence.objects.filter(status=Status.ACTIVE):
        report = sequence_tick(sequence=sequence, now=now)
        totals["sequences"] += 1
        totals["scheduled"] += report.scheduled
        totals["capped"] += report.capped
        totals["excluded"] += report.excluded
    mailbox_counts_prune(now=now)
    if any(totals[k] for k in ("scheduled", "capped", "excluded")):
        logger.info("sequences tick: %s", totals)
    return totals
