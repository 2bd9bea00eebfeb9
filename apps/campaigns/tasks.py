"""Celery tasks of campaigns (queue "campaigns"): they take ids and call the services. A database or
broker connection error is retried by every task's base class (common/tasks.py)."""

from __future__ import annotations

from celery import shared_task

from common.metrics import emails_record

from . import services
from .email_sender import campaign_send_chunk


@shared_task(ignore_result=True)
def send_campaign_chunk(campaign_id: str, chunk: int, attempt: int = 0, busy: int = 0) -> dict:
    """Claim, render, send and settle one chunk. Safe to run twice: a second run finds nothing pending."""
    report = campaign_send_chunk(campaign_id=campaign_id, chunk=chunk, attempt=attempt, busy=busy)
    if report.retry_in is not None:
        again = (attempt, busy + 1) if report.busy else (attempt + 1, busy)
        send_campaign_chunk.apply_async((campaign_id, chunk, *again), countdown=report.retry_in)
    emails_record(
        provider=report.provider or report.provider_may_have,
        sent=report.sent,
        failed=report.failed,
        unknown=report.unknown,
    )
    return {
        "claimed": report.claimed,
        "sent": report.sent,
        "failed": report.failed,
        "unknown": report.unknown,
        "skipped": report.skipped,
    }


@shared_task(ignore_result=True)
def write_campaign_recipients(campaign_id: str) -> int:
    """Write a started campaign's recipient rows, dispatching chunks as they are written. Safe to run
    again (after a crash, or by the reconcile job): rows already written are kept, none twice."""
    return services.campaign_write_recipients(campaign_id=campaign_id)


@shared_task(ignore_result=True)
def start_due_campaigns() -> int:
    return services.campaigns_start_due()


@shared_task(ignore_result=True)
def reconcile_campaigns() -> dict:
    return services.campaigns_reconcile()


@shared_task(ignore_result=True)
def resolve_unknown_outcomes() -> dict:
    """Ask the providers' logs about rows whose outcome is unknown (apps/campaigns/resolution.py)."""
    from .resolution import campaigns_resolve_unknown  # here: this block stays apart from the others

    return campaigns_resolve_unknown()


@shared_task(ignore_result=True)
def send_campaign_report(campaign_id: str) -> bool:
    """E-mail the owner of a completed campaign its report; safe to run twice (one e-mail)."""
    from .reports import campaign_report_send

    return campaign_report_send(campaign_id=campaign_id) is not None


@shared_task(ignore_result=True)
def send_missed_campaign_reports() -> int:
    from .reports import campaigns_send_missed_reports

    return campaigns_send_missed_reports()
