from celery import shared_task
from django.conf import settings

from .services import privacy_export_run, privacy_exports_expire


@shared_task
def export_subject_data(request_id: str) -> str:
    """Write a data-subject export's ZIP (apps/privacy/services.privacy_export_run)."""
    request = privacy_export_run(request_id=request_id)
    return request.status if request else "skipped"


@shared_task
def expire_privacy_exports() -> int:
    """Beat job: delete export ZIPs older than PRIVACY_EXPORT_KEEP_DAYS (services.privacy_exports_expire)."""
    return privacy_exports_expire(keep_days=settings.PRIVACY_EXPORT_KEEP_DAYS)
