"""What a sequence does: start (a campaign per step variant, one enrolment per lead), pause, resume,
add and remove leads, and the scheduler's tick: stop the enrolments whose lead replied, bounced,
unsubscribed, was out of office or became a client; then, inside the window, write each due step as a
result row of its variant's campaign, within the caps of the mailbox pool, and let the campaign
pipeline send it (exactly once: claim → provider → settle). The API and the admin call these.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.result_states import CANCEL
from apps.campaigns.result_states import OPEN as OPEN_ROWS
from apps.campaigns.services import campaign_pause, campaign_sending_resume, campaign_start, results_requeue
from apps.clients.models import Client
from apps.leads.models import Lead, LeadList
from apps.mail.mailboxes import mailbox_counts_prune, mailboxes_release, mailboxes_reserve
from apps.opportunities.models import Opportunity
from apps.tracking.models import InboundMessage, TrackingEvent
from common.db_routers import session_database
from common.exceptions import Conflict
from common.time_zones import known_zones

from .calendar import SendingCalendar
from .exclusions import STOP_REASON_SQL, exclusion_params, exclusion_sql
from .models import Enrollment, Sequence, SequenceStep
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
    with connection.cursor() as cursor:
        _schedule_lock(cursor, sequence)  # before the row's lock, in the order a tick's batch takes them
    sequence = _lock(sequence)
    if sequence.status not in Sequence.RESUMABLE:
        raise Conflict(_("A sequence that is %(status)s cannot be resumed.") % {"status": _status_label(sequence)})
    # The answers, bounces and wins that came while it was paused stop their leads first: their waiting
    # step rows are cancelled here rather than sent by the restart below (no tick checks a paused sequence).
    enrollments_stop_on_events(sequence=sequence, now=now)
    retried = _requeue_failed_steps(sequence, now)
    for campaign in _campaigns(sequence).filter(status=Campaign.Status.PAUSED):
        campaign_start(campaign=campaign)
    for campaign_id in _campaigns(sequence).filter(status=Campaign.Status.FAILED).values_list("id", flat=True):
        campaign_sending_resume(campaign_id=campaign_id, now=now, restart_failed=True)
    for campaign_id in retried:  # a completed step campaign goes back in progress for them
        campaign_sending_resume(campaign_id=campaign_id, now=now, restart_failed=False)
    sequence.status = Status.ACTIVE
    sequence.paused_reason = ""
    sequence.save(update_fields=["status", "paused_reason", "updated_at"])
    return sequence


def _requeue_failed_steps(sequence: Sequence, now: datetime) -> set:
    """The step rows that failed for a reason the user can fix (retryable: a render error of the step's
    template, a provider's refusal) are sent once more on resume, after the fix; a lead stopped since is
    left out. A row that fails again waits for the next resume: never retried in a loop. Returns the
    campaigns that got rows back."""
    stopped = Enrollment.objects.filter(sequence=sequence, state=State.STOPPED).values("lead_id")
    rows = CampaignLeadResult.objects.filter(
        campaign__in=_campaigns(sequence), status=CampaignLeadResult.Status.FAILED, retryable=True
    ).exclude(lead_id__in=stopped)
    campaigns = set(rows.values_list("campaign_id", flat=True).distinct())
    if campaigns:
        results_requeue(rows, now=now)
    return campaigns


def _stopped_steps(sequence: Sequence):
    """The step campaigns that cannot send: failed (providers refuse the credentials, …), or paused by
    sending itself with a reason (a complaint rate over the limit, the mailbox deactivated). A pause of the
    sequence pauses its campaigns without one, and leaves the sequence paused, not active."""
    return _campaigns(sequence).filter(
        Q(status=Campaign.Status.FAILED) | Q(status=Campaign.Status.PAUSED, paused_reason__isnull=False)
    )


def sequence_pause_if_a_step_stopped(*, sequence: Sequence) -> bool:
    """A step's campaign failed or was paused by sending: its rows would wait unsent while the leads moved on
    to later steps, so the sequence stops scheduling and pauses, saying which step and why, until it is
    resumed (which restarts the campaign: a cause still there pauses or fails it again). Until 2026-12-07 a
    step paused for its complaint rate left the sequence active, writing the next days' rows into it."""
    stopped = (
        _stopped_steps(sequence)
        .select_related("sequence_variant__step")
        .order_by("sequence_variant__step__order", "sequence_variant__name")
        .first()
    )
    if stopped is None:
        return False
    variant = stopped.sequence_variant
    values = {"number": variant.step.order + 1, "variant": variant.name}
    if stopped.status == Campaign.Status.FAILED:
        values["reason"] = stopped.failure_reason or _("its campaign failed")
        reason = _("Step %(number)s (%(variant)s) could not be sent: %(reason)s") % values
    else:
        values["reason"] = stopped.paused_reason
        reason = _("Step %(number)s (%(variant)s) was paused: %(reason)s") % values
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
SELECT gen_random_uuid(), %(now)s, %(now)s, %(sequence)s, l.id, lower(btrim(l.email)), 'active', '', 0,
       coalesce(dz.at, %(due)s)
FROM (
    SELECT DISTINCT ON (lower(btrim(email))) id, email, timezone
    FROM {Lead._meta.db_table}
    WHERE id IN ({{leads}}) AND user_id = %(user)s AND btrim(email) <> ''
    ORDER BY lower(btrim(email)), created_at, id
) l
LEFT JOIN jsonb_to_recordset(%(due_by_zone)s::jsonb) AS dz(zone text, at timestamptz) ON dz.zone = l.timezone
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
    calendar = SendingCalendar.of(sequence)
    delay = first.delay_days if first else 0
    due = calendar.add_business_days(now, delay)
    # A lead with its own time zone: the first step is due at the start of its window there.
    lead_zones = (
        Lead.objects.filter(user_id=sequence.user_id, timezone__gt="")
        .order_by()
        .values_list("timezone", flat=True)
        .distinct()
        if delay
        else []
    )
    due_by_zone = [
        {"zone": zone, "at": calendar.in_zone(zone).add_business_days(now, delay).isoformat()}
        for zone in set(lead_zones) & set(known_zones())
    ]
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
                "due_by_zone": json.dumps(due_by_zone),
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


def _schedule_lock(cursor, sequence: Sequence, *, shared: bool = False) -> None:
    """The sequence's scheduler lock, held to the end of the transaction: the due-step batches and every
    stop take it, so a lead is never stopped between being read as due and its step being written. A batch
    takes it shared (and checks its own enrolments' events under it, shared too): a tick writes two batches
    at once, each its own enrolments (_Batches); a stop of the sequence's leads (remove-leads, the tick's
    whole-sequence check, resume) takes it exclusive and waits for the batches in flight."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    cursor.execute(f"SELECT {function}(hashtextextended(%s, 0))", [f"sequence-schedule:{sequence.pk}"])


@transaction.atomic
def enrollments_stop(*, sequence: Sequence, lead_ids: list, reason: str = Reason.MANUAL, now=None) -> int:
    """Stop the leads' open enrolments (remove-leads: a manual stop); returns how many stopped."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        _schedule_lock(cursor, sequence)
        stopped = Enrollment.objects.filter(sequence=sequence, lead_id__in=lead_ids, state__in=_OPEN_STATES).update(
            state=State.STOPPED, stop_reason=reason, stopped_at=now, next_send_at=None, updated_at=now
        )
        cursor.execute(_CANCEL_SEQUENCE_STOPPED_SQL, {"sequence": sequence.pk, "now": now, **_step_campaigns(sequence)})
    return stopped


# -- stops from what happened ---------------------------------------------------------------------

# Every check below goes from what happened to the enrolments it concerns, never the other way: the
# events of the sequence's step rows (bounces, unsubscribes, complaints, replies: found through the
# tracking events' (campaign, kind) index), the user's won opportunities and clients — each a few per
# hundred enrolments — then each one's enrolment by its (sequence, lead) or (sequence, address) key.
# Until 2026-12-07 every enrolment checked was read and probed: its step rows by key (up to one probe
# per step campaign, twice: the replies, then the bounces), its opportunities, and the user's every
# client; a tick's opening check read every open enrolment of the sequence, every tick of its life,
# and each batch its 10,000 (docs/sequences.md: 2.2-3.1 s of PostgreSQL CPU a day of 100,000).
#
# The events are the truth here because they are the only writer of what they stand for: a result's
# bounced_at, unsubscribed_at, complained_at and 'bounced' status are written from its tracking events
# in the transaction that stores them (apps/tracking/services.py, results_refresh), and every reply kept
# for a result is stored with its 'reply' event (inbound_message_receive, inbound_message_match).
#
# {which}: the enrolments the check may stop. The whole sequence's (_SEQUENCE_WHICH: a tick's opening
# check, resume) are its open ones and the completed ones whose last step has not gone out (its row
# waits: the sequence paused, a failed step campaign, a retry): a reply or a bounce meanwhile stops
# them, and the step is cancelled. A batch's (_BATCH_WHICH) are its own open ones, by id (%(only)s,
# comma-separated), checked under the lock just before its write: an event of the seconds the tick has
# run so far stops its lead before its step is written.
_SEQUENCE_WHICH = f"""(e.state = ANY(%(open)s) OR e.state = 'completed' AND EXISTS (
    SELECT 1 FROM {CampaignLeadResult._meta.db_table} r
    WHERE r.campaign_id = ANY(%(last_campaigns)s::uuid[]) AND r.lead_id = e.lead_id
      AND (r.status IN ({CANCEL.sources_sql}) OR r.status = 'failed' AND r.retryable)))"""
# (A filter on the rows found, the ids one constant array that PostgreSQL hashes: as `e.id IN (SELECT unnest(…))`
# the planner joined every id of the batch to every event before looking the enrolments up, 2,000,000 look-ups
# for 200 replies and 10,000 ids.)
_BATCH_WHICH = "e.state = ANY(%(open)s) AND e.id = ANY(string_to_array(%(only)s::text, ',')::uuid[])"

_STOP_SQL = f"""
UPDATE {Enrollment._meta.db_table} e
SET state = 'stopped', stop_reason = x.reason, stopped_at = %(now)s, next_send_at = NULL, updated_at = %(now)s
FROM ({{found}}) x
WHERE e.id = x.id AND e.state = ANY(%(stoppable)s)
RETURNING e.id
"""

# Each lead's enrolment by the (sequence, lead) key, one look-up a lead found: a LATERAL kept as such (OFFSET 0).
# Joined plainly, a planner that believes the sequence's enrolments few (statistics older than its last 100,000
# rows: autovacuum had not analysed them yet) read them all and compared each with every event — 32 s a tick
# at 100,000 enrolments and 3,000 events in the first version of this check (bench_sequences).
_ENROLLMENT_OF_LEAD = f"""
    SELECT e.id, e.state, e.lead_id, e.resumed_at, e.created_at FROM {Enrollment._meta.db_table} e
    WHERE e.sequence_id = %(sequence)s AND e.lead_id = {{lead}} OFFSET 0
"""

# Bounced, unsubscribed or complained about any step; else, with SEQUENCE_STOP_ON_CLIENT (%(on_client)s),
# an opportunity of the user won for the lead, or a client of the user with the lead's address or business
# number. One reason a lead, the first in that order. The business numbers are compared as stored: a lead's
# and a client's are kept as their 10 digits (the API, the admin and the importer normalise them:
# common/korean_ids.py; leads 0007 the ones saved before), and the lead's is found by the user's unique
# (user, business_number) index — in the dashed form 123-45-67890 too, which leads 0007 leaves on a lead
# whose digits another lead of the user has (a duplicate, for the lead merge).
_EVENT_STOPS = f"""
SELECT e.id, x.reason
FROM (
    SELECT DISTINCT ON (lead_id) lead_id, reason
    FROM (
        SELECT r.lead_id, CASE t.kind WHEN 'bounce' THEN 'bounced' ELSE 'unsubscribed' END AS reason,
               CASE t.kind WHEN 'bounce' THEN 0 ELSE 1 END AS rank
        FROM {TrackingEvent._meta.db_table} t
        JOIN {CampaignLeadResult._meta.db_table} r ON r.id = t.result_id
        WHERE t.campaign_id = ANY(%(step_campaigns)s::uuid[]) AND t.kind IN ('bounce', 'unsubscribe', 'complaint')
        UNION ALL
        SELECT o.lead_id, 'opportunity_won', 2
        FROM {Opportunity._meta.db_table} o
        WHERE %(on_client)s AND o.user_id = %(user)s AND o.status = '{Opportunity.Status.WON.value}'
          AND o.lead_id IS NOT NULL
        UNION ALL
        SELECT l.id, 'client', 3
        FROM {Client._meta.db_table} c
        CROSS JOIN LATERAL (  -- by the key, not a hash of the user's every lead (the review's plan at 5,000 clients)
            SELECT l.id FROM {Lead._meta.db_table} l
            WHERE l.user_id = %(user)s AND l.business_number <> '' AND l.business_number IN (
                c.business_number,
                substr(c.business_number, 1, 3) || '-' || substr(c.business_number, 4, 2) || '-'
                    || substr(c.business_number, 6)
            ) OFFSET 0
        ) l
        WHERE %(on_client)s AND c.user_id = %(user)s AND c.business_number <> ''
        UNION ALL
        SELECT e.lead_id, 'client', 3
        FROM {Client._meta.db_table} c
        CROSS JOIN jsonb_array_elements_text(
            CASE jsonb_typeof(c.emails) WHEN 'array' THEN c.emails ELSE '[]'::jsonb END) AS a(email)
        -- Each address's enrolment by the (sequence, email) key (OFFSET 0: not flattened into a hash join over
        -- every enrolment of the sequence, which the planner's guess of 100 addresses a client picks).
        CROSS JOIN LATERAL (
            SELECT e.lead_id FROM {Enrollment._meta.db_table} e
            WHERE e.sequence_id = %(sequence)s AND e.email = a.email OFFSET 0
        ) e
        WHERE %(on_client)s AND c.user_id = %(user)s
    ) found
    ORDER BY lead_id, rank
) x
CROSS JOIN LATERAL ({_ENROLLMENT_OF_LEAD.format(lead="x.lead_id")}) e
WHERE {{which}}
"""

# Replies and auto-replies to any step since the enrolment began (or came back from out of office): the
# step rows with a 'reply' event, their kept messages, their enrolments, each by its key.
_INBOUND_SQL = f"""
SELECT e.id, e.state, m.subject, m.text, m.is_auto_reply, m.received_at, l.timezone
FROM (
    SELECT DISTINCT t.result_id FROM {TrackingEvent._meta.db_table} t
    WHERE t.campaign_id = ANY(%(step_campaigns)s::uuid[]) AND t.kind = 'reply'
) t
CROSS JOIN LATERAL (
    SELECT m.subject, m.text, m.is_auto_reply, m.received_at FROM {InboundMessage._meta.db_table} m
    WHERE m.result_id = t.result_id OFFSET 0
) m
CROSS JOIN LATERAL (SELECT r.lead_id FROM {CampaignLeadResult._meta.db_table} r WHERE r.id = t.result_id OFFSET 0) r
CROSS JOIN LATERAL ({_ENROLLMENT_OF_LEAD.format(lead="r.lead_id")}) e
CROSS JOIN LATERAL (SELECT l.timezone FROM {Lead._meta.db_table} l WHERE l.id = e.lead_id OFFSET 0) l
WHERE m.received_at > coalesce(e.resumed_at, e.created_at) AND {{which}}
ORDER BY m.received_at
"""

# A lead stopped now: its step rows still pending (waiting for a cap, a retry, the window) are
# cancelled — failed with why, never sent (the claim leaves them alone meanwhile: sender_identity).
# {enrollments}: the sequence's (_STOPPED_NOW), or the ones a check just stopped, by id (_GIVEN_STOPPED).
# The rows by their key, (campaign, lead), in the sequence's step campaigns (%(step_campaigns)s, a
# parameter: until 2026-12-07 a subquery, whose unknown campaigns made the planner read every step row
# of the sequence for each call — 1.0 s a day of 100,000, for 2,000 stopped).
_CANCEL_STOPPED_SQL = f"""
UPDATE {CampaignLeadResult._meta.db_table} r
SET status = {CANCEL.target_sql}, retryable = false, updated_at = %(now)s,
    error_message = 'The sequence stopped for this lead (' || e.stop_reason || ') before this step went out.'
FROM {{enrollments}} e
WHERE e.state = 'stopped' AND {{stopped_when}} AND e.lead_id = r.lead_id
  AND r.campaign_id = ANY(%(step_campaigns)s::uuid[]) AND r.status IN ({CANCEL.sources_sql})
"""
_STOPPED_NOW = f"(SELECT * FROM {Enrollment._meta.db_table} WHERE sequence_id = %(sequence)s)"
# Only the enrolments a check's statements just stopped (%(stopped)s, their ids — until 2026-12-06 each of a
# batch's 20,000 was read again by its key to find the few hundred stopped).
_GIVEN_STOPPED = f"""(
    SELECT * FROM {Enrollment._meta.db_table} WHERE id = ANY(%(stopped)s::uuid[]) AND sequence_id = %(sequence)s
)"""
_JUST_STOPPED = "e.stopped_at = %(now)s"
_CANCEL_SEQUENCE_STOPPED_SQL = _CANCEL_STOPPED_SQL.format(enrollments=_STOPPED_NOW, stopped_when=_JUST_STOPPED)
# Every stopped lead's rows still pending, whenever it stopped: a row that was 'sending' when its lead stopped
# (the cancel above takes only pending ones) and that the pipeline then put back to pending (a provider's 429:
# RELEASE; the resolver's resend: REQUEUE) is never claimed (sender_identity) — left pending, it would keep the
# sequence from ever completing (sequence_complete_if_done). Run once no enrolment is open.
_CANCEL_LEFT_BEHIND_SQL = _CANCEL_STOPPED_SQL.format(enrollments=_STOPPED_NOW, stopped_when="true")
_CANCEL_GIVEN_STOPPED_SQL = _CANCEL_STOPPED_SQL.format(enrollments=_GIVEN_STOPPED, stopped_when=_JUST_STOPPED)


@transaction.atomic
def enrollments_stop_on_events(*, sequence: Sequence, now: datetime, only: str | None = None) -> dict[str, int]:
    """Stop (or pause for an out-of-office) the enrolments whose lead answered, bounced, unsubscribed,
    complained, became a client or won an opportunity. Returns counts by reason. ``only``: just these open
    enrolments (ids, comma-separated), as each batch of a tick checks its own under the lock, shared."""
    params = {
        "sequence": sequence.pk,
        "open": _OPEN_STATES,
        # A batch reads only open enrolments; the whole sequence's check its waiting completed ones too.
        "stoppable": _OPEN_STATES if only else [*_OPEN_STATES, State.COMPLETED.value],
        "now": now,
        "only": only,
        "user": sequence.user_id,
        "on_client": settings.SEQUENCE_STOP_ON_CLIENT,
        **_step_campaigns(sequence),
    }
    which = _SEQUENCE_WHICH if only is None else _BATCH_WHICH
    counts = {"replied": 0, "out_of_office": 0, "stopped": 0}
    ooo: dict = {}
    replied: set = set()
    with connection.cursor() as cursor:
        _schedule_lock(cursor, sequence, shared=only is not None)  # a batch's own enrolments: shared
        cursor.execute(_INBOUND_SQL.format(which=which), params)
        for enrollment_id, state, subject, text, auto, received_at, zone in cursor.fetchall():
            if not is_out_of_office(subject=subject, is_auto_reply=auto):
                replied.add(enrollment_id)
            elif state == State.ACTIVE:
                ooo[enrollment_id] = (subject, text, received_at, zone)
        if replied:
            counts["replied"] = Enrollment.objects.filter(id__in=replied, state__in=params["stoppable"]).update(
                state=State.STOPPED, stop_reason=Reason.REPLIED, stopped_at=now, next_send_at=None, updated_at=now
            )
        counts["out_of_office"] = _out_of_office(sequence, {k: v for k, v in ooo.items() if k not in replied}, now)
        cursor.execute(_STOP_SQL.format(found=_EVENT_STOPS.format(which=which)), params)
        stopped = {enrollment_id for (enrollment_id,) in cursor.fetchall()}
        counts["stopped"] += len(stopped)
        if stopped or replied or ooo:
            # The replied, the out-of-office ones (stopped or paused: the statement's own condition keeps
            # the stopped) and the event stops: their step rows by key (until 2026-12-07 the whole sequence's
            # check read every enrolment of the sequence for the ones stopped now).
            stopped = [str(pk) for pk in stopped | replied | set(ooo)]
            cursor.execute(_CANCEL_GIVEN_STOPPED_SQL, {**params, "stopped": stopped})
    return counts


def _step_campaigns(sequence: Sequence) -> dict:
    """The sequence's step campaigns, and its last step's."""
    rows = list(_campaigns(sequence).values_list("id", "sequence_variant__step__order"))
    last = max((order for _, order in rows), default=-1)
    return {
        "step_campaigns": [str(pk) for pk, _ in rows],
        "last_campaigns": [str(pk) for pk, order in rows if order == last],
    }


def _out_of_office(sequence: Sequence, messages: dict, now: datetime) -> int:
    """An out-of-office reply: wait until the next business day after its return date, then go on
    (SEQUENCE_OOO_RESUME); without a date (or the setting off) the lead stops."""
    sequence_calendar = SendingCalendar.of(sequence)
    zones = set(known_zones())
    # The body is encrypted at rest (EncryptedTextField) and the raw query reads its token.
    text_field = InboundMessage._meta.get_field("text")
    for enrollment_id, (subject, stored_text, received_at, zone) in messages.items():
        # "Back on the 28th" is the lead's 28th: its date, its morning and its business days are read
        # in the lead's zone when it has one (as its steps are sent), else in the sequence's.
        calendar = sequence_calendar.in_zone(zone) if zone in zones else sequence_calendar
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

_ENROLLMENTS = Enrollment._meta.db_table
_RESULTS = CampaignLeadResult._meta.db_table

# The zone a lead's window is read in: its own (an IANA name PostgreSQL knows), else the sequence's.
_LEAD_ZONE = "CASE WHEN l.timezone IN (SELECT unnest(%(known_zones)s::text[])) THEN l.timezone ELSE %(zone)s END"

# The day's due enrolments of the sequence, oldest first, in batches of SEQUENCE_TICK_BATCH ids (one
# comma-separated string each): read once per tick, without the leads and unlocked — each batch is then
# read again by its keys (unlocked too: the write's own predicates meet a stop made meanwhile, see
# _DUE_SQL) and checked against everything below in its own transaction. (Until
# 2026-12-06 each pass of a batch read, joined to their leads and sorted every due enrolment of the
# sequence to take its batch: five passes for a day of 100,000, each reading all that was left.)
_CANDIDATES_SQL = f"""
SELECT string_agg(id::text, ',' ORDER BY n)
FROM (
    SELECT e.id, row_number() OVER (ORDER BY e.next_send_at, e.id) AS n
    FROM {_ENROLLMENTS} e
    WHERE e.sequence_id = %(sequence)s AND e.state = 'active' AND e.next_send_at <= %(now)s
      AND e.current_step < %(step_count)s
) c
GROUP BY (n - 1) / %(limit)s
ORDER BY (n - 1) / %(limit)s
"""

# A batch, set-based (issue 21: 100,000 enrolments a day in ≤ 5 s). 1. Into a temporary table of the
# transaction: the batch's enrolments still active and due by now (each read by its key: a stop committed
# since the candidates were read is seen here) whose lead is inside the window now in its own time zone (a
# sending day, not a Korean holiday when skipped), oldest first, each with why it must not be sent
# (exclusions.py) and the send's columns to fill: its mailbox (`sender`) and whether it goes now (`send`).
_DUE_ENROLLMENTS = f"""
    SELECT e.id, e.lead_id, e.email, e.current_step, e.mailbox_id, e.next_send_at, z.zone, l.business_status
    FROM unnest(string_to_array(%(batch)s, ',')::uuid[]) WITH ORDINALITY AS b(id, n)
    -- Each enrolment and its lead by their keys (a LATERAL the planner keeps as an index lookup per id,
    -- rather than a hash join over every enrolment of every sequence).
    CROSS JOIN LATERAL (
        SELECT e.id, e.lead_id, e.email, e.current_step, e.mailbox_id, e.next_send_at
        FROM {_ENROLLMENTS} e
        WHERE e.id = b.id AND e.sequence_id = %(sequence)s AND e.state = 'active' AND e.next_send_at <= %(now)s
          AND e.current_step < %(step_count)s
        -- Not locked (FOR UPDATE, until 2026-12-06: a tuple lock written on each row that the write then
        -- writes again; this statement's CPU a batch of 20,000 went 0.59-0.75 s -> 0.46-0.69 s without it in a
        -- back-to-back run, the batch's total unchanged, docs/sequences.md): every stop waits for the batch on the
        -- advisory lock, and a writer without it (the admin's enrolment form) is met by the write's and the
        -- exclusion stop's own predicates (still at that step, still active), which a concurrent update makes
        -- PostgreSQL re-check on the row's newest version — a lead stopped meanwhile is not written.
    ) e
    CROSS JOIN LATERAL (
        SELECT l.timezone, l.business_status FROM {Lead._meta.db_table} l WHERE l.id = e.lead_id OFFSET 0
    ) l
    CROSS JOIN LATERAL (SELECT {_LEAD_ZONE} AS zone) z
    CROSS JOIN LATERAL (SELECT %(now)s::timestamptz AT TIME ZONE z.zone AS at) local
    WHERE local.at::time >= %(window_start)s AND local.at::time < %(window_end)s
      AND extract(isodow FROM local.at)::int - 1 = ANY(%(window_days)s::int[])
      AND NOT local.at::date = ANY(%(holidays)s::date[])
    ORDER BY b.n
"""
_DUE_SQL = f"""
CREATE TEMPORARY TABLE sequence_due ON COMMIT DROP AS
WITH due AS MATERIALIZED ({_DUE_ENROLLMENTS}),
checked AS MATERIALIZED (  -- each refusal once (inlined, the CASE below evaluated it twice)
    SELECT d.*, {{exclusion_columns}}
    FROM due d
    {{exclusion_joins}}
)
SELECT id, lead_id, email, current_step, mailbox_id, next_send_at, zone, {STOP_REASON_SQL} AS stop_reason,
       NULL::uuid AS sender, false AS send
FROM checked
"""

_STOP_EXCLUDED_SQL = f"""
UPDATE {_ENROLLMENTS} e
SET state = 'stopped', stop_reason = d.stop_reason, stopped_at = %(now)s, next_send_at = NULL, updated_at = %(now)s
FROM sequence_due d
WHERE e.id = d.id AND d.stop_reason IS NOT NULL AND e.state = 'active'
RETURNING e.id
"""

# 2. What the mailboxes must grant, read before the batch's transaction and reserved outside it in the
# tick's order (_schedule_batch): per mailbox of the pool the batch's due enrolments inside their window that
# keep theirs (NULL: the ones taking a mailbox of the pool now). The exclusions and the event stops are left
# to the batch: the few sends they free go back at its commit. (2026-12-07: first from the candidates read,
# every due enrolment, which held back, until that commit, the sends of leads outside their window: the
# batch beside it was capped for them, and the younger one after it took them — the review's case.)
_SENDER_NEEDS_SQL = f"""
WITH due AS MATERIALIZED ({_DUE_ENROLLMENTS})
SELECT CASE WHEN mailbox_id = ANY(%(pool)s::uuid[]) THEN mailbox_id END, count(*) FROM due GROUP BY 1
"""

# 3. Who goes now, and from which mailbox, of the sends the batch reserved (_schedule_batch): an enrolment
# that keeps its mailbox takes one of that mailbox's grants, oldest first; the others take the pool's grants
# in turn (`pool_slots`: the first grant of every mailbox, then the second …), so each mailbox's share is
# spread over the batch.
_ASSIGN_SENDERS_SQL = """
UPDATE sequence_due d SET sender = a.sender, send = true
FROM (
    SELECT s.id, s.mailbox_id AS sender
    FROM (
        SELECT id, mailbox_id, row_number() OVER (PARTITION BY mailbox_id ORDER BY next_send_at, id) AS n
        FROM sequence_due WHERE stop_reason IS NULL AND mailbox_id = ANY(%(pool)s::uuid[])
    ) s
    JOIN unnest(%(kept_mailboxes)s::uuid[], %(kept_grants)s::int[]) AS g(mailbox, granted)
      ON g.mailbox = s.mailbox_id AND s.n <= g.granted
    UNION ALL
    SELECT f.id, (%(pool_slots)s::uuid[])[f.n]
    FROM (
        SELECT id, row_number() OVER (ORDER BY next_send_at, id) AS n
        FROM sequence_due WHERE stop_reason IS NULL AND NOT coalesce(mailbox_id = ANY(%(pool)s::uuid[]), false)
    ) f
    WHERE f.n <= cardinality(%(pool_slots)s::uuid[])
) a
WHERE d.id = a.id
"""
_SEND_WITHOUT_POOL_SQL = "UPDATE sequence_due SET send = true WHERE stop_reason IS NULL"

# 4. The writes, one statement: the enrolments advance (only one still active at the step read: a lead
# stopped meanwhile is left out), then a pending result row of the step's variant campaign for each
# enrolment advanced — the row carries the step through its campaign (one per variant), and the
# enrolment through (sequence, lead). The variant is a hash of (step, lead) into the percentages, the
# same lead always in the same bucket (sticky without being stored); a winner takes every send. A
# threaded follow-up carries the first step's Message-ID and subject. A step already written for the
# lead (by an older scheduler's race) is not written again. Chunks continue each campaign's numbering.
_BUCKET = (
    "('x' || substr(encode(sha256(convert_to(v.step::text || ':' || d.lead_id::text, 'UTF8')), 'hex'), 1, 8))"
    "::bit(32)::bigint %% 100"
)
_WRITE_SQL = f"""
WITH variants AS (
    SELECT * FROM jsonb_to_recordset(%(variants)s::jsonb)
        AS v(step_order int, step uuid, campaign uuid, low int, high int, threaded boolean, first_chunk int)
), next_windows AS (
    SELECT * FROM jsonb_to_recordset(%(next_windows)s::jsonb) AS n(zone text, step_order int, at timestamptz)
), bucketed AS MATERIALIZED (
    -- The bucket hashed once per enrolment (not once per variant and bound, as a join condition was).
    SELECT d.id, d.lead_id, d.email, d.current_step, d.sender, d.zone, {_BUCKET} AS bucket
    FROM sequence_due d
    JOIN (SELECT DISTINCT step_order, step FROM variants) v ON v.step_order = d.current_step
    WHERE d.send
), todo AS (
    SELECT d.id, d.lead_id, d.email, d.current_step, d.sender, d.zone, v.campaign, v.threaded
    FROM bucketed d
    JOIN variants v ON v.step_order = d.current_step AND d.bucket >= v.low AND d.bucket < v.high
), advanced AS (
    UPDATE {_ENROLLMENTS} e
    SET current_step = e.current_step + 1, next_send_at = n.at,
        state = CASE WHEN t.current_step + 1 >= %(step_count)s THEN 'completed' ELSE 'active' END,
        mailbox_id = coalesce(e.mailbox_id, t.sender), updated_at = %(now)s
    FROM todo t
    LEFT JOIN next_windows n ON n.zone = t.zone AND n.step_order = t.current_step + 1
    WHERE e.id = t.id AND e.current_step = t.current_step AND e.state = 'active'
    RETURNING t.lead_id, t.email, t.current_step, t.sender, t.campaign, t.threaded
), written AS (
    INSERT INTO {_RESULTS} (
        id, created_at, updated_at, campaign_id, lead_id, email, title, data, status, sent, error_message,
        provider, provider_message_id, message_id, open_count, click_count, chunk, retryable,
        mailbox_id, thread_message_id, thread_subject
    )
    SELECT gen_random_uuid(), %(now)s, %(now)s, a.campaign, a.lead_id, a.email, '', '{{}}'::jsonb,
           '{CampaignLeadResult.Status.PENDING.value}', false, '', '', '', '', 0, 0,
           c.first_chunk + (row_number() OVER (PARTITION BY a.campaign ORDER BY a.lead_id) - 1) / %(chunk_size)s, false,
           a.sender, coalesce(first.message_id, ''), coalesce(first.title, '')
    FROM advanced a
    JOIN variants c ON c.campaign = a.campaign
    LEFT JOIN LATERAL (
        SELECT r.message_id, r.title FROM {_RESULTS} r
        WHERE a.threaded AND r.campaign_id = ANY(%(first_campaigns)s::uuid[]) AND r.lead_id = a.lead_id
        LIMIT 1
    ) first ON true
    -- The step's other variants (a winner picked since, percentages changed) by key; its own variant's row is
    -- the ON CONFLICT's (until 2026-12-06 probed here too: one index probe per row more, for nothing).
    WHERE NOT EXISTS (
        SELECT 1 FROM variants same JOIN {_RESULTS} r ON r.campaign_id = same.campaign AND r.lead_id = a.lead_id
        WHERE same.step_order = a.current_step AND same.campaign <> a.campaign
    )
    ON CONFLICT (campaign_id, lead_id) DO NOTHING
    RETURNING campaign_id, mailbox_id
)
SELECT campaign_id, mailbox_id, count(*) FROM written GROUP BY campaign_id, mailbox_id
"""


@dataclass
class ScheduleReport:
    due: int = 0
    scheduled: int = 0
    excluded: int = 0
    capped: int = 0  # due but over the pool's caps: left for a later window
    campaigns: set = field(default_factory=set)

    def add(self, other: ScheduleReport) -> None:
        self.due += other.due
        self.scheduled += other.scheduled
        self.excluded += other.excluded
        self.capped += other.capped
        self.campaigns |= other.campaigns


# Each step campaign's next chunk number, read once a tick (_schedule_read). (Not inside the write: the rows
# being inserted made each lookup scan them all.)
_FIRST_CHUNKS_SQL = f"""
SELECT c::text, (SELECT coalesce(max(chunk), -1) + 1 FROM {_RESULTS} WHERE campaign_id = c) FROM unnest(%s::uuid[]) AS c
"""


def _variant_rows(steps: list[SequenceStep], first_chunk: dict) -> list[dict]:
    """Each step's variants as percentage buckets [low, high) of 0–99 (a picked winner takes all),
    with the batch's first chunk number of each campaign (_Schedule.first_chunks)."""
    rows = []
    for step in steps:
        variants = sorted(step.variants.all(), key=lambda v: v.name)
        if step.winner_id and any(v.pk == step.winner_id for v in variants):
            variants = [next(v for v in variants if v.pk == step.winner_id)]
            bounds = [(0, 100)]
        else:
            bounds, low = [], 0
            for position, variant in enumerate(variants):
                high = 100 if position == len(variants) - 1 else low + variant.percent
                bounds.append((low, high))
                low = high
        for variant, (low, high) in zip(variants, bounds, strict=True):
            rows.append(
                {
                    "step_order": step.order,
                    "step": str(step.pk),
                    "campaign": str(variant.campaign_id),
                    "low": low,
                    "high": high,
                    "threaded": step.thread_reply and step.order > 0,
                    "first_chunk": first_chunk[str(variant.campaign_id)],
                }
            )
    return rows


def _next_windows(cursor, steps: list[SequenceStep], calendar: SendingCalendar, now: datetime) -> list[dict]:
    """When each step after the one being sent is due, per time zone of the batch: its delay in
    business days, at the window's start, in that zone."""
    cursor.execute("SELECT DISTINCT zone FROM sequence_due WHERE send")
    rows = []
    for (zone,) in cursor.fetchall():
        local = calendar.in_zone(zone)
        for step in steps[1:]:
            rows.append(
                {
                    "zone": zone,
                    "step_order": step.order,
                    "at": local.add_business_days(now, step.delay_days).isoformat(),
                }
            )
    return rows


def sequence_pause_if_no_mailbox(*, sequence: Sequence) -> bool:
    """A sequence with a pool whose every mailbox is deactivated would wait forever (or, worse, send
    from the default sender): it pauses, saying why, until a mailbox is active again and it is resumed."""
    pool = sequence.mailboxes.all()
    if not pool.exists() or pool.filter(is_active=True).exists():
        return False
    try:
        sequence_pause(
            sequence=sequence,
            reason=_("Every mailbox of this sequence is deactivated: activate one or add another, then resume."),
        )
    except Conflict:  # paused or completed meanwhile
        return False
    logger.warning("sequence %s paused: no active mailbox", sequence.pk)
    return True


def sequence_schedule_due(*, sequence: Sequence, now: datetime, dispatch: bool = True) -> ScheduleReport:
    """Write the due enrolments' next step as pending rows of the variants' campaigns, for the leads
    inside their window now (their time zone, else the sequence's), within the pool's caps; advance the
    enrolments; dispatch the rows once committed (dispatch=False: the caller sends the chunks itself, as
    the benchmark does). Leads outside their window, or over the caps, wait for a later tick.

    The due enrolments are read once, oldest first, then written in batches of SEQUENCE_TICK_BATCH, each
    in its own transaction holding the sequence's lock, in a few set-based statements, SEQUENCE_TICK_WORKERS
    at once (_Batches). (sequences_tick takes the sequences' batches in turn: _schedule_prepare, then
    _Batches over them all.)"""
    schedule = _schedule_prepare(sequence=sequence, now=now, dispatch=dispatch)
    _Batches([schedule]).run()
    return schedule.report


@dataclass
class _Schedule:
    """One sequence's due enrolments of a tick, read once, and what its batches need to be written."""

    sequence: Sequence
    now: datetime
    dispatch: bool
    report: ScheduleReport = field(default_factory=ScheduleReport)
    queue: collections.deque = field(default_factory=collections.deque)  # (index, ids) of the batches not begun
    stopped: bool = False  # no longer active: its later batches are not begun
    steps: list = field(default_factory=list)
    calendar: SendingCalendar | None = None
    pool: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    first_chunks: dict = field(default_factory=dict)  # campaign → its next chunk number when the tick began

    def chunks_of(self, index: int) -> dict:
        """The first chunk number of each campaign for batch ``index``: every batch of the tick numbers its
        chunks in a range of its own (a batch writes at most SEQUENCE_TICK_BATCH rows to a campaign), so
        two batches written at once never share a chunk (until 2026-12-07 each read max(chunk) + 1, one
        batch after the other). The ranges a batch leaves unused are gaps the chunk walks step over."""
        span = math.ceil(self.params["limit"] / self.params["chunk_size"])
        return {campaign: first + index * span for campaign, first in self.first_chunks.items()}


class _Batches:
    """A tick's batches, taken in turn, one sequence's after another's (the first batch of each, then the
    second, …, so one big sequence does not hold the others back), and written SEQUENCE_TICK_WORKERS at once,
    each on a connection of its own thread (issue 21: a day of 100,000 in ≤ 5 s: the statements of one batch
    use one core). On the caller's connection, one after another, inside a transaction (a test's, a caller's:
    another connection would not see what it holds) or with one worker.

    Each batch reserves its mailbox sends outside its transaction (a reservation held to the batch's commit
    made every other batch of the pool wait for it), in the order the batches were taken (the ``ticket``):
    the oldest due enrolments take a pool's sends first, as one connection gives them. Each batch is one
    transaction (a temporary table of its own, dropped at its commit): behind a transaction-pooling PgBouncer
    its statements share one server session. A batch that raises ends the tick after the batches in flight;
    its exception is raised here."""

    def __init__(self, schedules: list[_Schedule]):
        self.turn = collections.deque(schedule for schedule in schedules if schedule.queue)
        self.lock = threading.Condition()
        self.tickets = 0  # given out, one a batch taken
        self.reserving = 0  # the ticket whose turn it is to reserve
        self.ended: set = set()
        self.error: BaseException | None = None

    def run(self) -> None:
        count = sum(len(schedule.queue) for schedule in self.turn)
        workers = min(settings.SEQUENCE_TICK_WORKERS, count)
        if workers <= 1 or connection.in_atomic_block:
            self._work()
            return
        threads = []
        try:
            for n in range(workers):
                threads.append(threading.Thread(target=self._work_on_own_connection, name=f"sequence-batches-{n}"))
                threads[-1].start()
            for thread in threads:
                thread.join()
        except BaseException as exc:  # a time limit or a thread that would not start, in the tick's thread
            with self.lock:
                self.error = self.error or exc  # no batch begins any more
            for thread in threads:  # the batches in flight end before the tick's exception goes on
                with contextlib.suppress(RuntimeError):  # one never started
                    thread.join()
            raise
        if self.error is not None:
            raise self.error

    def _take(self) -> tuple | None:
        with self.lock:
            while self.turn and self.error is None:
                schedule = self.turn.popleft()
                if schedule.stopped or not schedule.queue:
                    continue
                batch = schedule.queue.popleft()
                if schedule.queue:
                    self.turn.append(schedule)
                self.tickets += 1
                return schedule, batch, self.tickets - 1
            return None

    def wait_turn(self, ticket: int) -> None:
        """Until every batch taken before this one has reserved its sends (or given up its turn)."""
        with self.lock:
            self.lock.wait_for(lambda: self.reserving == ticket)

    def end_turn(self, ticket: int) -> None:
        with self.lock:
            self.ended.add(ticket)
            while self.reserving in self.ended:
                self.reserving += 1
            self.lock.notify_all()

    def _work(self) -> None:
        while (taken := self._take()) is not None:
            schedule, batch, ticket = taken
            report = ScheduleReport()
            try:
                campaigns = _schedule_batch(schedule, batch, self, ticket, report)
            finally:
                self.end_turn(ticket)  # a batch that raised before its reservation gives its turn up
            with self.lock:
                schedule.report.add(report)
                if campaigns is None:
                    logger.info("sequence %s: no longer active, the rest of its tick left", schedule.sequence.pk)
                    schedule.stopped = True
                    continue
            for campaign_id in campaigns if schedule.dispatch else ():
                transaction.on_commit(
                    lambda c=campaign_id, now=schedule.now: campaign_sending_resume(
                        campaign_id=c, now=now, restart_failed=False
                    )
                )

    def _work_on_own_connection(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # raised by run(), in the tick's thread
            with self.lock:
                self.error = self.error or exc
        finally:
            connection.close()  # this thread's


def _schedule_prepare(*, sequence: Sequence, now: datetime, dispatch: bool) -> _Schedule:
    """The sequence's checks before a tick (paused on a failed step or without an active mailbox) and its
    due enrolments, read once, in batches of SEQUENCE_TICK_BATCH ids, oldest first."""
    schedule = _Schedule(sequence=sequence, now=now, dispatch=dispatch)
    if sequence.status != Status.ACTIVE:
        return schedule
    if sequence_pause_if_a_step_stopped(sequence=sequence) or sequence_pause_if_no_mailbox(sequence=sequence):
        return schedule
    schedule.steps = list(sequence.steps.prefetch_related("variants").order_by("order"))
    if not schedule.steps:
        return schedule
    schedule.calendar = calendar = SendingCalendar.of(sequence)
    schedule.pool = [
        str(pk) for pk in sequence.mailboxes.filter(is_active=True).order_by("email").values_list("id", flat=True)
    ]
    schedule.params = params = {
        "sequence": sequence.pk,
        "user": sequence.user_id,
        "now": now,
        "limit": settings.SEQUENCE_TICK_BATCH,
        "step_count": len(schedule.steps),
        "zone": sequence.timezone,
        "known_zones": list(known_zones()),
        "window_start": sequence.window_start,
        "window_end": sequence.window_end,
        "window_days": list(sequence.window_days),
        "holidays": calendar.holidays_around(now),
        "pool": schedule.pool,
        "chunk_size": settings.CAMPAIGN_CHUNK_SIZE,
        **exclusion_params(advertising=sequence.is_advertising),
        **_step_campaigns(sequence),
    }
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES_SQL, params)
        schedule.queue = collections.deque(enumerate(ids for (ids,) in cursor.fetchall()))
        cursor.execute(
            _FIRST_CHUNKS_SQL, [[str(v.campaign_id) for step in schedule.steps for v in step.variants.all()]]
        )
        schedule.first_chunks = dict(cursor.fetchall())
    return schedule


def _schedule_batch(
    schedule: _Schedule, batch: tuple[int, str], batches: _Batches, ticket: int, report: ScheduleReport
) -> set | None:
    """One batch of due enrolments (its index in the tick, its ids oldest first): the mailbox sends its due
    enrolments inside their window need (_SENDER_NEEDS_SQL), reserved in the tick's order (``ticket``) outside
    its transaction, then the batch in one transaction holding the sequence's lock shared (_write_due). Adds
    to ``report``; returns the campaigns written to, or None when the sequence is no longer active (paused
    meanwhile: nothing written). The sends reserved and not used are given back once the batch has committed,
    all of them when it failed before its commit; a commit whose outcome is unknown (the connection lost
    in it) or a process killed in between leaves them counted: under the caps, never over."""
    pool, now = schedule.pool, schedule.now
    params = {**schedule.params, "batch_index": batch[0], "batch": batch[1]}
    reserved: collections.Counter = collections.Counter()  # mailbox id → sends reserved for this batch
    kept: dict = {}  # mailbox id → sends granted to the enrolments that keep it
    grants: list = []  # (mailbox id, sends granted) of the pool, for the enrolments taking one now
    try:
        if pool:
            with connection.cursor() as cursor:
                cursor.execute(_SENDER_NEEDS_SQL, params)
                needs = dict(cursor.fetchall())
            batches.wait_turn(ticket)
            fresh = needs.pop(None, 0)
            kept, grants = mailboxes_reserve(
                kept={str(k): v for k, v in needs.items()}, pool=pool, spread=fresh, now=now
            )
            reserved.update(kept)
            reserved.update(dict(grants))
    finally:
        batches.end_turn(ticket)  # a batch without a pool, or done reserving: the next one reserves
    committing: list = []  # not empty once the batch's statements are done: an exception after, the commit's
    try:
        campaigns, used = _write_due(schedule, params, kept, grants, report, committing)
    except BaseException as exc:
        if committing and not _commit_refused(exc):
            logger.warning(
                "sequence %s: a batch's commit failed, its outcome unknown: its sends stay reserved",
                schedule.sequence.pk,
            )
        else:
            mailboxes_release(counts=reserved, now=now)  # nothing of the batch was written
        raise
    mailboxes_release(counts=reserved - used, now=now)  # the sends of the enrolments the batch did not write
    return campaigns


def _commit_refused(exc: BaseException) -> bool:
    """Whether a batch's COMMIT that raised surely wrote nothing: PostgreSQL refused it (a deferred foreign
    key, class 23; a serialization failure, class 40). Anything else may have come after the commit landed: a
    connection lost in it, PgBouncer's own error when it lost the server or timed the query out (08P01, the
    review of 2026-12-07 saw the row committed behind it), a time limit (Celery's soft one is an Exception)."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None) if isinstance(exc, DatabaseError) else None
    return bool(sqlstate) and sqlstate[:2] in ("23", "40")


def _write_due(schedule: _Schedule, params: dict, kept: dict, grants: list, report: ScheduleReport, committing: list):
    """The batch's transaction, holding the sequence's lock shared: its enrolments' events checked (a reply,
    bounce, won opportunity or client since the tick began — a tick of 100,000 takes seconds — stops them
    now, under the lock: the due read below then leaves them out), the due read and the exclusions' stops, the
    mailboxes given out of the sends reserved (``kept``: per mailbox, for the enrolments that keep theirs;
    ``grants``: the pool's, for the others), then the writes. Returns (the campaigns written to, or None when
    the sequence is no longer active; the sends used per mailbox)."""
    sequence, steps, now = schedule.sequence, schedule.steps, schedule.now
    campaigns: set = set()
    used: collections.Counter = collections.Counter()
    exclusion_columns, exclusion_joins = exclusion_sql(email="d.email", user="%(user)s")
    with transaction.atomic(), connection.cursor() as cursor:
        _schedule_lock(cursor, sequence, shared=True)
        # Paused (or completed) since the tick began: the tick stops here for this sequence. FOR SHARE
        # waits for a pause being committed (it holds the row's lock, not the advisory one).
        cursor.execute(f"SELECT status FROM {Sequence._meta.db_table} WHERE id = %s FOR SHARE", [sequence.pk])
        row = cursor.fetchone()
        if row is None or row[0] != Status.ACTIVE:
            return None, used
        enrollments_stop_on_events(sequence=sequence, now=now, only=params["batch"])
        # The write's hash of the advanced rows in memory (at the default 4 MB, a pass of 20,000 sorted
        # 13 MB on disk).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Dropped first: inside an outer transaction (a test's, a caller's) the last batch's table is still there.
        cursor.execute("DROP TABLE IF EXISTS sequence_due")
        cursor.execute(_DUE_SQL.format(exclusion_columns=exclusion_columns, exclusion_joins=exclusion_joins), params)
        report.due = cursor.rowcount
        if not report.due:
            return campaigns, used
        cursor.execute("ANALYZE sequence_due")  # the planner's row counts for the joins below
        cursor.execute(_STOP_EXCLUDED_SQL, params)
        excluded = [str(pk) for (pk,) in cursor.fetchall()]
        report.excluded += len(excluded)
        if excluded:
            cursor.execute(_CANCEL_GIVEN_STOPPED_SQL, {**params, "stopped": excluded})
        if schedule.pool:
            cursor.execute(
                _ASSIGN_SENDERS_SQL,
                {
                    **params,
                    "kept_mailboxes": list(kept),
                    "kept_grants": list(kept.values()),
                    "pool_slots": _interleave(grants),
                },
            )
            assigned = cursor.rowcount
            cursor.execute("SELECT count(*) FROM sequence_due WHERE stop_reason IS NULL")
            report.capped += cursor.fetchone()[0] - assigned
        else:
            cursor.execute(_SEND_WITHOUT_POOL_SQL)
        write_params = {
            **params,
            "variants": json.dumps(_variant_rows(steps, schedule.chunks_of(params["batch_index"]))),
            "next_windows": json.dumps(_next_windows(cursor, steps, schedule.calendar, now)),
            "first_campaigns": [str(v.campaign_id) for v in steps[0].variants.all()],
        }
        # Paused inside this batch's own transaction: this re-read matters only for a pause made on the tick's
        # own connection, in the batch (a pause from another connection waits for the batch, on the row the
        # FOR SHARE above holds). Nothing is written, and the sends reserved for it are given back.
        cursor.execute(f"SELECT status FROM {Sequence._meta.db_table} WHERE id = %s", [sequence.pk])
        if cursor.fetchone()[0] != Status.ACTIVE:
            return None, used
        cursor.execute(_WRITE_SQL, write_params)
        for campaign_id, mailbox_id, count in cursor.fetchall():
            campaigns.add(campaign_id)
            report.campaigns.add(campaign_id)
            report.scheduled += count
            if mailbox_id is not None:
                used[str(mailbox_id)] += count
        # The campaigns written to are in progress when the rows commit, not only once the commit's callback
        # dispatches them: a process killed in between left pending rows in a completed step campaign, which
        # the reconcile job never looks at — the step never sent (until 2026-12-07). In progress, a quiet
        # campaign with pending rows is re-dispatched by it (campaigns_reconcile). A failed one stays failed:
        # the next tick pauses the sequence on it. One by one in id order, each once a tick (a batch written
        # at the same time waits for the first one's commit, then skips it): two batches never lock them in
        # opposite orders.
        for campaign_id in sorted(campaigns):
            Campaign.objects.filter(
                Q(status=Campaign.Status.COMPLETED) | Q(status=Campaign.Status.IN_PROGRESS) & ~Q(last_progress_at=now),
                pk=campaign_id,
            ).update(status=Campaign.Status.IN_PROGRESS, completed_at=None, last_progress_at=now, updated_at=now)
        # The statements are done: an exception from here on comes from the COMMIT, which may have landed.
        committing.append(True)
    return campaigns, used


def _interleave(grants: list[tuple]) -> list:
    """[(mailbox, granted)] → the mailboxes in turn: a, b, c, a, b, c, a, … (a larger grant runs on)."""
    remaining = dict(grants)
    order = []
    while any(remaining.values()):
        for mailbox_id in list(remaining):
            if remaining[mailbox_id]:
                order.append(mailbox_id)
                remaining[mailbox_id] -= 1
    return order


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
    """Completed once no enrolment is open and no step row still waits to go out. A last step written but
    not sent (its chunks queued, the window closed, its campaign failed) keeps the sequence active: the
    next tick pauses it on a failed step, saying why, where until 2026-12-07 it was completed at once, and
    a last step whose campaign then failed was left unsent with nothing to show or resume. A stopped lead's
    row is never sent (the claim leaves it): one still pending is cancelled here first (_CANCEL_LEFT_BEHIND_SQL)
    rather than waited for. A failed step campaign keeps it active too, whatever its rows became (a chunk
    whose every row failed to render leaves them failed, not pending, and the worker may settle it before
    the tick's last loop), as does one paused by sending: the next tick pauses it on that step
    (sequence_pause_if_a_step_stopped)."""
    if sequence.status != Status.ACTIVE:
        return False
    if Enrollment.objects.filter(sequence=sequence, state__in=_OPEN_STATES).exists():
        return False
    if _stopped_steps(sequence).exists():
        return False
    with connection.cursor() as cursor:
        cursor.execute(_CANCEL_LEFT_BEHIND_SQL, {"sequence": sequence.pk, "now": now, **_step_campaigns(sequence)})
    if CampaignLeadResult.objects.filter(campaign__in=_campaigns(sequence), status__in=OPEN_ROWS).exists():
        return False
    return bool(
        Sequence.objects.filter(pk=sequence.pk, status=Status.ACTIVE).update(
            status=Status.COMPLETED, completed_at=now, updated_at=now
        )
    )


def _tick_checks(*, sequence: Sequence, now: datetime) -> None:
    """A tick's work on one sequence before its due steps, in the one order sequence_tick and
    sequences_tick share: stops from events (every enrolment of the sequence: the check costs the events,
    not the enrolments), returns from out of office, winners. Each batch of due steps then checks its own
    enrolments again, under the lock, just before writing (_write_due)."""
    enrollments_stop_on_events(sequence=sequence, now=now)
    enrollments_resume_out_of_office(sequence=sequence, now=now)
    steps_pick_winners(sequence=sequence)


def sequence_tick(*, sequence: Sequence, now: datetime, dispatch: bool = True) -> ScheduleReport:
    """One pass over one active sequence: stops, returns from out of office, winners, due steps."""
    _tick_checks(sequence=sequence, now=now)
    report = sequence_schedule_due(sequence=sequence, now=now, dispatch=dispatch)
    sequence_complete_if_done(sequence=sequence, now=now)
    return report


# One tick at a time: a session-level lock (not a transaction's: a tick is many transactions), released
# when the tick ends or its connection closes. Taken on the session alias (DATABASE_SESSION_URL): behind
# PgBouncer in transaction mode the unlock would land on another server connection and the lock leak,
# every later tick skipping (docs/operations.md, PgBouncer).
_TICK_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('sequences-tick', 0))"
_TICK_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended('sequences-tick', 0))"


def sequences_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Beat job (SEQUENCE_TICK_SECONDS): every active sequence's pass — the stops, out-of-office
    returns and winners of each, then their due steps one batch per sequence in turn, so one big
    sequence does not hold the others back. A tick that finds another running returns at once."""
    now = now or timezone.now()
    totals = {"sequences": 0, "scheduled": 0, "capped": 0, "excluded": 0}
    with connections[session_database()].cursor() as cursor:
        cursor.execute(_TICK_LOCK)
        if not cursor.fetchone()[0]:
            logger.info("sequences tick: another tick is running, this one returns")
            return totals
    try:
        schedules = []
        for sequence in Sequence.objects.filter(status=Status.ACTIVE).order_by("created_at", "id"):
            _tick_checks(sequence=sequence, now=now)
            schedules.append(_schedule_prepare(sequence=sequence, now=now, dispatch=True))
        _Batches(schedules).run()
        for schedule in schedules:
            sequence_complete_if_done(sequence=schedule.sequence, now=now)
            totals["sequences"] += 1
            totals["scheduled"] += schedule.report.scheduled
            totals["capped"] += schedule.report.capped
            totals["excluded"] += schedule.report.excluded
        mailbox_counts_prune(now=now)
    finally:
        with connections[session_database()].cursor() as cursor:
            cursor.execute(_TICK_UNLOCK)
    if any(totals[k] for k in ("scheduled", "capped", "excluded")):
        logger.info("sequences tick: %s", totals)
    return totals
