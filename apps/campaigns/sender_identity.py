"""Who a campaign e-mail is from, and which thread it continues: the small hooks the send pipeline
(email_sender.build_messages) calls so that sequences (apps/sequences) go through the same claim →
provider → settle path as campaigns.

- A campaign with a mailbox (apps/mail) sends from it; its rolling caps are reserved at the claim
  (``campaign_mailbox_take``), shared with every other campaign and sequence that uses it.
- A sequence step writes each row with its mailbox (the cap reserved when it was scheduled) and, for
  a follow-up "in the same thread", the first message's Message-ID and subject: the row then goes out
  as a reply (In-Reply-To, References, "Re: " subject).
A campaign without a mailbox behaves as before: the default sender, no caps but the user's daily one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import holidays
from django.conf import settings
from django.db import connection

from apps.mail.mailboxes import mailbox_release, mailbox_reserve
from apps.mail.models import Mailbox
from common.time_zones import known_zones

from .models import Campaign, CampaignLeadResult
from .rendering import AD_PREFIX

_ROUTES_SQL = f"""
SELECT r.id::text, m.email, m.display_name, r.thread_message_id, r.thread_subject
FROM {CampaignLeadResult._meta.db_table} r
LEFT JOIN {Mailbox._meta.db_table} m ON m.id = r.mailbox_id
WHERE r.id = ANY(%s::uuid[])
"""

REPLY_PREFIX = "Re: "

# The claim's extra condition for a sequence step's rows (email_sender._CLAIM_SQL; ``p`` is the row).
# Such a row may wait in pending for hours (the user's daily cap, a retry's backoff, a paused
# campaign): by then its lead may have replied, bounced, unsubscribed or been stopped by hand, or the
# window may have closed (the daily cap resets at midnight). So it is claimed only while its enrolment is
# not stopped (active, or completed: the last step was scheduled) and the clock is inside the sequence's
# window, in the lead's time zone when known; otherwise it stays pending for the next window, and the
# sequence scheduler cancels the rows of stopped enrolments. Sequences sit above campaigns, so their
# tables are named here as strings. For any other campaign the condition is the constant true.
# ``{alias}`` is the result row (str.format).
STEP_ROW_SENDABLE_SQL = """(
    NOT %(sequence_step)s OR EXISTS (
        SELECT 1
        FROM sequences_sequencevariant v
        JOIN sequences_sequencestep st ON st.id = v.step_id
        JOIN sequences_sequence s ON s.id = st.sequence_id
        JOIN sequences_enrollment e ON e.sequence_id = s.id AND e.lead_id = {alias}.lead_id
        JOIN leads_lead l ON l.id = {alias}.lead_id
        CROSS JOIN LATERAL (
            SELECT %(step_now)s::timestamptz AT TIME ZONE CASE
                WHEN l.timezone IN (SELECT unnest(%(known_zones)s::text[])) THEN l.timezone ELSE s.timezone END AS at
        ) local
        WHERE v.campaign_id = {alias}.campaign_id AND e.state IN ('active', 'completed')
          AND local.at::time >= s.window_start AND local.at::time < s.window_end
          AND extract(isodow FROM local.at)::int - 1 = ANY(s.window_days)
          AND NOT (s.skip_holidays AND local.at::date = ANY(%(holidays)s::date[]))
    )
)"""


# A plain campaign's claim: the condition above folds to true.
PLAIN_CLAIM_PARAMS = {"sequence_step": False, "step_now": None, "known_zones": [], "holidays": []}


def step_row_claim_params(campaign: Campaign, now: datetime) -> dict:
    """The parameters of STEP_ROW_SENDABLE_SQL for one claim."""
    if campaign.kind != Campaign.Kind.SEQUENCE_STEP:
        return PLAIN_CLAIM_PARAMS
    years = [now.year - 1, now.year, now.year + 1]
    return {
        "sequence_step": True,
        "step_now": now,
        "known_zones": list(known_zones()),
        "holidays": sorted(holidays.country_holidays("KR", years=years)),  # sequences skip Korean holidays
    }


@dataclass(frozen=True)
class RowRoute:
    """The sender and thread of one row: empty values keep the campaign's."""

    mailbox_email: str = ""
    mailbox_name: str = ""
    thread_message_id: str = ""
    thread_subject: str = ""


def mailbox_address(*, email: str, name: str) -> str:
    name = name.replace('"', "")
    return f'"{name}" <{email}>' if name else email


def row_routes(campaign: Campaign, row_ids: list[str]) -> dict[str, RowRoute]:
    """The rows' own sender and thread, by row id; empty for a plain campaign (no query)."""
    if campaign.kind != Campaign.Kind.SEQUENCE_STEP or not row_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_ROUTES_SQL, [row_ids])
        return {
            row_id: RowRoute(email or "", name or "", thread_id, subject)
            for row_id, email, name, thread_id, subject in cursor.fetchall()
        }


def campaign_from_address(campaign: Campaign, default: str) -> str:
    """The campaign's mailbox as From, or ``default`` (the project's sender) without one."""
    mailbox = campaign.mailbox if campaign.mailbox_id else None
    if mailbox is None:
        return default
    return mailbox_address(email=mailbox.email, name=mailbox.display_name)


def threaded_subject(route: RowRoute | None, subject: str) -> str:
    """A follow-up in the same thread answers the first message: "Re: <its subject>", without the
    (광고) mark it carried (the advertising rule puts it back in front)."""
    if route is None or not route.thread_subject:
        return subject
    base = route.thread_subject.removeprefix(AD_PREFIX).strip()
    return base if base.startswith(REPLY_PREFIX) else f"{REPLY_PREFIX}{base}"


def thread_headers(route: RowRoute | None) -> dict[str, str]:
    """In-Reply-To and References naming the first message (RFC 5322 §3.6.4), so mail clients
    show the follow-up in its thread."""
    if route is None or not route.thread_message_id:
        return {}
    return {"In-Reply-To": route.thread_message_id, "References": route.thread_message_id}


def campaign_mailbox_take(campaign: Campaign, *, count: int, now: datetime) -> int:
    """Sends the campaign may claim now: ``count`` without a mailbox, else what its caps grant."""
    if not campaign.mailbox_id:
        return count
    return mailbox_reserve(mailbox_id=campaign.mailbox_id, count=min(count, settings.CAMPAIGN_CHUNK_SIZE), now=now)


def campaign_mailbox_return(campaign: Campaign, *, count: int, now: datetime) -> None:
    if campaign.mailbox_id:
        mailbox_release(mailbox_id=campaign.mailbox_id, count=count, now=now)
