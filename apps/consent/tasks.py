from celery import shared_task

from .services import consents_reconfirm_due


@shared_task
def send_consent_reconfirmations() -> int:
    """Daily (beat): the two-yearly re-confirmation notices of 정보통신망법 제50조⑧."""
    return consents_reconfirm_due()
