from celery import shared_task

from .services import privacy_export_run


@shared_task
def export_subject_data(request_id: str) -> str:
    """Write a data-subject export's ZIP (apps/privacy/services.privacy_export_run)."""
    request = privacy_export_run(request_id=request_id)
    return request.status if request else "skipped"
