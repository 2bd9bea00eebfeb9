"""Celery tasks of the lead database (routed to the ``imports`` queue by base.py)."""

from celery import shared_task

from .services import import_job_run


@shared_task(acks_late=True)
def run_import_job(job_id: str) -> dict:
    """Run an ImportJob; a redelivery after a crash resumes at the last committed batch."""
    job = import_job_run(job_id=job_id)
    return {"status": job.status, "processed": job.processed, "created": job.created}
