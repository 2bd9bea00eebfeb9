"""Celery tasks of deliverability: the daily domain check and the complaint-rate job."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def check_sender_domains() -> int:
    return len(services.sender_domains_check_all())


@shared_task(ignore_result=True)
def update_complaint_rates() -> int:
    return len(services.sender_domains_update_complaint_rates())
