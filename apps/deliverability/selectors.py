"""Reads: which domain a campaign sends from, message and complaint counts per sending domain."""

from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db.models import Q, QuerySet

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.tracking.models import TrackingEvent

from .models import SenderDomain


def default_sending_domain() -> str:
    """The domain of the From address campaigns send with (apps/campaigns/email_sender.py from_address)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].lower()


def campaigns_sending_from(domain: str) -> QuerySet[Campaign]:
    """Campaigns whose messages carry this domain in their From address.

    Every campaign sends from DEFAULT_FROM_EMAIL today; when campaigns get their own sender
    identities, this is the one place that maps a domain to its campaigns."""
    if domain.lower() == default_sending_domain():
        return Campaign.objects.all()
    return Campaign.objects.none()


def _campaigns_active_since(domain: str, since: datetime) -> QuerySet[Campaign]:
    # Result rows have no index on sent_at: narrow to campaigns that sent in the window first, so the
    # count walks the (campaign, chunk) index of those campaigns only.
    return campaigns_sending_from(domain).filter(
        Q(status=Campaign.Status.IN_PROGRESS) | Q(last_progress_at__gte=since) | Q(completed_at__gte=since)
    )


def sent_count(*, domain: str, since: datetime) -> int:
    return CampaignLeadResult.objects.filter(
        campaign__in=_campaigns_active_since(domain, since), sent_at__gte=since
    ).count()


def complaint_count(*, domain: str, since: datetime) -> int:
    """Recipients who marked a message from this domain as spam since then (each counted once)."""
    return (
        TrackingEvent.objects.filter(
            kind=TrackingEvent.Kind.COMPLAINT,
            occurred_at__gte=since,
            campaign__in=campaigns_sending_from(domain),
            result__isnull=False,
        )
        .values("result_id")
        .distinct()
        .count()
    )


def complaint_window_start(now: datetime) -> datetime:
    return now - timedelta(days=settings.DELIVERABILITY_COMPLAINT_WINDOW_DAYS)


def sender_domain_list() -> QuerySet[SenderDomain]:
    return SenderDomain.objects.prefetch_related("pauses__campaign")
