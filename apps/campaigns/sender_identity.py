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

from django.conf import settings
from django.db import connection

from apps.mail.mailboxes import mailbox_release, mailbox_reserve
from apps.mail.models import Mailbox

from .models import Campaign, CampaignLeadResult
from .rendering import AD_PREFIX

_ROUTES_SQL = f"""
SELECT r.id::text, m.email, m.display_name, r.thread_message_id, r.thread_subject
FROM {CampaignLeadResult._meta.db_table} r
LEFT JOIN {Mailbox._meta.db_table} m ON m.id = r.mailbox_id
WHERE r.id = ANY(%s::uuid[])
"""

REPLY_PREFIX = "Re: "


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
