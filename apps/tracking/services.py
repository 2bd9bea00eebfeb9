"""Recording tracking events and applying them to campaign results and the suppression list.

Two steps, so the request path stays cheap:
1. ``event_record`` / ``events_record`` (request path): push the event, as JSON, onto a Redis list and
   return. If Redis does not answer, the event is written to the database right away instead; if
   neither answers, ``TrackingUnavailable`` (the caller answers 5xx, never a 2xx for a lost event).
2. ``tracking_queue_drain`` (the ``ingest_tracking_events`` task): move batches off the list and give
   each to ``events_ingest``, which writes them with bulk statements.

``events_ingest`` is idempotent: every event carries a unique key (the provider's event id, or one
drawn when the request came in), so a redelivered webhook or a re-drained batch changes nothing.
A result's summary columns are recomputed from its events under a row lock and only move forward.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import redis
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Min, Q
from psycopg.types.json import Jsonb

from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignProviderRequest
from apps.campaigns.result_states import ENGAGEMENT_FIELDS, engagement_write, status_after_events
from apps.consent.services import consent_withdraw
from apps.mail.models import SuppressedAddress
from apps.mail.suppression import suppressions_add
from services.email.tracking import InboundMail, ProviderEvent

from . import machine
from .connections import tracking_redis
from .models import InboundMessage, TrackingEvent, WebhookToken
from .realtime import publish_campaign_updates

logger = logging.getLogger(__name__)

Kind = TrackingEvent.Kind
Status = CampaignLeadResult.Status

PROCESSING_SUFFIX = ":processing"
DEAD_SUFFIX = ":dead"
_LOCK_KEY_SUFFIX = ":lock"

_SUPPRESSING = {
    Kind.UNSUBSCRIBE: SuppressedAddress.Reason.UNSUBSCRIBED,
    Kind.COMPLAINT: SuppressedAddress.Reason.COMPLAINED,
}


# --------------------------------------------------------------------------------------- the queue


_down_until: dict[str, float] = {}  # per Redis URL: until when the request path skips it


def new_event(
    *,
    kind: str,
    source: str,
    result_id: uuid.UUID | str | None = None,
    occurred_at: float | None = None,
    event_key: str | None = None,
    email: str = "",
    user_agent: str = "",
    ip: str | None = None,
    url: str = "",
    method: str = "GET",
    machine_reason: str = "",
    detail: str = "",
    provider_message_ids: Iterable[str] = (),
    suppress: str = "",
    raw: dict | None = None,
) -> dict:
    """An event as it travels through the queue (plain JSON types only)."""
    return {
        "key": event_key or f"{source}:{uuid.uuid4().hex}",
        "kind": kind,
        "source": source,
        "result": str(result_id) if result_id else None,
        "at": occurred_at if occurred_at is not None else time.time(),
        "email": email,
        "ua": user_agent[:1000],
        "ip": _valid_ip(ip),
        "url": url,
        "method": method,
        "machine": machine_reason,
        "detail": detail,
        "pmids": [p for p in provider_message_ids if p],
        "suppress": suppress,
        "raw": raw or {},
    }


def _valid_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


class TrackingUnavailable(Exception):
    """Neither the Redis queue nor PostgreSQL took the events: the caller must not answer 2xx."""


# The database being away is not the events' fault: they wait, they are not declared dead.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def event_record(event: dict) -> None:
    """Queue one event (the open pixel and click redirect path)."""
    events_record([event])


def events_record(events: list[dict]) -> None:
    """Queue events for the batch writer; if Redis is down, write them now. Never drops one.

    Raises TrackingUnavailable when Redis and PostgreSQL are both down (the event is not kept).
    """
    if not events:
        return
    if _queue_push(events):
        return
    try:
        events_ingest(events=events)
    except DATABASE_UNAVAILABLE as exc:
        # Redis may be back within its skip window: one more try before giving up.
        if _queue_push(events, retry_now=True):
            return
        raise TrackingUnavailable("Neither the event queue (Redis) nor the database answers.") from exc


def _queue_push(events: list[dict], *, retry_now: bool = False) -> bool:
    """Push events onto the Redis list; False when Redis is down (or was, moments ago)."""
    url = settings.TRACKING_REDIS_URL
    if not retry_now and _down_until.get(url, 0.0) > time.monotonic():
        return False
    try:
        length = tracking_redis().rpush(settings.TRACKING_QUEUE_KEY, *[_queued(e) for e in events])
    except redis.RedisError as exc:
        # Skip Redis for a few seconds so every request does not pay the timeout during an outage.
        _down_until[url] = time.monotonic() + settings.TRACKING_REDIS_RETRY_AFTER
        logger.warning("tracking queue unavailable, writing %d event(s) directly: %s", len(events), exc)
        return False
    _down_until.pop(url, None)
    _maybe_trigger_drain(length, len(events))
    return True


def _queued(event: dict) -> bytes | str:
    """An event as it sits in the queue. orjson writes a pixel's or click's event in ~1 µs where
    ``json.dumps`` takes ~18 µs (issue 18: every open and click, and 1,000 events per webhook batch);
    what orjson refuses (an integer beyond 64 bits in a provider's raw payload) goes through
    ``json.dumps``, which writes it as JSON too: the batch writer's ``json.loads`` reads either."""
    try:
        return orjson.dumps(event)
    except orjson.JSONEncodeError:
        return json.dumps(event)


def _maybe_trigger_drain(length: int, added: int) -> None:
    """Start a drain when the list crosses a full batch, instead of waiting for the beat."""
    batch = settings.TRACKING_INGEST_BATCH_SIZE
    if length // batch != (length - added) // batch:
        from .tasks import ingest_tracking_events

        try:
            ingest_tracking_events.delay()
        except Exception as exc:  # the beat drains it anyway
            logger.warning("could not trigger ingest_tracking_events: %s", exc)


_MOVE_BATCH = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[2], unpack(items))
end
return items
"""


@dataclass
class DrainStats:
    batches: int = 0
    events: int = 0
    dead: int = 0


def tracking_queue_drain(*, max_batches: int | None = None, max_seconds: float | None = None) -> DrainStats:
    """Write queued events to the database in batches. One drain at a time (a Redis lock).

    Events are moved to a processing list before they are written and removed only after the
    transaction committed, so a crash re-drains them (harmless: ingestion is idempotent). An event
    that fails on its own goes to the ``:dead`` list for inspection rather than blocking the queue.
    """
    stats = DrainStats()
    client = tracking_redis()
    key = settings.TRACKING_QUEUE_KEY
    processing = key + PROCESSING_SUFFIX
    lock = client.lock(key + _LOCK_KEY_SUFFIX, timeout=120)
    if not lock.acquire(blocking=False):
        return stats
    deadline = time.monotonic() + (max_seconds if max_seconds is not None else settings.TRACKING_INGEST_MAX_SECONDS)
    move = client.register_script(_MOVE_BATCH)
    try:
        items = client.lrange(processing, 0, -1)  # left by a drain that crashed
        while True:
            if not items:
                if (max_batches is not None and stats.batches >= max_batches) or time.monotonic() > deadline:
                    break
                items = move(keys=[key, processing], args=[settings.TRACKING_INGEST_BATCH_SIZE])
                if not items:
                    break
            stats.dead += _ingest_raw(items, client)
            client.delete(processing)
            stats.batches += 1
            stats.events += len(items)
            items = []
            lock.reacquire()
    finally:
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()
    return stats


def _ingest_raw(items: list[bytes], client: redis.Redis) -> int:
    events = []
    for item in items:
        try:
            events.append(json.loads(item))
        except ValueError:
            client.rpush(settings.TRACKING_QUEUE_KEY + DEAD_SUFFIX, item)
    try:
        events_ingest(events=events)
        return len(items) - len(events)
    except DATABASE_UNAVAILABLE:
        raise  # the batch stays in the processing list; the next drain writes it
    except Exception:
        logger.exception("tracking batch of %d failed; retrying event by event", len(events))
    dead = len(items) - len(events)
    for event in events:
        try:
            events_ingest(events=[event])
        except DATABASE_UNAVAILABLE:
            raise
        except Exception:
            logger.exception("tracking event %s moved to the dead list", event.get("key"))
            client.rpush(settings.TRACKING_QUEUE_KEY + DEAD_SUFFIX, json.dumps(event))
            dead += 1
    return dead


def tracking_dead_requeue() -> int:
    """Put the events of the ``:dead`` list back on the queue (after the cause was fixed)."""
    client = tracking_redis()
    key = settings.TRACKING_QUEUE_KEY
    moved = 0
    while client.lmove(key + DEAD_SUFFIX, key, "LEFT", "RIGHT") is not None:
        moved += 1
    return moved


# ------------------------------------------------------------------------------------- ingestion


@dataclass
class IngestStats:
    received: int = 0
    stored: int = 0  # new events (duplicates of stored ones are skipped)
    results_changed: int = 0
    suppressed: int = 0


def _as_uuid(value) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(float(epoch), tz=UTC)


def events_ingest(*, events: list[dict]) -> IngestStats:
    """Store events, move their results forward and suppress addresses — in one transaction."""
    stats = IngestStats(received=len(events))
    if not events:
        return stats
    # The same event twice in one batch is one event.
    events = list({e["key"]: e for e in events}.values())
    with transaction.atomic():
        results, result_of = _lock_results(events)
        existing = set(
            TrackingEvent.objects.filter(event_key__in=[e["key"] for e in events]).values_list("event_key", flat=True)
        )
        rows = []
        for event in events:
            if event["key"] in existing:
                continue
            result = results.get(result_of[event["key"]])
            rows.append(_event_row(event, result))
        _insert_events(rows)
        stats.stored = len(rows)
        touched = {row.result_id for row in rows if row.result_id}
        changed = results_refresh(results=[results[rid] for rid in sorted(touched)])
        stats.results_changed = len(changed)
        stats.suppressed = _suppress(rows)
        if rows:
            owners = dict(
                Campaign.objects.filter(id__in={row.campaign_id for row in rows if row.campaign_id}).values_list(
                    "id", "user_id"
                )
            )
            transaction.on_commit(lambda: publish_campaign_updates(events=rows, owners=owners))
    return stats


def _lock_results(events: list[dict]) -> tuple[dict[uuid.UUID, CampaignLeadResult], dict[str, uuid.UUID | None]]:
    """The results the events name, locked (NO KEY UPDATE, in id order: no deadlocks) for this batch,
    and which result each event (by key) belongs to.

    An event names its result by id (our token, or the provider's custom args), else by the
    provider's message id and the recipient's address.
    """
    ids = {rid for e in events if (rid := _as_uuid(e.get("result")))}
    pmids = {p for e in events if not _as_uuid(e.get("result")) for p in e.get("pmids", ())}
    # One provider request carries up to 1,000 recipients under one message id (SendGrid's
    # X-Message-Id, Mailgun's id): the recipient's address tells them apart.
    by_pmid: dict[str, dict[str, uuid.UUID]] = {}
    if pmids:
        # The result table has no provider-id index (its settle stays HOT): the request table names
        # the (campaign, chunk) of each id, whose rows the (campaign, chunk) index finds.
        requests = set(
            CampaignProviderRequest.objects.filter(provider_message_id__in=pmids).values_list("campaign_id", "chunk")
        )
        if requests:
            in_requests = Q()
            for campaign_id, chunk in requests:
                in_requests |= Q(campaign_id=campaign_id, chunk=chunk)
            by_provider_id = CampaignLeadResult.objects.filter(in_requests, provider_message_id__in=pmids)
            for rid, pmid, email in by_provider_id.values_list("id", "provider_message_id", "email"):
                by_pmid.setdefault(pmid, {})[email.strip().lower()] = rid

    def by_provider_id_of(event: dict) -> uuid.UUID | None:
        email = (event.get("email") or "").strip().lower()
        for pmid in event.get("pmids", ()):
            recipients = by_pmid.get(pmid, {})
            if email in recipients:
                return recipients[email]
            if not email and len(recipients) == 1:
                return next(iter(recipients.values()))
        return None

    result_of = {}
    for event in events:
        rid = _as_uuid(event.get("result")) or by_provider_id_of(event)
        result_of[event["key"]] = rid
        if rid is not None:
            ids.add(rid)
    locked = {
        r.id: r
        for r in CampaignLeadResult.objects.select_for_update(no_key=True, of=("self",))
        .filter(id__in=ids)
        .only(*_RESULT_FIELDS)
        .order_by("id")
    }
    return locked, {key: rid if rid in locked else None for key, rid in result_of.items()}


_RESULT_FIELDS = (
    "id",
    "campaign_id",
    "email",
    "status",
    "error_message",
    "sent_at",
    "delivered_at",
    "opened_at",
    "clicked_at",
    "replied_at",
    "bounced_at",
    "unsubscribed_at",
    "complained_at",
    "open_count",
    "click_count",
)


def _event_row(event: dict, result: CampaignLeadResult | None) -> TrackingEvent:
    occurred_at = _when(event["at"])
    reason = event.get("machine") or ""
    if (
        not reason
        and event["kind"] == Kind.CLICK
        and result is not None
        and machine.click_too_soon(clicked_at=occurred_at, sent_at=result.sent_at, delivered_at=result.delivered_at)
    ):
        reason = TrackingEvent.MachineReason.TOO_SOON
    row = TrackingEvent(
        result=result,
        campaign_id=result.campaign_id if result else None,
        kind=event["kind"],
        occurred_at=occurred_at,
        email=(event.get("email") or (result.email if result else "") or "")[:254],
        source=event["source"],
        user_agent=event.get("ua") or "",
        ip=event.get("ip") or None,
        url=event.get("url") or "",
        is_machine=bool(reason),
        machine_reason=reason,
        detail=event.get("detail") or "",
        event_key=event["key"][:255],
        provider_message_id=(event.get("pmids") or [""])[0][:255],
        raw=event.get("raw") or {},
    )
    # Parsers say when a bounce or drop suppresses the address (hard bounces do, soft ones do not).
    row.suppress = event.get("suppress") or _SUPPRESSING.get(event["kind"], "")
    return row


def _insert_events(rows: list[TrackingEvent]) -> None:
    """COPY the batch into a session temp table, then INSERT … ON CONFLICT DO NOTHING.

    Several times faster than bulk_create for 1,000 rows, and still idempotent on event_key (a batch
    written twice, or a concurrent direct write of the same event, inserts it once).
    """
    if not rows:
        return
    meta = TrackingEvent._meta
    fields = list(meta.concrete_fields)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    now = datetime.now(tz=UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS tracking_event_load (LIKE "{meta.db_table}") ON COMMIT DELETE ROWS'
        )
        # Values go as they are (UUID, datetime, str, bool, None): psycopg adapts them; only the JSON
        # column needs wrapping. Skipping Django's per-field preparation halves the Python time.
        attnames = [field.attname for field in fields]
        raw_index = attnames.index("raw")
        with cursor.copy(f"COPY tracking_event_load ({columns}) FROM STDIN") as copy:
            for row in rows:
                row.created_at = row.updated_at = now
                values = [getattr(row, name) for name in attnames]
                values[raw_index] = Jsonb(values[raw_index])
                copy.write_row(values)
        cursor.execute(
            f'INSERT INTO "{meta.db_table}" ({columns}) SELECT {columns} FROM tracking_event_load '
            "ON CONFLICT (event_key) DO NOTHING"
        )
        cursor.execute("DELETE FROM tracking_event_load")


def _suppress(rows: list[TrackingEvent]) -> int:
    """Unsubscribes, complaints and hard bounces put the address on the suppression list."""
    entries: dict[str, SuppressedAddress] = {}
    for row in rows:
        reason = row.suppress
        email = (row.email or "").strip().lower()
        if not reason or not email or email in entries:
            continue
        entries[email] = SuppressedAddress(
            email=email,
            reason=reason,
            source=f"{row.source}:{row.result_id}" if row.result_id else row.source,
            detail=row.detail[:2000],
        )
    return suppressions_add(entries.values())


def results_refresh(*, results: list[CampaignLeadResult]) -> list[CampaignLeadResult]:
    """Recompute each (locked) result's summary from its events; columns only move forward, and the
    status follows apps/campaigns/result_states.py.

    Human events set opened_at/clicked_at/replied_at and the counts; machine events are kept but
    never counted. A human click implies the mail was opened (images may be blocked).
    """
    if not results:
        return []
    human = Q(is_machine=False)
    aggregates = {
        row["result_id"]: row
        for row in TrackingEvent.objects.filter(result__in=[r.id for r in results])
        .values("result_id")
        .annotate(
            delivered=Min("occurred_at", filter=Q(kind=Kind.DELIVERED)),
            opened=Min("occurred_at", filter=Q(kind=Kind.OPEN) & human),
            opens=Count("id", filter=Q(kind=Kind.OPEN) & human),
            clicked=Min("occurred_at", filter=Q(kind=Kind.CLICK) & human),
            clicks=Count("id", filter=Q(kind=Kind.CLICK) & human),
            replied=Min("occurred_at", filter=Q(kind=Kind.REPLY) & human),
            bounced=Min("occurred_at", filter=Q(kind=Kind.BOUNCE)),
            dropped=Min("occurred_at", filter=Q(kind=Kind.DROPPED)),
            complained=Min("occurred_at", filter=Q(kind=Kind.COMPLAINT)),
            unsubscribed=Min("occurred_at", filter=Q(kind=Kind.UNSUBSCRIBE)),
        )
        .order_by()
    }
    changed = []
    for result in results:
        agg = aggregates.get(result.id)
        if agg is None:
            continue
        before = {name: getattr(result, name) for name in ENGAGEMENT_FIELDS}
        opened = _earliest(agg["opened"], agg["clicked"])
        result.delivered_at = _earliest(result.delivered_at, agg["delivered"])
        result.opened_at = _earliest(result.opened_at, opened)
        result.clicked_at = _earliest(result.clicked_at, agg["clicked"])
        result.replied_at = _earliest(result.replied_at, agg["replied"])
        result.bounced_at = _earliest(result.bounced_at, agg["bounced"])
        result.complained_at = _earliest(result.complained_at, agg["complained"])
        result.unsubscribed_at = _earliest(result.unsubscribed_at, agg["unsubscribed"])
        result.open_count = max(result.open_count, agg["opens"], 1 if opened and not agg["opens"] else 0)
        result.click_count = max(result.click_count, agg["clicks"])
        # Which status the new timestamps reach: the result-row state machine's rule.
        result.status = status_after_events(result, dropped=agg["dropped"] is not None)
        if result.status == Status.FAILED and before["status"] != Status.FAILED and not result.error_message:
            result.error_message = "Dropped by the e-mail provider."
        if any(getattr(result, name) != value for name, value in before.items()):
            changed.append(result)
    if changed:
        engagement_write(changed)
    return changed


def _earliest(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


# ----------------------------------------------------------------------------------- unsubscribe


def result_unsubscribe(
    *, result_id: uuid.UUID, user_agent: str = "", ip: str | None = None, one_click: bool, detail: str = ""
):
    """Opt the result's address out of every later campaign (written at once, not queued).

    Returns the address, or "" when the result no longer exists.
    """
    result = CampaignLeadResult.objects.filter(id=result_id).select_related("campaign__user").first()
    if result is None:
        return ""
    if result.email:
        # The consent ledger records the opt-out and the recipient is told (정보통신망법 제50조⑦);
        # a second post records and sends nothing.
        consent_withdraw(user=result.campaign.user, email=result.email, source=detail or "unsubscribe page")
    event = new_event(
        kind=Kind.UNSUBSCRIBE,
        source=TrackingEvent.Source.UNSUBSCRIBE_PAGE,
        result_id=result.id,
        event_key=f"unsubscribe:{result.id}",  # one opt-out per result, however often it is posted
        email=result.email,
        user_agent=user_agent,
        ip=ip,
        detail=detail or ("RFC 8058 one-click" if one_click else "unsubscribe page"),
    )
    events_ingest(events=[event])
    return result.email


# --------------------------------------------------------------------------------------- webhooks


def provider_events_record(*, events: list[ProviderEvent]) -> None:
    """Queue the events of a verified webhook, flagging machine opens and clicks."""
    queued = []
    for event in events:
        if event.kind == Kind.OPEN:
            reason = machine.open_machine_reason(
                user_agent=event.user_agent, ip=event.ip, provider_flag=event.machine_flag
            )
        elif event.kind == Kind.CLICK:
            reason = machine.click_machine_reason(user_agent=event.user_agent)
        else:
            reason = ""
        queued.append(
            new_event(
                kind=event.kind,
                source=event.provider,
                result_id=_as_uuid(event.result_id),
                occurred_at=event.occurred_at,
                event_key=f"{event.provider}:{event.event_id}",
                email=event.email,
                user_agent=event.user_agent,
                ip=event.ip,
                url=event.url,
                machine_reason=reason,
                detail=event.detail[:2000],
                provider_message_ids=event.provider_message_ids,
                suppress=event.suppress,
                raw=event.raw,
            )
        )
    events_record(queued)


def provider_webhook_accept(*, provider: str, token: str, signed_at: datetime, events: list[ProviderEvent]) -> bool:
    """Spend a verified webhook's signature token and queue its events; False if it is a replay.

    The token is recorded in PostgreSQL with the events queued in the same transaction. While the
    database is down, the token is kept in Redis instead (until it is stale) and the events wait in
    the queue: the provider's post is accepted, and stored once the database is back. Raises
    TrackingUnavailable when neither answers, so the view answers 5xx and the provider retries.
    """
    try:
        with transaction.atomic():
            if not webhook_token_spend(provider=provider, token=token, signed_at=signed_at):
                return False
            provider_events_record(events=events)
        return True
    except DATABASE_UNAVAILABLE as exc:
        logger.warning("database unavailable, %s webhook kept in Redis: %s", provider, exc)
    # Token spent after the events are queued: a token spent for events that could not be queued would
    # refuse the provider's redelivery as a replay. (Two copies racing both queue: stored once.)
    key = f"{settings.TRACKING_QUEUE_KEY}:token:{provider}:{token}"
    try:
        if tracking_redis().exists(key):
            return False
        provider_events_record(events=events)
        tracking_redis().set(key, signed_at.isoformat(), nx=True, ex=settings.TRACKING_WEBHOOK_MAX_AGE_SECONDS * 2)
    except redis.RedisError as exc:
        raise TrackingUnavailable("The replay check (Redis) does not answer.") from exc
    return True


def webhook_token_spend(*, provider: str, token: str, signed_at: datetime) -> bool:
    """Record a signature token; False if it was already used (a replay). Call inside a transaction."""
    try:
        with transaction.atomic():
            WebhookToken.objects.create(provider=provider, token=token, signed_at=signed_at)
    except IntegrityError:
        return False
    return True


def webhook_tokens_prune(*, older_than: datetime) -> int:
    """Tokens older than the freshness window can never be replayed (their signature is stale)."""
    deleted, _ = WebhookToken.objects.filter(signed_at__lt=older_than).delete()
    return deleted


# ---------------------------------------------------------------------------------------- replies


def inbound_message_receive(*, mail: InboundMail) -> InboundMessage:
    """Keep an inbound mail; if it answers a campaign e-mail, mark that result replied. A mail to a
    List-Unsubscribe mailto: address opts that result's address out instead (RFC 2369)."""
    from .replies import match_reply, unsubscribe_request_of

    now = datetime.now(tz=UTC)
    with transaction.atomic():
        if mail.message_id:
            existing = InboundMessage.objects.filter(provider=mail.provider, message_id=mail.message_id).first()
            if existing is not None:  # the provider retried a delivery we already kept
                return existing
        unsubscribing = unsubscribe_request_of(mail)
        if unsubscribing is not None:
            result, matched_by = unsubscribing, InboundMessage.MatchedBy.REPLY_ADDRESS
        else:
            result, matched_by = match_reply(mail)
        message = InboundMessage.objects.create(
            provider=mail.provider,
            result=result,
            status=InboundMessage.Status.MATCHED if result else InboundMessage.Status.UNMATCHED,
            matched_by=matched_by,
            is_auto_reply=mail.is_auto_reply,
            from_email=mail.from_email[:320],
            to_email=", ".join(mail.to),
            subject=mail.subject[:998],
            message_id=mail.message_id[:998],
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            text=mail.text,
            html=mail.html,
            headers=mail.headers,
            received_at=now,
        )
        if unsubscribing is not None:
            result_unsubscribe(result_id=result.id, one_click=False, detail="List-Unsubscribe mailto:")
        elif result is not None:
            events_ingest(events=[_reply_event(message, result)])
    return message


@transaction.atomic
def inbound_message_match(*, message: InboundMessage, result: CampaignLeadResult) -> InboundMessage:
    """Staff matched a kept mail to its result by hand: the result is marked replied like any reply. A mail the
    parse had matched to another result (a forwarded thread names a colleague's message) moves: that result's
    reply from it is taken back (_reply_retract), so the one message is one reply."""
    previous = InboundMessage.objects.filter(pk=message.pk).values_list("result_id", flat=True).first()
    message.result = result
    message.status = InboundMessage.Status.MATCHED
    message.matched_by = InboundMessage.MatchedBy.MANUAL
    message.save(update_fields=["result", "status", "matched_by", "updated_at"])
    events_ingest(events=[_reply_event(message, result)])
    if previous is not None and previous != result.id:
        _reply_retract(message=message, result_id=previous)
    return message


def _reply_retract(*, message: InboundMessage, result_id) -> None:
    """Take back the reply ``message`` gave the result it was wrongly matched to: its reply event goes (the
    sequences' stops read the events), the result's replied_at becomes its earliest human reply left (none: no
    reply), and a 'replied' status falls to what its other timestamps reach. The one way a result's engagement
    moves back: a person's correction, never a provider's event (results_refresh only moves forward)."""
    result = CampaignLeadResult.objects.select_for_update(no_key=True).filter(pk=result_id).first()
    if result is None:
        return
    TrackingEvent.objects.filter(
        result_id=result_id, kind=Kind.REPLY, event_key__in=[f"reply:{message.id}", f"reply:{message.id}:{result_id}"]
    ).delete()
    earliest = TrackingEvent.objects.filter(result_id=result_id, kind=Kind.REPLY, is_machine=False).aggregate(
        at=Min("occurred_at")
    )["at"]
    if earliest == result.replied_at:
        return
    result.replied_at = earliest
    if earliest is None and result.status == CampaignLeadResult.Status.REPLIED:
        result.status = CampaignLeadResult.Status.SENT  # it was sent: what its opens, clicks, a bounce reach
        result.status = status_after_events(result, dropped=False)
    engagement_write([result])


def _reply_event(message: InboundMessage, result: CampaignLeadResult) -> dict:
    return new_event(
        kind=Kind.REPLY,
        source=TrackingEvent.Source.INBOUND,
        result_id=result.id,
        # Per message and result: a message staff move to another result in the admin gets an event there (keyed
        # by the message alone, the first match's event took the key and the move stored none); the first
        # result's is taken back (_reply_retract).
        event_key=f"reply:{message.id}:{result.id}",
        email=result.email,
        occurred_at=message.received_at.timestamp(),
        machine_reason=TrackingEvent.MachineReason.AUTO_REPLY if message.is_auto_reply else "",
        detail=message.subject[:500],
    )
