"""Sender mailboxes and their rolling caps: the one place that counts what a mailbox sent.

Campaigns (at the claim of a chunk) and sequences (when a step is scheduled) reserve sends here
before anything goes to a provider, under a row lock of the mailbox, so the caps hold across every
campaign and sequence that uses it. Counts are kept per minute (MailboxSendCount): the rolling hour
is the last 60 minutes, the rolling day the last 24 hours. A reservation that is not used (the rows
were not claimed, the provider certainly refused them) is given back with ``mailbox_release``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Mailbox, MailboxSendCount

_USAGE_SQL = f"""
SELECT coalesce(sum(count) FILTER (WHERE minute > %(hour_ago)s), 0),
       coalesce(sum(count), 0)
FROM {MailboxSendCount._meta.db_table}
WHERE mailbox_id = %(mailbox)s AND minute > %(day_ago)s
"""


@dataclass(frozen=True)
class MailboxUsage:
    """What a mailbox sent in the rolling hour and day, and what it may still send now."""

    hour: int
    day: int
    hourly_cap: int
    daily_cap: int

    @property
    def available(self) -> int:
        return max(0, min(self.hourly_cap - self.hour, self.daily_cap - self.day))


def mailbox_defaults(*, today: date | None = None) -> dict:
    """The caps of a new mailbox (the MAILBOX_* settings): a warm-up that starts today."""
    return {
        "daily_cap": settings.MAILBOX_DEFAULT_DAILY_CAP,
        "hourly_cap": settings.MAILBOX_DEFAULT_HOURLY_CAP,
        "warmup_start": settings.MAILBOX_WARMUP_START,
        "warmup_step": settings.MAILBOX_WARMUP_STEP,
        "warmup_started_on": today or timezone.localdate(),
    }


def mailbox_daily_cap(mailbox: Mailbox, *, now: datetime) -> int:
    """The daily cap today: the warm-up ramp until it reaches the mailbox's daily cap."""
    if not mailbox.warmup_start:
        return mailbox.daily_cap
    days = max(0, (timezone.localdate(now) - mailbox.warmup_started_on).days)
    return min(mailbox.daily_cap, mailbox.warmup_start + days * mailbox.warmup_step)


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def mailboxes_with_usage(mailboxes: QuerySet[Mailbox], *, now: datetime | None = None) -> QuerySet[Mailbox]:
    """The mailboxes with their rolling hour's and day's sends annotated (``sent_last_hour``,
    ``sent_last_day``): a list reads them in its one query instead of one query per mailbox."""
    now = now or timezone.now()

    def sent_since(since: datetime):
        counts = (
            MailboxSendCount.objects.filter(mailbox=OuterRef("pk"), minute__gt=since)
            .values("mailbox")
            .annotate(total=Sum("count"))
            .values("total")
        )
        return Coalesce(Subquery(counts), 0)

    return mailboxes.annotate(
        sent_last_hour=sent_since(now - timedelta(hours=1)), sent_last_day=sent_since(now - timedelta(days=1))
    )


def mailbox_usage(mailbox: Mailbox, *, now: datetime | None = None) -> MailboxUsage:
    now = now or timezone.now()
    if hasattr(mailbox, "sent_last_hour") and hasattr(mailbox, "sent_last_day"):  # mailboxes_with_usage
        return MailboxUsage(
            hour=mailbox.sent_last_hour,
            day=mailbox.sent_last_day,
            hourly_cap=mailbox.hourly_cap,
            daily_cap=mailbox_daily_cap(mailbox, now=now),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            _USAGE_SQL,
            {"mailbox": mailbox.pk, "hour_ago": now - timedelta(hours=1), "day_ago": now - timedelta(days=1)},
        )
        hour, day = cursor.fetchone()
    return MailboxUsage(
        hour=int(hour), day=int(day), hourly_cap=mailbox.hourly_cap, daily_cap=mailbox_daily_cap(mailbox, now=now)
    )


def mailbox_reserve(*, mailbox_id, count: int, now: datetime | None = None) -> int:
    """Reserve up to ``count`` sends of the mailbox now; returns how many were granted (0 when the
    mailbox is inactive, gone or at a cap): ``mailboxes_reserve`` for one mailbox, its row lock included."""
    if count <= 0:
        return 0
    kept, _ = mailboxes_reserve(kept={str(mailbox_id): count}, pool=[], spread=0, now=now or timezone.now())
    return kept[str(mailbox_id)]


_ADD_MANY_SQL = f"""
INSERT INTO {MailboxSendCount._meta.db_table} (mailbox_id, minute, count)
SELECT m, %(minute)s, c FROM unnest(%(mailboxes)s::uuid[], %(counts)s::int[]) AS g(m, c)
ON CONFLICT (mailbox_id, minute) DO UPDATE SET count = {MailboxSendCount._meta.db_table}.count + EXCLUDED.count
"""


def mailboxes_reserve(*, kept: dict, pool: list, spread: int, now: datetime) -> tuple[dict, list]:
    """Reserve, in one transaction, ``kept`` (mailbox id → sends asked of that mailbox) and ``spread`` sends
    over ``pool`` (mailbox ids, in order) evenly: a mailbox at a cap drops out and the others take its share.
    Returns (mailbox id → sends granted of ``kept``, [(mailbox id, sends granted)] of the pool, in its order,
    those granted none left out; an inactive or deleted mailbox grants none). The mailboxes' rows are locked
    in id order, FOR NO KEY UPDATE (a sequence batch committing its step rows holds a mailbox's key-share lock
    for their foreign-key checks, which a FOR UPDATE would wait for): concurrent callers wait on them, so two
    never both take the last free send. Their usage is read after the locks, and the counts added in one
    statement: four statements where asking each mailbox in turn took three each (a pool of 50: 150)."""
    ids = sorted({str(pk) for pk in kept} | {str(pk) for pk in pool})
    if not ids or (spread <= 0 and not any(count > 0 for count in kept.values())):
        return dict.fromkeys(kept, 0), []
    with transaction.atomic():
        locked = list(Mailbox.objects.filter(pk__in=ids, is_active=True).order_by("pk").select_for_update(no_key=True))
        usage = mailboxes_with_usage(Mailbox.objects.filter(pk__in=[m.pk for m in locked]), now=now)
        available = {str(m.pk): mailbox_usage(m, now=now).available for m in usage}
        granted_kept = {}
        for mailbox_id, count in kept.items():
            granted_kept[mailbox_id] = granted = max(0, min(count, available.get(str(mailbox_id), 0)))
            if granted:
                available[str(mailbox_id)] -= granted
        grants = dict.fromkeys((str(pk) for pk in pool), 0)
        open_ids, remaining = list(grants), spread
        while remaining > 0 and open_ids:
            share, still_open = -(-remaining // len(open_ids)), []
            for mailbox_id in open_ids:
                ask = min(share, remaining)
                if ask <= 0:
                    break
                granted = min(ask, available.get(mailbox_id, 0))
                grants[mailbox_id] += granted
                available[mailbox_id] = available.get(mailbox_id, 0) - granted
                remaining -= granted
                if granted == ask:
                    still_open.append(mailbox_id)
            open_ids = still_open
        totals: dict = {}
        for mailbox_id, count in [*granted_kept.items(), *grants.items()]:
            totals[str(mailbox_id)] = totals.get(str(mailbox_id), 0) + count
        _add_many({mailbox_id: count for mailbox_id, count in totals.items() if count}, now)
    return granted_kept, [(mailbox_id, count) for mailbox_id, count in grants.items() if count]


def mailboxes_release(*, counts: dict, now: datetime) -> None:
    """Give back sends reserved at ``now`` and not used: mailbox id → count, in one statement."""
    _add_many({mailbox_id: -count for mailbox_id, count in counts.items() if count > 0}, now)


def _add_many(counts: dict, now: datetime) -> None:
    if counts:
        with connection.cursor() as cursor:
            cursor.execute(
                _ADD_MANY_SQL, {"mailboxes": list(counts), "counts": list(counts.values()), "minute": _minute(now)}
            )


def mailbox_release(*, mailbox_id, count: int, now: datetime) -> None:
    """Give back ``count`` sends reserved at ``now`` and not used."""
    mailboxes_release(counts={mailbox_id: count}, now=now)


def mailbox_counts_prune(*, now: datetime | None = None) -> int:
    """Drop minute counts older than a day: no cap reads them."""
    now = now or timezone.now()
    deleted, _ = MailboxSendCount.objects.filter(minute__lt=now - timedelta(days=1, minutes=1)).delete()
    return deleted
