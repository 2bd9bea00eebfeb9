"""Sending one chunk of a campaign, exactly once per recipient.

A chunk task (1) claims its pending rows in one atomic UPDATE … RETURNING (the rows locked first
with FOR UPDATE SKIP LOCKED when a cap allows fewer than the chunk), which commits before any
provider call; (2) renders each row; (3) sends them through the provider layer in as few batch
requests as the provider allows, falling back to the next provider on an outage; (4) settles the
rows right after with one bulk UPDATE. A row is therefore e-mailed at most once: a redelivered or
duplicate task finds its rows no longer pending, a concurrent one skips locked rows or waits for
them and finds them no longer pending, and a row whose worker died between (1) and (4) stays
'sending' until the reconcile job marks it "outcome unknown" (never resent automatically, DESIGN.md).

That a provider may have a batch is recorded on the chunk's report *before* the provider is called,
never inferred from a return value: from then on any exception (in the settle, in parsing the
provider's answer, a database error) leaves the rows sent, failed or "outcome unknown" — never
pending. Rows go back to pending only when the provider certainly did not accept them (connection
refused, 429, 5xx answered): then the chunk is retried with exponential backoff and full jitter.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
import uuid
import zoneinfo
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.utils import parseaddr

import orjson
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from psycopg.errors import LockNotAvailable

from apps.mail.suppression import suppression_reasons
from common.email_content import html_document, html_to_text
from common.tasks import TRANSIENT_ERRORS
from services.email import EmailMessage, PermanentEmailError, TransientEmailError, send_with_fallback
from services.email.base import EmailProvider, SendResult
from services.email.ratelimit import rate_limit_take, redis_client
from services.llm import LeadProfile, get_personalization_backend

from . import services
from .merge_render import ChunkSkeleton, MergedMessage
from .models import Campaign
from .rendering import (
    COMPANY_FIELDS,
    AdvertisingFooter,
    BatchRenderer,
    SenderInfo,
    TemplateError,
    advertising_subject,
    company_from_columns,
    insert_before_body_end,
    uses_variable,
)
from .result_states import CLAIM, RELEASE, SETTLE_FAILED, SETTLE_SENT, SETTLE_UNKNOWN, sql_literal
from .sender_identity import (
    PLAIN_CLAIM_PARAMS,
    STEP_ROW_SENDABLE_SQL,
    campaign_from_address,
    campaign_mailbox_return,
    campaign_mailbox_take,
    mailbox_address,
    row_routes,
    step_row_claim_params,
    thread_headers,
    threaded_subject,
)
from .tracking import ChunkSigner, instrument_html, unsubscribe_url

logger = logging.getLogger(__name__)

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
# Waiting for the rate limiter longer than this gives the rows back and retries the chunk later.
MAX_RATE_LIMIT_WAIT = 30.0

# The lead's columns of the template's company, in COMPANY_FIELDS order (company_from_columns maps them).
_COMPANY_COLUMNS = ", ".join("i.name" if name == "industry" else f"l.{name}" for name in COMPANY_FIELDS)

# The statuses in the SQL below are result_states' transitions (format-time constants).


def _claimable(alias: str) -> str:
    """The rows of a chunk a claim may take, as a condition on ``alias``: the one place for both forms
    of the claim below (a condition added here holds for both)."""
    return f"""{alias}.campaign_id = %(campaign)s AND {alias}.chunk = %(chunk)s
          AND {alias}.status IN ({CLAIM.sources_sql})
          AND EXISTS (
              SELECT 1 FROM campaigns_campaign c
              WHERE c.id = %(campaign)s AND c.status = {sql_literal(Campaign.Status.IN_PROGRESS)}
          )
          -- A sequence step's row: its lead still in the sequence, inside its window (sender_identity).
          AND {STEP_ROW_SENDABLE_SQL.format(alias=alias)}"""


_CLAIMED_SELECT_SQL = f"""
    RETURNING r.id, r.lead_id, r.email
)
SELECT c.id, c.email, l.id::text, l.corporation_number, {_COMPANY_COLUMNS}
FROM claimed c
LEFT JOIN leads_lead l ON l.id = c.lead_id
LEFT JOIN salesone_leads_industry i ON i.id = l.industry_id
"""

# Up to %(limit)s rows of the chunk (a daily or mailbox cap allows fewer than a chunk): the rows are
# picked and locked first (SKIP LOCKED: a concurrent claim takes others), then updated.
_CLAIM_SQL = (
    f"""
WITH claimed AS (
    UPDATE campaigns_campaignleadresult r
    SET status = {CLAIM.target_sql}, claimed_at = now(), updated_at = now()
    WHERE r.id IN (
        SELECT p.id FROM campaigns_campaignleadresult p
        WHERE {_claimable("p")}
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    )"""
    + _CLAIMED_SELECT_SQL
)

# Every claimable row of the chunk: the form used when the caps allow a whole chunk (the common
# case). One UPDATE over the (campaign, chunk) index, without the separate row-locking step, the
# semi-join and the primary-key probe per row of the form above: 43% less PostgreSQL CPU per claim
# (issue 18: 0.72 → 0.41 CPU-s per 50 chunks of 1,000). Exactly-once holds the same way: a concurrent
# claim of the same chunk waits for the row locks of this one (it commits at once), then re-checks
# each row's status on its new version (READ COMMITTED) and skips the rows no longer pending.
_CLAIM_CHUNK_SQL = (
    f"""
WITH claimed AS (
    UPDATE campaigns_campaignleadresult r
    SET status = {CLAIM.target_sql}, claimed_at = now(), updated_at = now()
    WHERE {_claimable("r")}"""
    + _CLAIMED_SELECT_SQL
)

# The settle writes no indexed column (a HOT update); the provider ids go into the small
# CampaignProviderRequest table, one row per provider request, for the webhooks to find the rows.
_SETTLE_SENT_SQL = f"""
WITH settled AS (
UPDATE campaigns_campaignleadresult r
SET status = CASE WHEN r.status IN ({SETTLE_SENT.sources_sql}) THEN {SETTLE_SENT.target_sql} ELSE r.status END,
    sent = true, sent_at = %(sent_at)s, provider = %(provider)s, provider_message_id = v.provider_message_id,
    message_id = v.message_id, title = v.title, data = v.data, error_message = '', retryable = false,
    updated_at = now()
FROM jsonb_to_recordset(%(rows)s::jsonb)
     AS v(id uuid, title text, data jsonb, provider_message_id text, message_id text)
WHERE r.id = v.id AND r.claimed_at = %(claimed_at)s
RETURNING r.provider_message_id, r.campaign_id, r.chunk
)
INSERT INTO campaigns_campaignproviderrequest (provider_message_id, campaign_id, chunk, created_at)
SELECT DISTINCT provider_message_id, campaign_id, chunk, now() FROM settled WHERE provider_message_id <> ''
ON CONFLICT DO NOTHING
"""

_SETTLE_FAILED_SQL = f"""
UPDATE campaigns_campaignleadresult r
SET status = {SETTLE_FAILED.target_sql}, error_message = v.error, retryable = v.retryable, title = v.title,
    provider = v.provider, updated_at = now()
FROM unnest(%(ids)s::uuid[], %(errors)s::text[], %(retryable)s::boolean[], %(titles)s::text[], %(providers)s::text[])
     AS v(id, error, retryable, title, provider)
WHERE r.id = v.id AND r.status IN ({SETTLE_FAILED.sources_sql}) AND r.claimed_at = %(claimed_at)s
"""

_SETTLE_UNKNOWN_SQL = f"""
UPDATE campaigns_campaignleadresult r
SET status = {SETTLE_UNKNOWN.target_sql}, error_message = v.reason, retryable = false, provider = v.provider,
    updated_at = now()
FROM unnest(%(ids)s::uuid[], %(reasons)s::text[], %(providers)s::text[]) AS v(id, reason, provider)
WHERE r.id = v.id AND r.status IN ({SETTLE_UNKNOWN.sources_sql}) AND r.claimed_at = %(claimed_at)s
"""

_RELEASE_SQL = f"""
UPDATE campaigns_campaignleadresult SET status = {RELEASE.target_sql}, claimed_at = NULL, updated_at = now()
WHERE id = ANY(%(ids)s::uuid[]) AND status IN ({RELEASE.sources_sql}) AND claimed_at = %(claimed_at)s
"""


@dataclass
class ClaimedRow:
    uuid: uuid.UUID
    email: str
    company: dict
    corporation_number: str
    data: dict = field(default_factory=dict)
    subject: str = ""
    id: str = ""

    def __post_init__(self):
        self.id = str(self.uuid)


@dataclass
class ChunkReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    released: int = 0
    skipped: str = ""  # why nothing was claimed
    unknown: int = 0
    retry_in: float | None = None  # seconds: the task schedules itself again
    # The retry is for a busy claim (rows locked elsewhere), not a provider failure: the task keeps
    # its attempt and counts a busy retry instead.
    busy: bool = False
    provider: str = ""
    # Set just before a provider is called, cleared only when it certainly did not accept the batch:
    # while set, no exception may put the claimed rows back to pending.
    provider_may_have: str = ""
    fatal: str = ""  # the campaign fails with this reason once the rows are settled


# -- window and daily cap ------------------------------------------------------------------------


def in_send_window(campaign: Campaign, *, now: datetime | None = None) -> bool:
    """The optional daily window, in Asia/Seoul; a window may run past midnight (22:00–06:00)."""
    start, end = campaign.send_window_start, campaign.send_window_end
    if start is None or end is None or start == end:
        return True
    local = (now or timezone.now()).astimezone(SEOUL).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


_QUOTA_TAKE = """
local cap = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[2]), cap - used)
if grant <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], grant)
redis.call('EXPIRE', KEYS[1], 172800)
return grant
"""


def _quota_key(user_id, now: datetime) -> str:
    return f"salesone:daily-sent:{user_id}:{now.astimezone(SEOUL).date().isoformat()}"


def daily_quota_take(*, user_id, count: int, now: datetime | None = None) -> int:
    """Reserve up to ``count`` sends of the user's daily cap (Asia/Seoul day); returns the grant."""
    cap = settings.CAMPAIGN_USER_DAILY_CAP
    if cap <= 0:
        return count
    key = _quota_key(user_id, now or timezone.now())
    return int(redis_client().eval(_QUOTA_TAKE, 1, key, cap, count))


def daily_quota_return(*, user_id, count: int, now: datetime | None = None) -> None:
    if settings.CAMPAIGN_USER_DAILY_CAP > 0 and count > 0:
        redis_client().decrby(_quota_key(user_id, now or timezone.now()), count)


# -- claim, settle -------------------------------------------------------------------------------


class ChunkBusy(Exception):
    """The claim gave up waiting for a row lock of its chunk (CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS); nothing
    was claimed."""


def _claim(
    *, campaign_id, chunk: int, limit: int, step_rows: dict = PLAIN_CLAIM_PARAMS
) -> tuple[list[ClaimedRow], datetime | None]:
    """Claim up to ``limit`` pending rows of the chunk (pending → sending, committed at once)."""
    # The recipient writer and the sequence scheduler number at most CAMPAIGN_CHUNK_SIZE rows into
    # a chunk: a limit that large takes the whole chunk in its cheaper form.
    sql = _CLAIM_CHUNK_SQL if limit >= settings.CAMPAIGN_CHUNK_SIZE else _CLAIM_SQL
    # One transaction for the claim and the give-back below: if the give-back failed after a committed
    # claim, every row would stay 'sending' with no provider holding it (later "outcome unknown").
    inside_outer = connection.in_atomic_block  # a caller's transaction (the demo data, a test)
    with transaction.atomic(), connection.cursor() as cursor:
        # The whole-chunk form waits for any row lock of its chunk (a concurrent claim commits at
        # once, but a transaction left open on one row would hold the worker forever): a short
        # lock_timeout for the claim only, and a timeout means "try this chunk later".
        # set_config(…, true) lasts to the end of the top-level transaction, not of a savepoint: inside
        # a caller's transaction the previous value is put back after the claim (an error rolls the
        # savepoint back, and the setting with it).
        if inside_outer:
            cursor.execute("SELECT current_setting('lock_timeout')")
            (previous_lock_timeout,) = cursor.fetchone()
        # now(): the transaction's start, which the claim below writes into every row's claimed_at —
        # read here once rather than returned (and parsed) with each of the chunk's rows.
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true), now()", [f"{settings.CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS}ms"]
        )
        _, transaction_now = cursor.fetchone()
        try:
            cursor.execute(sql, {"campaign": campaign_id, "chunk": chunk, "limit": limit, **step_rows})
        except OperationalError as exc:
            if isinstance(exc.__cause__, LockNotAvailable):
                raise ChunkBusy(str(exc)) from exc  # rolled back: nothing was claimed
            raise
        records = cursor.fetchall()
        if inside_outer:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous_lock_timeout])
        # One UPDATE claimed them all: they share its now().
        claimed_at = transaction_now if records else None
        if len(records) > limit:
            # A chunk numbered under a larger CAMPAIGN_CHUNK_SIZE (the setting was lowered meanwhile):
            # the rows over the limit go back to pending before anything is sent (no provider has them).
            extra = [str(record[0]) for record in records[limit:]]
            records = records[:limit]
            cursor.execute(_RELEASE_SQL, {"ids": extra, "claimed_at": claimed_at})
    rows = []
    # The lead's id comes as text: the company's "id" is its string (no UUID made and printed per row).
    for result_id, email, lead_id, corporation_number, *values in records:
        rows.append(ClaimedRow(result_id, email, company_from_columns(values, lead_id), corporation_number or ""))
    return rows, claimed_at


@dataclass
class Settlement:
    """What becomes of a chunk's claimed rows, as plain data: written in one transaction, and spooled
    to Redis as JSON when the database cannot be reached for CAMPAIGN_SETTLE_RETRY_SECONDS."""

    campaign_id: str
    chunk: int
    claimed_at: str  # ISO 8601: only rows still carrying this claim are written
    sent_provider: str = ""
    sent_at: str = ""  # ISO 8601: when the provider's answer arrived (not when it is written)
    sent: list[dict] = field(default_factory=list)  # id, title, data, provider_message_id, message_id
    failed: list[dict] = field(default_factory=list)  # id, error, retryable, title, provider
    unknown: list[dict] = field(default_factory=list)  # id, reason, provider
    released: list[str] = field(default_factory=list)  # ids certainly not accepted: back to pending

    def fail(self, row: ClaimedRow, error: str, *, retryable: bool, provider: str = "") -> None:
        self.failed.append(
            {
                "id": row.id,
                "error": error[:2000],
                "retryable": retryable,
                "title": row.subject[:998],
                "provider": provider,
            }
        )

    @property
    def key(self) -> str:
        return f"{self.campaign_id}:{self.chunk}:{self.claimed_at}"


def _write_settlement(settlement: Settlement) -> None:
    """One transaction: a settle is written whole or not at all (never half the rows sent)."""
    claimed_at = datetime.fromisoformat(settlement.claimed_at)
    with transaction.atomic(), connection.cursor() as cursor:
        if settlement.sent:
            cursor.execute(
                _SETTLE_SENT_SQL,
                {
                    "sent_at": datetime.fromisoformat(settlement.sent_at),
                    "provider": settlement.sent_provider,
                    # One JSON parameter instead of five arrays: adapting 1,000-element lists in
                    # Python costs more than the UPDATE's own planning; orjson writes it ~10x faster
                    # than json.dumps (issue 18).
                    "rows": orjson.dumps(settlement.sent).decode(),
                    "claimed_at": claimed_at,
                },
            )
        if settlement.failed:
            failed = settlement.failed
            cursor.execute(
                _SETTLE_FAILED_SQL,
                {
                    "ids": [f["id"] for f in failed],
                    "errors": [f["error"] for f in failed],
                    "retryable": [f["retryable"] for f in failed],
                    "titles": [f["title"] for f in failed],
                    "providers": [f["provider"] for f in failed],
                    "claimed_at": claimed_at,
                },
            )
        if settlement.unknown:
            unknown = settlement.unknown
            cursor.execute(
                _SETTLE_UNKNOWN_SQL,
                {
                    "ids": [u["id"] for u in unknown],
                    "reasons": [u["reason"][:2000] for u in unknown],
                    "providers": [u["provider"] for u in unknown],
                    "claimed_at": claimed_at,
                },
            )
        if settlement.released:
            cursor.execute(_RELEASE_SQL, {"ids": settlement.released, "claimed_at": claimed_at})


# -- the settle outlives a database outage ----------------------------------------------------------

SPOOL_KEY = "salesone:campaign-settle-spool"


def settle(settlement: Settlement) -> None:
    """Write the settlement. A lost database connection is waited out with the answer in hand
    (reconnect, back off) for CAMPAIGN_SETTLE_RETRY_SECONDS; then the settlement goes to a Redis
    spool that the reconcile job writes once the database is back. The provider's answer is thus
    never lost to an outage (rows become sent or failed with its words, not "outcome unknown").
    Any other error propagates: the caller decides what the rows become."""
    deadline = time.monotonic() + settings.CAMPAIGN_SETTLE_RETRY_SECONDS
    attempt = 0
    while True:
        try:
            _write_settlement(settlement)
            return
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block:
                raise  # inside a caller's transaction: nothing to reconnect here
            connection.close()
            if time.monotonic() >= deadline:
                _spool(settlement)
                logger.error(
                    "settle of campaign %s chunk %s spooled to Redis after %s attempts: %s",
                    settlement.campaign_id,
                    settlement.chunk,
                    attempt + 1,
                    exc,
                )
                return
            logger.warning("settle of campaign %s chunk %s waits for the database: %s", settlement.campaign_id,
                           settlement.chunk, exc)  # fmt: skip
            time.sleep(min(settings.CAMPAIGN_SETTLE_RETRY_SECONDS, 0.5 * 2**attempt) * random.uniform(0.5, 1))
            attempt += 1


def _spool(settlement: Settlement) -> None:
    redis_client().hset(SPOOL_KEY, settlement.key, json.dumps(asdict(settlement), ensure_ascii=False))


def settlements_apply_spooled() -> int:
    """Write the settlements spooled during a database outage; returns how many were written.
    Run by the reconcile job before it looks for stale rows, so a spooled answer wins."""
    client = redis_client()
    applied = 0
    for key, raw in client.hgetall(SPOOL_KEY).items():
        try:
            settlement = Settlement(**json.loads(raw))
        except (TypeError, ValueError):
            # Unreadable (written by another version): parked for a person, never blocking the job.
            logger.exception("spooled settle %s is unreadable: moved to %s:unreadable", key, SPOOL_KEY)
            client.hset(f"{SPOOL_KEY}:unreadable", key, raw)
            client.hdel(SPOOL_KEY, key)
            continue
        _write_settlement(settlement)
        client.hdel(SPOOL_KEY, key)
        applied += 1
    return applied


# -- the chunk -----------------------------------------------------------------------------------


def backoff_seconds(attempt: int, *, hint: float | None = None, longest: float | None = None) -> float:
    """Exponential backoff with full jitter, never shorter than the provider's Retry-After."""
    longest = settings.CAMPAIGN_RETRY_MAX_SECONDS if longest is None else longest
    ceiling = min(longest, settings.CAMPAIGN_RETRY_BASE_SECONDS * 2**attempt)
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, hint or 0.0)


def _profiles(rows: list[ClaimedRow]) -> list[LeadProfile]:
    numbers = [r.corporation_number for r in rows if r.corporation_number]
    extra: dict[str, tuple[list, list]] = {}
    if numbers:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT s.corporation_number, s.handle_goods,
                       COALESCE(array_agg(k.name ORDER BY k.name) FILTER (WHERE k.name IS NOT NULL), '{}')
                FROM salesone_leads_salesonelead s
                LEFT JOIN salesone_leads_salesonelead_keywords sk ON sk.salesonelead_id = s.id
                LEFT JOIN salesone_leads_keyword k ON k.id = sk.keyword_id
                WHERE s.corporation_number = ANY(%s)
                GROUP BY s.id
                """,
                [numbers],
            )
            for number, goods, keywords in cursor.fetchall():
                if isinstance(goods, str):
                    goods = [goods]
                extra[number] = ([str(g) for g in goods or []], list(keywords))
    profiles = []
    for row in rows:
        goods, keywords = extra.get(row.corporation_number, ([], []))
        c = row.company
        profiles.append(
            LeadProfile(
                name=c.get("name") or "",
                owner=c.get("owner") or "",
                industry=c.get("industry") or "",
                goods=goods,
                keywords=keywords,
                si_nm=c.get("si_nm") or "",
                sgg_nm=c.get("sgg_nm") or "",
            )
        )
    return profiles


def sender_for(campaign: Campaign) -> SenderInfo:
    user = campaign.user
    return SenderInfo(
        name=campaign.sender_name or user.full_name,
        email=user.email,
        contact=campaign.sender_contact or user.email,
    )


def from_address(sender: SenderInfo) -> str:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = sender.name.replace('"', "")
    return f'"{name}" <{address}>'


def message_domain() -> str:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "salesone.kr"


def campaign_list_headers(campaign: Campaign, domain: str) -> dict[str, str]:
    """The headers mail providers group a campaign's messages by: List-Id (RFC 2919) and Gmail's
    Feedback-ID (campaign : owner : sender id), whose spam reports then name the campaign."""
    return {
        "List-Id": f"<{campaign.pk}.campaigns.{domain}>",
        "Feedback-ID": f"{campaign.pk}:{campaign.user_id}:salesone",
    }


def _render_error(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, TemplateError) or not text else text


def build_messages(
    campaign: Campaign, rows: list[ClaimedRow]
) -> tuple[list[EmailMessage], list[str], list[tuple[ClaimedRow, str]]]:
    """Render each claimed row; returns the messages, their Message-IDs, and (row, reason) of the
    rows that could not be rendered."""
    template = campaign.template
    sender = sender_for(campaign)
    from_email = campaign_from_address(campaign, from_address(sender))
    routes = row_routes(campaign, [row.id for row in rows])  # a sequence step's mailbox and thread
    domain = message_domain()
    campaign_id = str(campaign.pk)
    if uses_variable(template.title, "data") or uses_variable(template.body, "data"):
        texts = get_personalization_backend().generate(_profiles(rows), campaign_id=campaign_id, sender=sender.name)
        for row, text in zip(rows, texts, strict=True):
            row.data = {"llm-generation": text}
    user = campaign.user
    renderer = BatchRenderer(
        template.title,
        template.body,
        {
            "user": {
                "name": sender.name,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "contact": sender.contact,
            },
            "campaign": {"id": campaign_id, "name": campaign.name},
        },
        template.text_body,
    )
    footer = AdvertisingFooter(sender) if campaign.is_advertising else None
    list_headers = campaign_list_headers(campaign, domain)

    def render_row(row: ClaimedRow, token: str) -> MergedMessage:
        """One row rendered in full: the template, the document, its text part, the footer, the links."""
        result_id = row.uuid
        rendered = renderer.render(row.company, row.data)
        subject = threaded_subject(routes.get(row.id), rendered.subject)
        subject = advertising_subject(subject) if footer is not None else subject
        # A complete document and its text part; the text keeps the links as written (only the
        # HTML's links are tracked).
        html = html_document(rendered.html, subject)
        text = rendered.text or html_to_text(rendered.html)
        if footer is not None:
            unsubscribe = unsubscribe_url(result_id, token=token)
            html = insert_before_body_end(html, footer(unsubscribe))
            text += footer.text(unsubscribe)
        if campaign.plain_text:
            html = ""  # text only: no pixel, links as written
        else:  # after the footer: the pixel comes last
            html = instrument_html(
                html, result_id, token=token, clicks=campaign.track_clicks, opens=campaign.track_opens
            )
        return MergedMessage(subject=subject, html=html, text=text)

    # Once per chunk: the e-mail with markers for each row's values (merge_render.py), proven on the
    # chunk's first row against a full render before it is used.
    # Rows answering an earlier message ("Re: " its subject) are rendered in full.
    threaded = any(route.thread_subject for route in routes.values())
    skeleton = None
    if not threaded:
        skeleton = ChunkSkeleton.build(
            title=template.title,
            body=template.body,
            text_body=template.text_body,
            footer=footer,
            plain_text=campaign.plain_text,
            clicks=campaign.track_clicks,
            opens=campaign.track_opens,
        )
    limit = renderer.limits.output_chars
    signer = ChunkSigner()

    def merge_row(row: ClaimedRow, token: str) -> MergedMessage:
        context = renderer.context(row.company, row.data)
        sign = signer.link_signer(row.uuid)
        merged = skeleton.merge(context=context, sign=sign, token=token, advertising=footer is not None)
        # Past the output limit the full render raises the limit's error with its words.
        return merged if skeleton.output_chars(merged) <= limit else render_row(row, token)

    messages, message_ids, failures = [], [], []
    kept = []
    proven = False
    for row in rows:
        result_id = row.uuid
        # The tracked links, the footer's link and the List-Unsubscribe header share one signed token.
        token = signer.token(result_id)
        try:
            if skeleton is None:
                merged = render_row(row, token)
            elif proven:
                merged = merge_row(row, token)
            else:
                merged = render_row(row, token)
                proven = _merge_agrees(merge_row, row, token, merged)
                if not proven:
                    logger.warning("campaign %s: merged e-mail differs from the rendered one; rendering", campaign_id)
                    skeleton = None
        except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
            # A template is the user's code: what it raises for one lead ({{ 1/0 }}, a bad index, an
            # operation on a missing value) fails that row with the reason, not the whole chunk.
            failures.append((row, f"The template could not be rendered for this lead: {_render_error(exc)}"))
            continue
        subject, html, text = merged.subject, merged.html, merged.text
        route = routes.get(row.id)
        row.subject = subject
        message_id = f"<{row.id}@{domain}>"
        messages.append(
            EmailMessage(
                to=row.email,
                subject=subject[:998],
                html=html,
                text=text,
                from_email=(
                    mailbox_address(email=route.mailbox_email, name=route.mailbox_name or sender.name)
                    if route and route.mailbox_email
                    else from_email
                ),
                reply_to=user.email,
                headers={
                    **signer.list_unsubscribe_headers(token),
                    **list_headers,
                    **thread_headers(route),
                },
                custom_args={"campaign_id": campaign_id, "result_id": row.id},
                category="campaign",
                message_id=message_id,
            )
        )
        message_ids.append(message_id)
        kept.append(row)
    rows[:] = kept
    return messages, message_ids, failures


def _merge_agrees(merge_row, row: ClaimedRow, token: str, rendered: MergedMessage) -> bool:
    """Whether the skeleton makes exactly the e-mail the full render made for this row."""
    try:
        return merge_row(row, token) == rendered
    except Exception:  # a case the skeleton does not handle: the chunk renders every row
        logger.exception("the chunk skeleton failed on a row the render handled")
        return False


def _wait_for_tokens(provider: EmailProvider, count: int) -> float:
    """Block (briefly) until the provider's bucket has room; returns seconds still to wait if too long."""
    while True:
        wait = rate_limit_take(provider_name=provider.name, count=count)
        if wait <= 0:
            return 0.0
        if wait > MAX_RATE_LIMIT_WAIT:
            return wait
        time.sleep(wait)


def _unknown_reason(cause: str) -> str:
    return f"Outcome unknown: {cause}. It is not sent again automatically; re-send it explicitly if it did not arrive."


def _send_by_request(provider: EmailProvider, messages: list[EmailMessage]) -> tuple[list[SendResult | None], str]:
    """``provider.send_planned`` one provider request at a time, so that an error in a later request
    cannot hide that earlier ones were accepted (a batch is split when a body is too large to
    substitute, or an address repeats). An error in the first request propagates as it is. After
    that, the accepted answers are kept; the failing request's rows are None when the provider may
    have them (outcome unknown), and the rows not yet requested come back transient (sent later).
    Returns the results and the error's text."""
    groups = provider.plan_requests(messages) if len(messages) > 1 else [list(range(len(messages)))]
    if len(groups) == 1:
        return provider.send_planned(messages), ""
    results: list[SendResult | None] = [None] * len(messages)
    for number, indexes in enumerate(groups):
        try:
            answered = provider.send_planned([messages[i] for i in indexes])
        except (TransientEmailError, PermanentEmailError) as exc:
            if number == 0:
                raise
            error = f"{provider.name} failed on request {number + 1} of {len(groups)} of this batch: {exc}"
            unknown = isinstance(exc, TransientEmailError) and exc.outcome_unknown
            for later in groups[number + (1 if unknown else 0) :]:
                for i in later:
                    results[i] = SendResult(provider=provider.name, accepted=False, transient=True, error=error)
            return results, error
        for i, result in zip(indexes, answered, strict=True):
            results[i] = result
    return results, ""


def campaign_send_chunk(*, campaign_id, chunk: int, attempt: int = 0, busy: int = 0) -> ChunkReport:
    """``attempt``: provider retries used so far; ``busy``: times this chunk found its rows locked."""
    campaign = Campaign.objects.select_related("template", "user", "mailbox").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.IN_PROGRESS:
        return ChunkReport(skipped="the campaign is not in progress")
    now = timezone.now()
    if not in_send_window(campaign, now=now):
        # Rows stay pending; the reconcile job dispatches the chunk again once the window opens.
        return ChunkReport(skipped="outside the sending window")
    granted = daily_quota_take(user_id=campaign.user_id, count=settings.CAMPAIGN_CHUNK_SIZE, now=now)
    if granted <= 0:
        return ChunkReport(skipped="the user's daily sending cap is reached")
    try:
        allowed = campaign_mailbox_take(campaign, count=granted, now=now)  # the mailbox's rolling caps
    except Exception:
        _give_back(campaign, now=now, quota=granted, mailbox=0)
        raise
    if allowed <= 0:
        _give_back(campaign, now=now, quota=granted, mailbox=0)
        if campaign.mailbox_id and services.campaign_pause_if_mailbox_deactivated(campaign_id=campaign.pk):
            return ChunkReport(skipped="the mailbox is deactivated: campaign paused")
        return ChunkReport(skipped="the mailbox's sending cap is reached")
    try:
        rows, claimed_at = _claim(
            campaign_id=campaign.pk, chunk=chunk, limit=allowed, step_rows=step_row_claim_params(campaign, now)
        )
    except ChunkBusy as exc:
        _give_back(campaign, now=now, quota=granted, mailbox=allowed)
        # The rows stay pending. A lock is not the provider's failure: the attempt stays as it is
        # (a lock held a few minutes must not leave the next 429 fatal). A few busy retries, capped
        # and jittered; then the chunk is left to the reconcile job, which re-dispatches a quiet
        # campaign's pending chunks — no chain of re-queues beside the ones it starts.
        if busy >= settings.CAMPAIGN_CLAIM_BUSY_RETRIES:
            logger.warning("campaign %s chunk %s: rows still locked after %s tries, left to the reconcile job: %s",
                           campaign.pk, chunk, busy + 1, exc)  # fmt: skip
            return ChunkReport(skipped="another transaction holds rows of this chunk: left to the reconcile job")
        logger.warning("campaign %s chunk %s: rows locked by another transaction, tried later: %s",
                       campaign.pk, chunk, exc)  # fmt: skip
        return ChunkReport(
            skipped="another transaction holds rows of this chunk: tried again later",
            retry_in=backoff_seconds(busy, longest=settings.CAMPAIGN_ORPHAN_SECONDS),
            busy=True,
        )
    except Exception:
        _give_back(campaign, now=now, quota=granted, mailbox=allowed)
        raise
    _give_back(campaign, now=now, quota=granted - len(rows), mailbox=allowed - len(rows))
    if not rows:
        return ChunkReport(skipped="nothing pending in this chunk")
    report = ChunkReport(claimed=len(rows))
    settlement = Settlement(campaign_id=str(campaign.pk), chunk=chunk, claimed_at=claimed_at.isoformat())
    try:
        _send_claimed(campaign, rows, settlement, attempt, report)
        settle(settlement)
    except Exception as exc:
        _settle_after_error(rows, settlement, report, exc)
        if not report.provider_may_have:
            _give_back(campaign, now=now, quota=len(rows), mailbox=len(rows))
        if not isinstance(exc, TRANSIENT_ERRORS):
            # Not an outage the task retry waits out: every chunk would meet it again. Stop the
            # campaign and say why (pending rows stay pending for a start after the fix), rather
            # than stay in progress with nothing that can make progress.
            with contextlib.suppress(Exception):
                services.campaign_fail(
                    campaign_id=campaign.pk,
                    reason=f"Sending stopped on an unexpected error in chunk {chunk}: {type(exc).__name__}: {exc}",
                )
        raise
    if report.released:
        _give_back(campaign, now=now, quota=report.released, mailbox=report.released)
    Campaign.objects.filter(pk=campaign.pk).update(last_progress_at=timezone.now())
    if report.fatal:
        services.campaign_fail(campaign_id=campaign.pk, reason=report.fatal)
    else:
        services.campaign_complete_if_done(campaign_id=campaign.pk)
    return report


def _give_back(campaign: Campaign, *, now, quota: int, mailbox: int) -> None:
    """Return unused sends to the user's daily quota and the campaign's mailbox. Best effort: a
    failure here (Redis or the database gone) must not keep claimed rows from being settled or
    released — a send left reserved only lowers what may go out today, the safe side of a cap."""
    try:
        if quota > 0:
            daily_quota_return(user_id=campaign.user_id, count=quota, now=now)
        if mailbox > 0:
            campaign_mailbox_return(campaign, count=mailbox, now=now)
    except Exception:
        logger.warning(
            "campaign %s: could not give back %s quota / %s mailbox sends", campaign.pk, quota, mailbox, exc_info=True
        )


def _settle_after_error(rows: list[ClaimedRow], settlement: Settlement, report: ChunkReport, exc: Exception) -> None:
    """An exception before the settle was written. Before any provider call the rows go back to
    pending; after one, a provider may have the batch, so every row still claimed becomes
    "outcome unknown" with the reason — e-mailing it again could give the lead a second copy.
    If even this cannot be written, the rows stay 'sending' and the reconcile job marks them
    unknown after the lease: never pending."""
    claimed_at = settlement.claimed_at
    settlement = Settlement(campaign_id=settlement.campaign_id, chunk=settlement.chunk, claimed_at=claimed_at)
    if report.provider_may_have:
        reason = _unknown_reason(
            f"{report.provider_may_have} may have accepted this e-mail, but the worker failed before recording "
            f"its answer ({type(exc).__name__}: {str(exc)[:500]})"
        )
        settlement.unknown = [{"id": row.id, "reason": reason, "provider": report.provider_may_have} for row in rows]
        report.unknown = len(rows)
    else:
        settlement.released = [row.id for row in rows]
    try:
        settle(settlement)
    except Exception:
        logger.exception("campaign %s chunk %s: could not record the rows after an error", settlement.campaign_id,
                         settlement.chunk)  # fmt: skip


def _send_claimed(
    campaign: Campaign, rows: list[ClaimedRow], settlement: Settlement, attempt: int, report: ChunkReport
) -> None:
    """Render and send the claimed rows, filling the settlement with what each row becomes.
    report.provider_may_have is set before each provider call."""
    suppressed = suppression_reasons([r.email for r in rows], user_id=campaign.user_id)
    for row in rows:
        if row.email in suppressed:
            settlement.fail(row, f"The address is on the suppression list ({suppressed[row.email]}).", retryable=False)
    rows = [r for r in rows if r.email not in suppressed]
    messages, message_ids, render_failures = build_messages(campaign, rows)
    for row, error in render_failures:
        settlement.fail(row, error, retryable=True)
    report.failed = len(settlement.failed)
    if not messages:
        errors = {error for _, error in render_failures}
        if len(render_failures) > 1 and len(errors) == 1:
            # Every row of the chunk fails to render for one reason: the template is broken, and
            # every other chunk would fail the same way. Stop the campaign and say why. (One row
            # alone — a last chunk of one — says nothing of the others: it just fails.)
            report.fatal = errors.pop()
        return

    def send(provider: EmailProvider) -> tuple[list[SendResult | None], str]:
        # Recorded before the call: from here on the rows are never released on an exception.
        report.provider_may_have = provider.name
        return _send_by_request(provider, messages)

    def declined(provider: EmailProvider) -> None:
        report.provider_may_have = ""  # the provider answered that it did not accept the batch

    try:
        results, partial_error = send_with_fallback(
            send, wait_for=lambda provider: _wait_for_tokens(provider, len(messages)), on_declined=declined
        )
    except TransientEmailError as exc:
        if exc.outcome_unknown:
            reason = _unknown_reason(str(exc))
            settlement.unknown = [
                {"id": row.id, "reason": reason, "provider": report.provider_may_have} for row in rows
            ]
            report.unknown = len(rows)
            return
        if attempt >= settings.CAMPAIGN_TRANSIENT_MAX_RETRIES:
            reason = f"Gave up after {attempt + 1} attempts: {exc}"
            for row in rows:
                settlement.fail(row, reason, retryable=True)
            report.failed = len(settlement.failed)
            return
        settlement.released = [row.id for row in rows]
        report.released = len(rows)
        report.retry_in = backoff_seconds(attempt, hint=exc.retry_after)
        return
    except PermanentEmailError as exc:
        if exc.affects_all:
            # Every provider refuses our credentials: nothing will get through. Stop the campaign
            # and say why; the rows were certainly not sent and go back to pending.
            settlement.released = [row.id for row in rows]
            report.released = len(rows)
            report.fatal = str(exc)
            return
        for row in rows:
            settlement.fail(row, str(exc), retryable=True, provider=report.provider_may_have)
        report.failed = len(settlement.failed)
        return

    settlement.sent_at = timezone.now().isoformat()
    again = []
    for row, result, message_id in zip(rows, results, message_ids, strict=True):
        if result is None:  # in the request that failed after earlier ones were accepted
            reason = _unknown_reason(partial_error)
            settlement.unknown.append({"id": row.id, "reason": reason, "provider": report.provider_may_have})
            report.unknown += 1
        elif result.accepted:
            settlement.sent_provider = result.provider
            settlement.sent.append(
                {
                    "id": row.id,
                    "title": row.subject[:998],
                    "data": row.data,
                    "provider_message_id": result.message_id[:255],
                    "message_id": message_id,
                }
            )
        elif result.transient:
            again.append(row.id)
        else:
            settlement.fail(row, result.error, retryable=True, provider=result.provider)
    report.sent, report.failed, report.provider = len(settlement.sent), len(settlement.failed), settlement.sent_provider
    if again:
        settlement.released = again
        report.released = len(again)
        report.retry_in = backoff_seconds(attempt)
