"""The state machine of a campaign result row (one recipient of a campaign): which status may follow
which, and what each step writes. The one owner of these rules: the send pipeline's SQL
(email_sender.py, services.py, resolution.py) is built from the transitions below, and the tracking
app's ingestion (apps/tracking/services.py) calls ``status_after_events`` and writes the result
through ``engagement_write``.

Sending — written in SQL by the send pipeline; each step changes only rows in one of its sources:

    pending ──claim──▶ sending ──settle──▶ sent | failed | unknown
    pending ──cancel (a sequence step whose lead stopped)──▶ failed
       ▲                  │
       └────release───────┘   (the provider certainly did not take it: sent again later)
    sending ──lease expired (reconcile job)──▶ unknown   (never re-sent automatically, DESIGN.md)
    unknown ──found in the provider's log (resolver)──▶ sent
    failed (retryable) | unknown ──requeue (the owner's retry or resend, the resolver)──▶ pending

Engagement — written by the tracking app from the events, only forward (DESIGN.md):

    sent ─▶ opened ─▶ clicked ─▶ replied;   bounced and failed are final (a bounce after a reply
    is kept as replied: a person answered).

Status literals in SQL come from here as format-time constants (``sql_in``): they are the model's
choices, fixed in code, never user input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from .models import Campaign, CampaignLeadResult

Status = CampaignLeadResult.Status


@dataclass(frozen=True)
class Transition:
    """A step of the sending graph: the statuses a row may leave, the one it reaches, and the
    timestamp columns the step sets (``now`` or the provider's time) or clears."""

    sources: tuple[Status, ...]
    target: Status
    sets: tuple[str, ...] = ()
    clears: tuple[str, ...] = ()

    @property
    def target_sql(self) -> str:
        return sql_literal(self.target)

    @property
    def sources_sql(self) -> str:
        return sql_in(self.sources)


def sql_literal(status: Status | Campaign.Status) -> str:
    """A status as an SQL string literal (the choices' values hold no quote)."""
    return f"'{status.value}'"


def sql_in(statuses: Iterable[Status | Campaign.Status]) -> str:
    """The statuses as the list of an SQL ``IN (…)``."""
    return ", ".join(sql_literal(status) for status in statuses)


# A chunk's worker takes its pending rows (one UPDATE; email_sender._CLAIM_CHUNK_SQL and _CLAIM_SQL).
CLAIM = Transition(sources=(Status.PENDING,), target=Status.SENDING, sets=("claimed_at",))
# The provider accepted the message. Its answer wins over what the row became meanwhile (the reconcile
# job's unknown, a failure or release written by an earlier attempt); a row already engaged (a
# webhook that overtook the settle) keeps its engagement status.
SETTLE_SENT = Transition(
    sources=(Status.SENDING, Status.FAILED, Status.PENDING, Status.UNKNOWN), target=Status.SENT, sets=("sent_at",)
)
# The provider refused it, or it could not be rendered or addressed.
SETTLE_FAILED = Transition(sources=(Status.SENDING, Status.UNKNOWN), target=Status.FAILED)
# The provider may have it (the request left us and its answer was lost).
SETTLE_UNKNOWN = Transition(sources=(Status.SENDING,), target=Status.UNKNOWN)
# The provider certainly did not take it (connection refused, 429, 5xx): sent again later.
RELEASE = Transition(sources=(Status.SENDING,), target=Status.PENDING, clears=("claimed_at",))
# The worker died between claim and settle (the reconcile job, after CAMPAIGN_SEND_LEASE_SECONDS).
LEASE_EXPIRED = Transition(sources=(Status.SENDING,), target=Status.UNKNOWN)
# The provider's log has the message (apps/campaigns/resolution.py).
FOUND = Transition(sources=(Status.UNKNOWN, Status.FAILED), target=Status.SENT, sets=("sent_at", "resolved_at"))
# Sent once more: the owner's retry of failed rows or resend of unknown ones, or the resolver's resend.
REQUEUE = Transition(sources=(Status.FAILED, Status.UNKNOWN), target=Status.PENDING, clears=("claimed_at",))

# A sequence step's row whose lead stopped (replied, bounced, unsubscribed, by hand) before it went out
# (apps/sequences): never sent.
CANCEL = Transition(sources=(Status.PENDING,), target=Status.FAILED)

# Rows the campaign still has to send: a campaign with one is not complete.
OPEN = (Status.PENDING, Status.SENDING)


def requeued_values(**extra) -> dict:
    """The columns of a row put back to pending (REQUEUE): the next claim sends it as new."""
    values = {"status": REQUEUE.target, "error_message": "", "retryable": False}
    values.update(dict.fromkeys(REQUEUE.clears))
    return {**values, **extra}


# -- engagement -------------------------------------------------------------------------------------

# Each engagement status with the column whose timestamp reaches it, the furthest first.
ENGAGEMENT = (
    (Status.REPLIED, "replied_at"),
    (Status.CLICKED, "clicked_at"),
    (Status.OPENED, "opened_at"),
    (Status.SENT, "delivered_at"),
)
_RANK = {Status.PENDING: 0, Status.SENDING: 1, Status.SENT: 2, Status.OPENED: 3, Status.CLICKED: 4, Status.REPLIED: 5}
FINAL = frozenset({Status.BOUNCED, Status.FAILED})


def status_after_events(result: CampaignLeadResult, *, dropped: bool) -> str:
    """The status a result reaches once its event timestamps (bounced_at, replied_at, clicked_at,
    opened_at, delivered_at) are recomputed; ``dropped``: the provider dropped the message."""
    current = result.status
    if current in FINAL:
        return current
    if result.bounced_at and current != Status.REPLIED:
        return Status.BOUNCED
    if dropped and _RANK.get(current, 0) <= _RANK[Status.SENT]:
        return Status.FAILED
    for status, column in ENGAGEMENT:
        if getattr(result, column):
            return status if _RANK[status] > _RANK.get(current, 0) else current
    return current


# The columns the tracking app's events decide (a result's engagement summary), written by
# ``engagement_write``.
ENGAGEMENT_FIELDS = (
    "status",
    "error_message",
    "delivered_at",
    "opened_at",
    "clicked_at",
    "replied_at",
    "bounced_at",
    "complained_at",
    "unsubscribed_at",
    "open_count",
    "click_count",
)
_ENGAGEMENT_TYPES = {"status": "text", "error_message": "text", "open_count": "integer", "click_count": "integer"}


def engagement_write(results: list[CampaignLeadResult]) -> None:
    """Write the ENGAGEMENT_FIELDS of results the tracking app recomputed (under its row locks):
    one UPDATE … FROM unnest(arrays) for the whole batch (bulk_update's CASE per row is ~100× slower)."""
    meta = CampaignLeadResult._meta
    columns = [meta.get_field(name).column for name in ENGAGEMENT_FIELDS]
    casts = [f"%s::{_ENGAGEMENT_TYPES.get(name, 'timestamptz')}[]" for name in ENGAGEMENT_FIELDS]
    assignments = ", ".join(f'"{column}" = v."{column}"' for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    sql = (
        f'UPDATE "{meta.db_table}" AS r SET {assignments}, "updated_at" = now() '
        f"FROM unnest(%s::uuid[], {', '.join(casts)}) AS v(id, {names}) "
        "WHERE r.id = v.id"
    )
    params = [[r.id for r in results]] + [[getattr(r, name) for r in results] for name in ENGAGEMENT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
