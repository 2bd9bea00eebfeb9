"""Resolving "outcome unknown" rows by asking the provider, before anyone is asked to act.

A row's outcome is unknown when the provider may have its message: the worker died with the request
in flight, or the answer was lost. The beat job asks the provider's own log (SendGrid's Email
Activity, Mailgun's events) with what we sent: the campaign id in the custom args / ``v:`` variables,
the recipient, and the time since the claim; a Mailgun event names our result id too.

- Found: the row is sent, with the provider's id (``resolution = found``).
- Not found ``CAMPAIGN_UNKNOWN_SETTLE_SECONDS`` after the row became unknown (the logs lag), per
  ``CAMPAIGN_UNKNOWN_NOT_FOUND``: ``hold`` keeps it unknown for a person (``held``), ``resend`` puts it
  back to pending and the campaign sends it once more (``resent``). A row no log could be asked
  about is held whatever the setting: sending it again blind could e-mail the lead twice.

The reason the row was unknown and what the log said stay in ``resolution_note``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from services.email import EmailProvider, get_providers
from services.email.base import EmailError, ProviderRecord

from . import services
from .models import Campaign, CampaignLeadResult, CampaignProviderRequest
from .result_states import FOUND, sql_literal

logger = logging.getLogger(__name__)

RowStatus = CampaignLeadResult.Status
Resolution = CampaignLeadResult.Resolution

# Rows recorded before the 'unknown' status existed (and by code that still records them so) are
# failed, retryable, with a reason that starts with this: they are resolved the same way.
LEGACY_UNKNOWN_PREFIX = "Outcome unknown"
UNKNOWN_OUTCOME = Q(status=RowStatus.UNKNOWN) | Q(
    status=RowStatus.FAILED, retryable=True, error_message__startswith=LEGACY_UNKNOWN_PREFIX
)
# Clocks differ: the log is asked from a little before the claim.
CLOCK_SKEW = timedelta(seconds=60)
# A campaign whose last progress is this far past its lease can get no new unknown row (the
# reconcile job, a beat job, has had time to mark its stale rows).
QUIET_MARGIN = timedelta(minutes=2)

# The campaign's unresolved unknown rows (never resolved, or claimed again since: a new attempt),
# found through the (campaign, chunk) index chunk by chunk, as the reconcile job finds its stale
# rows (no index names status: the claim and settle stay HOT updates).
_AWAITING_SQL = f"""
SELECT s.id FROM generate_series(
    (SELECT min(chunk) FROM campaigns_campaignleadresult WHERE campaign_id = %(campaign)s),
    (SELECT max(chunk) FROM campaigns_campaignleadresult WHERE campaign_id = %(campaign)s)
) AS g(chunk)
CROSS JOIN LATERAL (
    SELECT x.id FROM campaigns_campaignleadresult x
    WHERE x.campaign_id = %(campaign)s AND x.chunk = g.chunk
      AND (x.resolution = '' OR x.claimed_at > x.resolved_at)
      AND (x.status = {sql_literal(RowStatus.UNKNOWN)}
           OR (x.status = {sql_literal(RowStatus.FAILED)} AND x.retryable AND x.error_message LIKE %(legacy)s))
    OFFSET 0
) s
"""


@dataclass
class ResolutionReport:
    found: int = 0
    resent: int = 0
    held: int = 0
    awaiting: int = 0  # still unknown: inside the settle window, or the log could not be read
    errors: list[str] = field(default_factory=list)

    def add(self, other: ResolutionReport) -> None:
        self.found += other.found
        self.resent += other.resent
        self.held += other.held
        self.awaiting += other.awaiting
        self.errors += other.errors


def campaign_awaiting_rows(*, campaign_id) -> list[CampaignLeadResult]:
    with connection.cursor() as cursor:
        cursor.execute(_AWAITING_SQL, {"campaign": campaign_id, "legacy": LEGACY_UNKNOWN_PREFIX + "%"})
        ids = [row[0] for row in cursor.fetchall()]
    return list(CampaignLeadResult.objects.filter(id__in=ids).order_by("chunk", "id")) if ids else []


def _sent_at(row: CampaignLeadResult) -> datetime:
    """The earliest the request can have gone out: the claim. The log is asked from here."""
    return row.claimed_at or row.updated_at


def _unknown_since(row: CampaignLeadResult) -> datetime:
    """The latest the request can have gone out: when the row became unknown (its worker records
    that after the call; the reconcile job after the lease, when the worker's chunk is over). The
    settle window runs from here: a chunk's request can leave minutes after the claim (its copy
    generated first, a rate-limit wait), and a window counted from the claim would give up on a
    lagging log early and send the lead a second e-mail."""
    return max(row.updated_at, _sent_at(row))


def _ask(provider: EmailProvider, campaign_id, rows: list[CampaignLeadResult], now) -> dict:
    """{row id: the provider's record} for the rows the provider's log holds."""
    records = provider.find_messages(
        custom_args={"campaign_id": str(campaign_id)},
        recipients=[row.email for row in rows],
        since=min(_sent_at(row) for row in rows) - CLOCK_SKEW,
        until=now + CLOCK_SKEW,
    )
    by_result = {r.custom_args["result_id"]: r for r in records if r.custom_args.get("result_id")}
    # SendGrid's activity list carries no custom args: a campaign has one row per address.
    by_address = {r.to.strip().lower(): r for r in records if not r.custom_args.get("result_id")}
    found = {}
    for row in rows:
        match = by_result.get(str(row.pk)) or by_address.get(row.email.strip().lower())
        if match is not None:
            found[row.pk] = match
    return found


def campaign_resolve_unknown(*, campaign: Campaign, now: datetime | None = None) -> ResolutionReport:
    """Ask the providers about the campaign's unknown rows; settle those the logs answer for."""
    now = now or timezone.now()
    report = ResolutionReport()
    rows = campaign_awaiting_rows(campaign_id=campaign.pk)
    if not rows:
        _mark_checked(campaign, now)
        return report
    providers = {p.name: p for p in get_providers() if p.keeps_message_log}
    found: dict = {}
    asked: dict = defaultdict(set)  # row id → names of the providers whose log answered
    for name, provider in providers.items():
        mine = [row for row in rows if row.provider in ("", name) and row.pk not in found]
        if not mine:
            continue
        try:
            answers = _ask(provider, campaign.pk, mine, now)
        except EmailError as exc:
            logger.warning("campaign %s: %s's log could not be read: %s", campaign.pk, name, exc)
            report.errors.append(f"{name}: {exc}")
            continue
        for row in mine:
            asked[row.pk].add(name)
        found.update({row_id: (name, record) for row_id, record in answers.items()})

    settle = timedelta(seconds=settings.CAMPAIGN_UNKNOWN_SETTLE_SECONDS)
    resend = settings.CAMPAIGN_UNKNOWN_NOT_FOUND == "resend"
    with transaction.atomic():
        for row in rows:
            if row.pk in found:
                name, record = found[row.pk]
                report.found += _settle_found(row, name, record, now)
                continue
            if now - _unknown_since(row) < settle:
                report.awaiting += 1
                continue
            wanted = {row.provider} if row.provider else set(providers)
            if wanted and wanted <= asked[row.pk]:
                names = ", ".join(sorted(wanted))
                note = f"Not in the log of {names} {settle.total_seconds():.0f} s after the send"
                if resend and row.resolution != Resolution.RESENT:  # once more, never twice
                    report.resent += _settle_resend(row, note + ": sent once more.", now)
                else:
                    report.held += _settle_held(row, note + ": held for a person.", now)
            elif not (wanted & set(providers)):
                report.held += _settle_held(
                    row, f"No log of {row.provider or 'any configured provider'} can be asked: held for a person.", now
                )
            else:
                report.awaiting += 1  # the log could not be read this time: asked again next run
        if report.resent:
            services.campaign_sending_resume(campaign_id=campaign.pk, now=now, restart_failed=False)
    if not report.awaiting:
        _mark_checked(campaign, now)
    if report.found or report.resent or report.held:
        logger.info(
            "campaign %s: unknown outcomes resolved: %d found in the provider's log, %d sent once more, "
            "%d held for a person, %d awaiting",
            campaign.pk,
            report.found,
            report.resent,
            report.held,
            report.awaiting,
        )
    return report


def _as_read(row: CampaignLeadResult) -> QuerySet[CampaignLeadResult]:
    """Only a row as it was read: a retry or a resend by its owner may have moved it meanwhile."""
    return CampaignLeadResult.objects.filter(pk=row.pk, status=row.status, updated_at=row.updated_at).filter(
        UNKNOWN_OUTCOME
    )


def _update(row: CampaignLeadResult, **values) -> int:
    return _as_read(row).update(**values)


def _note(row: CampaignLeadResult, what: str) -> str:
    return f"{row.error_message} — {what}" if row.error_message else what


def _settle_found(row: CampaignLeadResult, provider: str, record: ProviderRecord, now) -> int:
    at = record.at.isoformat() if record.at else "a time it does not say"
    updated = _update(
        row,
        status=FOUND.target,
        sent=True,
        sent_at=record.at or _sent_at(row),
        provider=provider,
        provider_message_id=record.provider_message_id[:255],
        error_message="",
        retryable=False,
        resolution=Resolution.FOUND,
        resolution_note=_note(row, f"Found in the log of {provider} ({record.status} at {at}): sent."),
        resolved_at=now,
        updated_at=now,
    )
    if updated and record.provider_message_id:
        # Webhooks that name only the provider id and the recipient find the row through this.
        CampaignProviderRequest.objects.bulk_create(
            [
                CampaignProviderRequest(
                    provider_message_id=record.provider_message_id[:255], campaign_id=row.campaign_id, chunk=row.chunk
                )
            ],
            ignore_conflicts=True,
        )
    return updated


def _settle_held(row: CampaignLeadResult, what: str, now) -> int:
    return _update(row, resolution=Resolution.HELD, resolution_note=_note(row, what), resolved_at=now, updated_at=now)


def _settle_resend(row: CampaignLeadResult, what: str, now) -> int:
    return services.results_requeue(
        _as_read(row), now=now, resolution=Resolution.RESENT, resolution_note=_note(row, what), resolved_at=now
    )


def _mark_checked(campaign: Campaign, now) -> None:
    """Nothing left to ask about, and no new unknown row can come without new progress."""
    lease = timedelta(seconds=settings.CAMPAIGN_SEND_LEASE_SECONDS)
    quiet = campaign.last_progress_at is None or now - campaign.last_progress_at > lease + QUIET_MARGIN
    if quiet and campaign.status != Campaign.Status.IN_PROGRESS:
        Campaign.objects.filter(pk=campaign.pk).update(unknown_checked_at=now)


def campaigns_resolve_unknown(*, now: datetime | None = None) -> dict[str, int]:
    """Beat job: every campaign that made progress within CAMPAIGN_UNKNOWN_RESOLVE_HOURS (the
    providers keep their logs about three days) and may hold unknown rows not yet resolved."""
    now = now or timezone.now()
    horizon = now - timedelta(hours=settings.CAMPAIGN_UNKNOWN_RESOLVE_HOURS)
    campaigns = Campaign.objects.filter(last_progress_at__gte=horizon).filter(
        Q(unknown_checked_at__isnull=True) | Q(unknown_checked_at__lt=F("last_progress_at"))
    )
    total = ResolutionReport()
    for campaign in campaigns.order_by("last_progress_at"):
        total.add(campaign_resolve_unknown(campaign=campaign, now=now))
    return {"found": total.found, "resent": total.resent, "held": total.held, "awaiting": total.awaiting}
