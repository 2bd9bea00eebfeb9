"""What a campaign does: start (write every recipient row, then dispatch chunks), pause, resume,
retry failed rows, complete, fail — and the jobs that start scheduled campaigns and recover from
crashed workers. The API and the admin both call these; the rules live here only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.consent.selectors import latest_join_sql as consent_latest_join_sql
from apps.consent.selectors import refusal_params as consent_refusal_params
from apps.consent.selectors import refusal_sql as consent_refusal_sql
from apps.mail.models import Mailbox
from common.db_routers import session_database
from common.exceptions import Conflict

from . import result_states
from .models import Campaign, CampaignLeadResult
from .result_states import sql_in, sql_literal

logger = logging.getLogger(__name__)

Status = Campaign.Status
RowStatus = CampaignLeadResult.Status

UNKNOWN_OUTCOME_REASON = (
    "Outcome unknown: the worker sending this e-mail stopped (crashed or was killed) after claiming it and "
    "before recording the provider's answer. The provider may have sent it, so it is not sent again "
    "automatically; re-send it explicitly if it did not arrive."
)
# How long after a campaign was paused or failed the reconcile job still looks for its stale rows.
STOPPED_CAMPAIGN_RECONCILE = timedelta(days=7)

# Recipients are written by a Celery task (write_campaign_recipients), not by the start: sending
# begins after the first slice of chunks is written instead of after all of them. The writer first
# numbers every recipient once into a temporary table of its session: the union of the campaign's
# lead lists, one row per lead, one lead per address (case-insensitive; the oldest lead keeps it),
# rows without an address or with a suppressed one to be written as failed with the reason, sendable
# rows numbered into chunks of CAMPAIGN_CHUNK_SIZE. An address that already has a row of another lead
# (a writer run again after a crash, with the lists changed meanwhile) is left out. Then it writes
# the rows slice by slice (WRITE_SLICE_CHUNKS chunks each, ON CONFLICT (campaign, lead) DO NOTHING,
# so a run after a crash never writes a row twice), each slice committed and its chunks dispatched.
# Consent (정보통신망법 제50조): an advertising campaign's address without a valid basis at write time
# is written failed with the refusal (apps/consent/selectors.py owns the rule); other mail is exempt,
# but an erased person's address (kept as a hash) is refused in every campaign.
# Every recipient of the campaign with why it is not sent (NULL reasons: sent); the writer below and
# the audience preview (selectors.campaign_audience) read the same rows.
#
# No step grows faster than n log n in the recipients (docs/sending-performance.md, "Fourth pass"),
# though not yet linear in practice: at 1,000,000 the writer runs at 88% of its rows/s at 100,000
# (issue 18 allows 90%), the leads' and consent probes reading from disk. The one-per-address step is
# a DISTINCT ON over the narrow candidate rows sorted in the "C" collation (byte order: the same
# groups as the database's deterministic collation, without a strcoll per comparison), the lookups
# (suppression, consent, erased) run on the survivors only, and the chunk numbering is one sort of the
# set. ``written`` is the relation of rows an earlier run wrote (lead_id, email): see _numbering_sql.
_RECIPIENTS_SQL_TEMPLATE = """
WITH list_leads AS (
    SELECT DISTINCT member.lead_id
    FROM campaigns_campaign_leadlists cl
    JOIN leads_leadlist ll ON ll.id = cl.leadlist_id
    CROSS JOIN LATERAL unnest(ll.lead_ids) AS member(lead_id)
    WHERE cl.campaign_id = %(campaign)s AND ll.user_id = %(user)s
), candidates AS (
    SELECT l.id AS lead_id, lower(btrim(l.email)) AS email, l.created_at,
           -- 폐업/휴업 (NTS, issue 20): left out unless the campaign opts in.
           CASE WHEN NOT %(include_inactive)s AND l.business_status IN ('closed', 'suspended')
                THEN l.business_status END AS inactive_business
    FROM leads_lead l
    JOIN list_leads ON list_leads.lead_id = l.id
    WHERE l.user_id = %(user)s
), firsts AS (
    SELECT DISTINCT ON ((CASE WHEN c.email = '' THEN c.lead_id::text ELSE c.email END) COLLATE "C")
           c.lead_id, c.email, c.created_at, c.inactive_business
    FROM candidates c
    WHERE NOT EXISTS (
        SELECT 1 FROM {written} w WHERE w.email = c.email AND w.lead_id IS DISTINCT FROM c.lead_id
    )
    ORDER BY (CASE WHEN c.email = '' THEN c.lead_id::text ELSE c.email END) COLLATE "C", c.created_at, c.lead_id
), checked AS MATERIALIZED (
    -- Materialized: inlined, the outer query's three uses of no_consent ran the erased check (two
    -- SHA-256 and an index probe) three times a row.
    SELECT c.lead_id, c.email, c.created_at, s.reason AS suppressed, c.inactive_business,
           {refusal} AS no_consent
    FROM firsts c
    LEFT JOIN mail_suppressedaddress s ON c.email <> '' AND s.email = c.email
    {latest_join}
)
SELECT r.lead_id, r.email, r.suppressed, r.inactive_business, r.no_consent,
       CASE WHEN r.email <> '' AND r.suppressed IS NULL AND r.inactive_business IS NULL AND r.no_consent IS NULL THEN
           (row_number() OVER (
               PARTITION BY (
                   r.email <> '' AND r.suppressed IS NULL AND r.inactive_business IS NULL AND r.no_consent IS NULL
               )
               ORDER BY r.created_at, r.lead_id
           ) - 1) / %(chunk_size)s
       END AS chunk
FROM checked r
"""

# The rows of this campaign already written, as the audience preview reads them (no temporary table).
WRITTEN_ROWS = (
    "(SELECT lead_id, email FROM campaigns_campaignleadresult WHERE campaign_id = %(campaign)s AND email <> '')"
)
# A writer's first run: nothing written yet, and no anti-join to plan.
NOTHING_WRITTEN = "(SELECT NULL::uuid AS lead_id, NULL::text AS email WHERE false)"


def recipients_sql(written: str = WRITTEN_ROWS) -> str:
    """Every recipient with why it is not sent (the statement above); ``written``: the rows an
    earlier run wrote, a relation of (lead_id, email)."""
    gate = "%(advertising)s AND c.email <> ''"
    return _RECIPIENTS_SQL_TEMPLATE.format(
        written=written,
        refusal=consent_refusal_sql(gate=gate, email="c.email", user="%(user)s"),
        latest_join=consent_latest_join_sql(user="%(user)s", email="c.email", gate=gate),
    )


# One slice: chunks [first, last], and with the first slice the rows that are never sent.
_WRITE_SLICE_SQL = f"""
INSERT INTO campaigns_campaignleadresult (
    id, created_at, updated_at, campaign_id, lead_id, email, title, data, status, sent, error_message,
    provider, provider_message_id, message_id, open_count, click_count, chunk, retryable
)
SELECT gen_random_uuid(), now(), now(), %(campaign)s, n.lead_id, n.email, '', '{{}}'::jsonb,
       CASE WHEN n.chunk IS NULL THEN {sql_literal(RowStatus.FAILED)} ELSE {sql_literal(RowStatus.PENDING)} END,
       false,
       CASE
           WHEN n.email = '' THEN 'The lead has no e-mail address.'
           WHEN n.suppressed IS NOT NULL THEN 'The address is on the suppression list (' || n.suppressed || ').'
           WHEN n.no_consent IS NOT NULL THEN 'No valid consent for advertising mail (' || n.no_consent || ').'
           WHEN n.inactive_business IS NOT NULL THEN
               'The company is ' || n.inactive_business
               || ' (NTS business status); the campaign leaves such companies out.'
           ELSE ''
       END,
       '', '', '', 0, 0, n.chunk, false
FROM campaign_recipients_todo n
WHERE n.chunk BETWEEN %(first)s AND %(last)s OR (%(first)s = 0 AND n.chunk IS NULL)
ORDER BY n.chunk, n.lead_id
ON CONFLICT (campaign_id, lead_id) DO NOTHING
"""

# Chunks per slice of the recipient writer: 10,000 rows at the default chunk size.
WRITE_SLICE_CHUNKS = 10


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("template", "user").get(pk=campaign.pk)


def campaign_write_recipients(*, campaign_id, dispatch: bool = True) -> int:
    """Write the campaign's recipient rows slice by slice, dispatching each slice's chunks as soon
    as it commits; then mark the recipients written and complete the campaign if nothing is left to
    send. Returns the rows written. Safe to run again after a crash, or while another run is going
    (that one finishes the work; this one returns 0). dispatch=False: no chunk is queued (the demo
    seed sends them itself, without a broker)."""
    campaign = (
        Campaign.objects.filter(pk=campaign_id)
        .only("id", "user_id", "recipients_written_at", "include_inactive_businesses", "is_advertising")
        .first()
    )
    if campaign is None or campaign.recipients_written_at is not None:
        return 0
    # A session-level lock and a temporary table that outlive a transaction: one PostgreSQL session
    # throughout, which a transaction-pooling PgBouncer does not give (docs/operations.md, PgBouncer).
    with connections[session_database()].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [f"campaign-recipients:{campaign.pk}"])
        if not cursor.fetchone()[0]:
            return 0
        try:
            campaign.refresh_from_db(fields=["recipients_written_at"])
            if campaign.recipients_written_at is not None:  # another run finished meanwhile
                return 0
            return _write_slices(cursor, campaign, dispatch=dispatch)
        finally:
            # Dropped by name: inside a caller's transaction the writer's own is a savepoint, and
            # ON COMMIT DROP would keep them until that transaction ends (the next run: "already exists").
            cursor.execute("DROP TABLE IF EXISTS campaign_recipients_todo, campaign_recipients_written")
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [f"campaign-recipients:{campaign.pk}"])


def recipients_sql_params(campaign: Campaign) -> dict:
    return {
        "campaign": campaign.pk,
        "user": campaign.user_id,
        "chunk_size": settings.CAMPAIGN_CHUNK_SIZE,
        "include_inactive": campaign.include_inactive_businesses,
        "advertising": campaign.is_advertising,
        **consent_refusal_params(),
    }


def _numbering_sql(cursor, params: dict) -> str:
    """The statement that numbers the campaign's recipients (its rows: recipients_sql()), with what
    it needs made first in the cursor's transaction: on a run after a crash, the rows written so far."""
    cursor.execute("DROP TABLE IF EXISTS campaign_recipients_written")
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM campaigns_campaignleadresult WHERE campaign_id = %(campaign)s)", params
    )
    if not cursor.fetchone()[0]:
        return recipients_sql(NOTHING_WRITTEN)
    # A run after a crash: the rows written so far, with their statistics, so that the planner
    # compares them with the candidates in one hash anti-join (the rows of the campaign read in place
    # were estimated at a row or two and compared with every candidate in a nested loop, quadratic;
    # test_recipient_writer_plan.py keeps it so).
    cursor.execute("CREATE TEMPORARY TABLE campaign_recipients_written ON COMMIT DROP AS " + WRITTEN_ROWS, params)
    cursor.execute("ANALYZE campaign_recipients_written")
    return recipients_sql("campaign_recipients_written")


def _write_slices(cursor, campaign: Campaign, *, dispatch: bool) -> int:
    params = recipients_sql_params(campaign)
    alias = cursor.db.alias
    with transaction.atomic(using=alias):
        # Per sort or hash of the numbering below (settings: CAMPAIGN_WRITER_WORK_MEM_MB).
        cursor.execute("SELECT set_config('work_mem', %s, true)", [f"{settings.CAMPAIGN_WRITER_WORK_MEM_MB}MB"])
        cursor.execute("DROP TABLE IF EXISTS campaign_recipients_todo")
        cursor.execute("CREATE TEMPORARY TABLE campaign_recipients_todo AS " + _numbering_sql(cursor, params), params)
        # Each slice reads its own chunks (one index range), not the whole table again.
        cursor.execute("CREATE INDEX ON campaign_recipients_todo (chunk)")
        cursor.execute("ANALYZE campaign_recipients_todo")
        cursor.execute("SELECT max(chunk) FROM campaign_recipients_todo")
        last_chunk = cursor.fetchone()[0]
    written = 0
    first = 0
    while True:
        last = first + WRITE_SLICE_CHUNKS - 1
        with transaction.atomic(using=alias):
            # Holds off a delete of the (paused) campaign until this slice commits.
            cursor.execute("SELECT 1 FROM campaigns_campaign WHERE id = %s FOR KEY SHARE", [campaign.pk])
            if cursor.fetchone() is None:
                return written
            cursor.execute(_WRITE_SLICE_SQL, {**params, "first": first, "last": last})
            written += cursor.rowcount
            Campaign.objects.using(alias).filter(pk=campaign.pk).update(last_progress_at=timezone.now())
        if dispatch and last_chunk is not None:
            _dispatch_chunks(campaign.pk, range(first, min(last, last_chunk) + 1))
        if last_chunk is None or last >= last_chunk:
            break
        first = last + 1
    Campaign.objects.filter(pk=campaign.pk).update(recipients_written_at=timezone.now())
    campaign_complete_if_done(campaign_id=campaign.pk)
    return written


def _dispatch_chunks(campaign_id, chunks) -> None:
    """Queue the chunks once the current transaction commits (at once outside one). A chunk of a
    campaign paused meanwhile finds it not in progress and sends nothing; the resume dispatches it."""
    from .tasks import send_campaign_chunk

    chunks = list(chunks)
    transaction.on_commit(lambda: [send_campaign_chunk.delay(str(campaign_id), chunk) for chunk in chunks])


def _write_recipients_on_commit(campaign_id) -> None:
    from .tasks import write_campaign_recipients

    transaction.on_commit(lambda: write_campaign_recipients.delay(str(campaign_id)))


def _pending_chunks(campaign_id) -> list[int]:
    return [row[0] for row in _walk_chunks(_PENDING_CHUNKS_SQL, {"campaign": campaign_id})]


def campaign_dispatch(*, campaign_id, expires: float | None = None) -> list[int]:
    """Queue one task per chunk that still has pending rows; returns those chunks. Safe to repeat:
    chunks claim rows atomically, so a duplicate task finds nothing left to send. ``expires``
    (seconds): a task still queued then is dropped, so repeated re-dispatches never pile up."""
    from .tasks import send_campaign_chunk

    chunks = _pending_chunks(campaign_id)
    Campaign.objects.filter(pk=campaign_id).update(last_progress_at=timezone.now())
    for chunk in chunks:
        send_campaign_chunk.apply_async((str(campaign_id), chunk), expires=expires)
    return chunks


def _dispatch_on_commit(campaign_id) -> None:
    transaction.on_commit(lambda: campaign_dispatch(campaign_id=campaign_id))


def _report_on_commit(campaign_id) -> None:
    """The campaign just completed: its owner's report e-mail (apps/campaigns/reports.py, sent once)."""
    from .tasks import send_campaign_report

    if not settings.CAMPAIGN_REPORT_EMAIL_ENABLED:
        return
    transaction.on_commit(lambda: send_campaign_report.delay(str(campaign_id)))


def _spam_check_refusal(campaign: Campaign) -> str | None:
    """Why SpamAssassin's score refuses this advertising campaign (SPAM_CHECK_MAX_SCORE_ADVERTISING),
    or None. No daemon configured, or one that does not answer, never refuses; nor does a template
    that cannot render (the send fails it visibly, with the reason)."""
    if not settings.SPAMD_URL or not settings.SPAM_CHECK_MAX_SCORE_ADVERTISING:
        return None
    from .rendering import TemplateError
    from .spam_check import spam_check_refusal, spam_check_template

    try:
        report = spam_check_template(template=campaign.template, user=campaign.user)
    except TemplateError:
        return None
    return spam_check_refusal(report)


def _status_label(campaign: Campaign) -> str:
    """The campaign's status as a user reads it ("in progress"; Korean under a Korean request)."""
    return str(campaign.get_status_display()).lower()


@transaction.atomic
def campaign_start(*, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """draft/scheduled/paused/failed → in_progress (or → scheduled for a future scheduled_at).

    The first start hands the recipient rows to the writer task (queued on commit), which dispatches
    the chunks as it writes them and completes the campaign if none is sendable; a resume sends only
    rows not yet sent (and runs the writer again if it has not finished).
    """
    now = now or timezone.now()
    if campaign.is_advertising and campaign.status in Campaign.STARTABLE:
        refusal = _spam_check_refusal(campaign)  # before the row lock: it asks the spam daemon
        if refusal:
            raise Conflict(refusal)
    campaign = _lock(campaign)
    first_start = campaign.started_at is None
    if campaign.status not in Campaign.STARTABLE:
        raise Conflict(_("A campaign that is %(status)s cannot be started.") % {"status": _status_label(campaign)})
    refusal = _mailbox_deactivated(campaign)
    if refusal:
        raise Conflict(refusal)
    campaign.paused_reason = None
    if campaign.started_at is None:
        if not campaign.leadlists.exists():
            raise Conflict(_("Add at least one lead list before starting the campaign."))
        if campaign.status == Status.DRAFT and campaign.scheduled_at and campaign.scheduled_at > now:
            campaign.status = Status.SCHEDULED
            campaign.save(update_fields=["status", "paused_reason", "updated_at"])
            return campaign
        campaign.started_at = now
    campaign.status = Status.IN_PROGRESS
    campaign.failure_reason = ""
    campaign.completed_at = None
    campaign.last_progress_at = now
    campaign.save(
        update_fields=[
            "status",
            "started_at",
            "failure_reason",
            "paused_reason",
            "completed_at",
            "last_progress_at",
            "updated_at",
        ]
    )
    if campaign.recipients_written_at is None:
        _write_recipients_on_commit(campaign.pk)
        if first_start:
            return campaign
    elif not campaign_has_open_rows(campaign.pk):
        campaign.status = Status.COMPLETED
        campaign.completed_at = now
        campaign.save(update_fields=["status", "completed_at", "updated_at"])
        _report_on_commit(campaign.pk)
        return campaign
    _dispatch_on_commit(campaign.pk)
    return campaign


@transaction.atomic
def campaign_pause(*, campaign: Campaign, reason: str | None = None) -> Campaign:
    """in_progress/scheduled → paused: no chunk claims rows after this commits (a chunk already
    sending finishes its request). ``reason``: why sending paused it (shown in the API and the
    admin as ``paused_reason``); None when the user paused it."""
    campaign = _lock(campaign)
    if campaign.status not in Campaign.PAUSABLE:
        raise Conflict(_("A campaign that is %(status)s cannot be paused.") % {"status": _status_label(campaign)})
    campaign.status = Status.PAUSED
    campaign.paused_reason = reason
    campaign.save(update_fields=["status", "paused_reason", "updated_at"])
    return campaign


def _mailbox_deactivated(campaign: Campaign) -> str | None:
    """The refusal when the campaign's mailbox is deactivated: it grants no send, so the campaign
    would stay in progress forever with nothing said."""
    if not campaign.mailbox_id or Mailbox.objects.filter(pk=campaign.mailbox_id, is_active=True).exists():
        return None
    email = Mailbox.objects.filter(pk=campaign.mailbox_id).values_list("email", flat=True).first() or ""
    return _(
        "The mailbox %(email)s is deactivated: activate it or choose another mailbox, then resume the campaign."
    ) % {"email": email}


def campaign_pause_if_mailbox_deactivated(*, campaign_id) -> bool:
    """Sending found the campaign's mailbox deactivated: pause the campaign, saying why, until the
    user resumes it (after activating the mailbox or choosing another). True when it paused."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    reason = _mailbox_deactivated(campaign) if campaign is not None else None
    if reason is None:
        return False
    try:
        campaign_pause(campaign=campaign, reason=reason)
    except Conflict:  # paused, completed or failed meanwhile
        return False
    logger.warning("campaign %s paused: %s", campaign_id, reason)
    return True


def results_requeue(rows: QuerySet[CampaignLeadResult], *, now: datetime, **extra) -> int:
    """Put rows back to pending (result_states.REQUEUE: failed or unknown rows sent once more), with
    ``extra`` columns (the resolver's note); returns how many. The one place rows are requeued: the
    owner's retry and resend here, the outcome resolver (resolution.py). Then call
    ``campaign_sending_resume``."""
    return rows.update(**result_states.requeued_values(updated_at=now, **extra))


def campaign_sending_resume(*, campaign_id, now: datetime, restart_failed: bool) -> bool:
    """The campaign sends the rows just put back to pending: a completed one goes back in progress,
    one in progress dispatches them, a paused one sends them when it is resumed. A failed campaign
    is restarted only when ``restart_failed``: the owner's retry or resend does; the outcome resolver
    never does (a campaign failed for a reason a person must fix first). True when it sends."""
    restartable = {Status.COMPLETED, Status.IN_PROGRESS} | ({Status.FAILED} if restart_failed else set())
    sending = Campaign.objects.filter(pk=campaign_id, status__in=restartable).update(
        status=Status.IN_PROGRESS, completed_at=None, failure_reason="", last_progress_at=now, updated_at=now
    )
    if sending:
        _dispatch_on_commit(campaign_id)
    return bool(sending)


def _requeue(campaign: Campaign, rows) -> int:
    """Put the given rows of a locked campaign back to pending and resume sending."""
    now = timezone.now()
    count = results_requeue(rows, now=now)
    if count:
        campaign_sending_resume(campaign_id=campaign.pk, now=now, restart_failed=True)
    return count


RESTARTED = (Status.COMPLETED, Status.FAILED, Status.PAUSED, Status.IN_PROGRESS)


@transaction.atomic
def campaign_retry_failed(*, campaign: Campaign) -> int:
    """Put failed rows the user may retry (provider refusals, render errors, gave up after retries)
    back to pending and resume sending. Rows without an address or with a suppressed one stay
    failed; rows whose outcome is unknown are never touched here (campaign_resend_unknown)."""
    campaign = _lock(campaign)
    if campaign.status not in RESTARTED:
        raise Conflict(_("Only a campaign that has started can retry failed e-mails."))
    count = _requeue(campaign, campaign.results.filter(status=RowStatus.FAILED, retryable=True))
    if not count:
        raise Conflict(_("There are no failed e-mails that can be retried."))
    return count


# The English source (the API docs quote it) and the warning in the user's language (admin and API errors).
RESEND_UNKNOWN_WARNING_SOURCE = gettext_noop(
    "The provider may already have delivered these e-mails: re-sending them may give their recipients a second copy."
)
RESEND_UNKNOWN_WARNING = gettext_lazy(RESEND_UNKNOWN_WARNING_SOURCE)


@transaction.atomic
def campaign_resend_unknown(*, campaign: Campaign) -> int:
    """The owner's explicit choice to send again the rows whose outcome is unknown (RESEND_UNKNOWN_WARNING).
    Never run automatically."""
    campaign = _lock(campaign)
    if campaign.status not in RESTARTED:
        raise Conflict(_("Only a campaign that has started can re-send e-mails."))
    count = _requeue(campaign, campaign.results.filter(status=RowStatus.UNKNOWN))
    if not count:
        raise Conflict(_("There are no e-mails whose outcome is unknown."))
    logger.warning("campaign %s: the owner re-sends %s e-mails whose outcome was unknown", campaign.pk, count)
    return count


# The (campaign, chunk) index is how a campaign's rows are found while it sends: no index names
# `status` or `claimed_at`, so that the claim (pending → sending) is a HOT update (see models).
# The queries below walk the campaign's chunks one by one (a LATERAL subquery per chunk, which the
# planner cannot turn into a scan of the whole table) between its lowest and highest chunk (two
# index probes). Rows without a chunk were never sendable and are never pending.
_CHUNKS = """
generate_series(
    (SELECT {first}(chunk) FROM campaigns_campaignleadresult WHERE campaign_id = %(campaign)s),
    (SELECT {last}(chunk) FROM campaigns_campaignleadresult WHERE campaign_id = %(campaign)s),
    {step}
) AS g(chunk)
"""

# A row still to send (pending, or claimed by a worker), looked for from the last chunk down: chunks
# are dispatched in order, so while a campaign sends, its last chunk still has one and the first
# probe answers; only the last checks of a campaign read all its rows.
_OPEN_ROW_SQL = f"""
SELECT 1 FROM {_CHUNKS.format(first="max", last="min", step=-1)}
CROSS JOIN LATERAL (
    SELECT 1 FROM campaigns_campaignleadresult r
    WHERE r.campaign_id = %(campaign)s AND r.chunk = g.chunk AND r.status IN ({sql_in(result_states.OPEN)})
    LIMIT 1
) open_row
LIMIT 1
"""

_PENDING_CHUNKS_SQL = f"""
SELECT g.chunk FROM {_CHUNKS.format(first="min", last="max", step=1)}
CROSS JOIN LATERAL (
    SELECT 1 FROM campaigns_campaignleadresult r
    WHERE r.campaign_id = %(campaign)s AND r.chunk = g.chunk AND r.status = {sql_literal(RowStatus.PENDING)}
    LIMIT 1
) pending_row
ORDER BY g.chunk
"""

# Rows a dead worker left 'sending' for longer than the lease. Rows are claimed only while their
# campaign is in progress, so they belong to a campaign in progress, or to one paused or failed
# since (its updated_at is then later than the claim); a stopped campaign is looked at for
# STOPPED_CAMPAIGN_RECONCILE after it stopped (if this job was down longer, its stale rows are
# marked unknown once the campaign is resumed). Found first, then updated by id (an UPDATE joined to this
# was planned as a scan of the whole table).
_STALE_ROWS_SQL = f"""
SELECT s.id FROM campaigns_campaign c
CROSS JOIN LATERAL generate_series(
    (SELECT min(chunk) FROM campaigns_campaignleadresult WHERE campaign_id = c.id),
    (SELECT max(chunk) FROM campaigns_campaignleadresult WHERE campaign_id = c.id)
) AS g(chunk)
CROSS JOIN LATERAL (
    SELECT x.id FROM campaigns_campaignleadresult x
    WHERE x.campaign_id = c.id AND x.chunk = g.chunk AND x.status IN ({result_states.LEASE_EXPIRED.sources_sql})
      AND x.claimed_at < %(cutoff)s
    OFFSET 0
) s
WHERE c.status = {sql_literal(Status.IN_PROGRESS)}
   OR (c.status IN ({sql_in((Status.PAUSED, Status.FAILED))}) AND c.updated_at >= %(stopped_since)s)
"""

_UNKNOWN_STALE_SQL = f"""
UPDATE campaigns_campaignleadresult
SET status = {result_states.LEASE_EXPIRED.target_sql}, error_message = %(reason)s, retryable = false,
    updated_at = %(now)s
WHERE id = ANY(%(ids)s::uuid[]) AND status IN ({result_states.LEASE_EXPIRED.sources_sql})
  AND claimed_at < %(cutoff)s
RETURNING campaign_id
"""


def _walk_chunks(sql: str, params: dict) -> list[tuple]:
    """Run a chunk walk. Its estimate (a probe of every chunk) would start PostgreSQL's JIT
    compiler (~0.5 s against a few ms for the walk): the sessions run with JIT off
    (DB_SESSION_OPTIONS in settings/base.py)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def campaign_has_open_rows(campaign_id) -> bool:
    return bool(_walk_chunks(_OPEN_ROW_SQL, {"campaign": campaign_id}))


def campaign_complete_if_done(*, campaign_id) -> bool:
    """in_progress → completed once every recipient row is written and none is pending or sending.
    Run after each settle commits, and by the recipient writer when it has finished."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE campaigns_campaign
            SET status = {sql_literal(Status.COMPLETED)}, completed_at = now(), updated_at = now()
            WHERE id = %(campaign)s AND status = {sql_literal(Status.IN_PROGRESS)}
              AND recipients_written_at IS NOT NULL
              AND NOT EXISTS ({_OPEN_ROW_SQL})
            """,
            {"campaign": campaign_id},
        )
        completed = cursor.rowcount == 1
    if completed:
        _report_on_commit(campaign_id)
    return completed


def campaign_fail(*, campaign_id, reason: str) -> None:
    """A fatal error (every provider refuses our credentials): stop and say why. Pending rows stay
    pending, so starting again after the cause is fixed sends them."""
    Campaign.objects.filter(pk=campaign_id, status=Status.IN_PROGRESS).update(
        status=Status.FAILED, failure_reason=reason[:2000], updated_at=timezone.now()
    )
    logger.error("campaign %s failed: %s", campaign_id, reason)


def campaigns_start_due(*, now: datetime | None = None) -> int:
    """Beat job: start scheduled campaigns whose time has come."""
    now = now or timezone.now()
    started = 0
    for campaign in Campaign.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=now):
        if campaign_pause_if_mailbox_deactivated(campaign_id=campaign.pk):
            continue
        try:
            campaign_start(campaign=campaign, now=now)
            started += 1
        except Conflict as exc:  # changed meanwhile (paused by its user)
            logger.info("scheduled campaign %s not started: %s", campaign.pk, exc)
    return started


def campaigns_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Beat job, the safety net for crashed workers and outages:

    0. Settles spooled while the database was down are written first: a provider's answer that
       arrived wins over "outcome unknown".
    1. A row still 'sending' after the lease (CAMPAIGN_SEND_LEASE_SECONDS) belongs to a worker that
       died between claiming and settling. The provider may or may not have accepted it, so it
       becomes "outcome unknown" with that reason — sending it again could e-mail the lead twice.
    2. A campaign in progress with pending rows and no progress for about CAMPAIGN_ORPHAN_SECONDS is
       re-dispatched: no live task holds its rows (their messages died with a worker, or failed
       while the database or broker was down). Duplicate chunk tasks are harmless.
    3. A campaign in progress with nothing left pending is completed.
    4. A campaign in progress whose recipient writer died before finishing (no progress for
       about CAMPAIGN_ORPHAN_SECONDS) gets the writer again; it resumes where the rows end.
    """
    from .email_sender import in_send_window, settlements_apply_spooled

    now = now or timezone.now()
    spooled = settlements_apply_spooled()
    lease = timedelta(seconds=settings.CAMPAIGN_SEND_LEASE_SECONDS)
    cutoff = now - lease
    stale = _walk_chunks(_STALE_ROWS_SQL, {"cutoff": cutoff, "stopped_since": cutoff - STOPPED_CAMPAIGN_RECONCILE})
    unknown, stale_campaigns = 0, set()
    if spooled:
        logger.info("reconcile: wrote %s settles spooled while the database was unreachable", spooled)
    if stale:
        with connection.cursor() as cursor:
            cursor.execute(
                _UNKNOWN_STALE_SQL,
                {"reason": UNKNOWN_OUTCOME_REASON, "now": now, "cutoff": cutoff, "ids": [row[0] for row in stale]},
            )
            stale_campaigns = {row[0] for row in cursor.fetchall()}
            unknown = cursor.rowcount
        logger.warning("reconcile: %s rows still 'sending' after the lease are now outcome unknown (campaigns %s)",
                       unknown, sorted(map(str, stale_campaigns)))  # fmt: skip
    # Quiet this long, plus the job's own interval: re-dispatched within CAMPAIGN_ORPHAN_SECONDS.
    every = settings.CAMPAIGN_RECONCILE_SECONDS
    quiet_since = now - timedelta(seconds=max(settings.CAMPAIGN_ORPHAN_SECONDS - every, every))
    redispatched = completed = 0
    for campaign in Campaign.objects.filter(status=Status.IN_PROGRESS):
        if campaign_complete_if_done(campaign_id=campaign.pk):
            logger.info("reconcile: campaign %s has nothing left to send: completed", campaign.pk)
            completed += 1
            continue
        quiet = campaign.last_progress_at is None or campaign.last_progress_at < quiet_since
        if quiet and campaign.recipients_written_at is None:
            logger.info("reconcile: campaign %s quiet since %s with recipients still to write: writer queued",
                        campaign.pk, campaign.last_progress_at)  # fmt: skip
            _write_recipients_on_commit(campaign.pk)
        if (quiet or campaign.pk in stale_campaigns) and in_send_window(campaign, now=now):
            chunks = campaign_dispatch(campaign_id=campaign.pk, expires=settings.CAMPAIGN_ORPHAN_SECONDS)
            logger.info("reconcile: campaign %s quiet since %s: re-dispatched chunks %s", campaign.pk,
                        campaign.last_progress_at, chunks)  # fmt: skip
            redispatched += 1
    report = {"spooled_settles": spooled, "unknown": unknown, "redispatched": redispatched, "completed": completed}
    logger.log(logging.INFO if any(report.values()) else logging.DEBUG, "campaign reconcile: %s", report)
    return report


def campaign_update_allowed(*, campaign: Campaign, changes: dict) -> None:
    """Template and lead lists are fixed once recipients are written; the name may always change."""
    fixed = {"template", "leadlists", "is_advertising", "scheduled_at"}
    if campaign.status not in Campaign.EDITABLE and fixed & set(changes):
        raise Conflict(
            _(
                "A campaign that is %(status)s can no longer change its "
                "template, lead lists, advertising flag or schedule."
            )
            % {"status": _status_label(campaign)}
        )


def campaign_delete(*, campaign: Campaign) -> None:
    if campaign.status == Status.IN_PROGRESS:
        raise Conflict(_("Pause the campaign before deleting it."))
    campaign.delete()
