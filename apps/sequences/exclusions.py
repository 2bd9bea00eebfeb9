"""Who a sequence step must not be sent to, checked for every step just before its rows are written:
the one function the scheduler asks (services.sequence_schedule_due).

The campaign recipient writer's exclusions, each one query over the batch: the suppression list
(apps/mail), an advertising sequence's addresses without a valid consent basis now (apps/consent,
정보통신망법 제50조), and companies the NTS reports closed or suspended (apps/leads, issue 20). (The send
pipeline checks the suppression list again at the claim: an address suppressed between scheduling and
sending is not e-mailed.)
"""

from __future__ import annotations

from apps.consent.selectors import consent_refusals
from apps.leads.models import Lead
from apps.mail.models import SuppressedAddress
from apps.mail.suppression import suppression_reasons

from .models import Enrollment

Reason = Enrollment.StopReason
_SUPPRESSION_STOP = {
    SuppressedAddress.Reason.UNSUBSCRIBED: Reason.UNSUBSCRIBED,
    SuppressedAddress.Reason.COMPLAINED: Reason.UNSUBSCRIBED,
    SuppressedAddress.Reason.BOUNCED: Reason.BOUNCED,
    SuppressedAddress.Reason.MANUAL: Reason.SUPPRESSED,
}


def send_exclusions(*, user_id, emails: list[str], lead_ids: list, advertising: bool = True) -> dict[str, str]:
    """The addresses (lower-case, as enrolments store them) a step must not go to, each with the
    enrolment's stop reason; the first reason wins in the campaign writer's order (suppressed, no
    consent, closed or suspended company)."""
    suppressed = suppression_reasons(emails, user_id=user_id)
    excluded = {email: _SUPPRESSION_STOP.get(reason, Reason.SUPPRESSED) for email, reason in suppressed.items()}
    if advertising:
        for email in consent_refusals(user_id=user_id, emails=emails):
            excluded.setdefault(email, Reason.NO_CONSENT)
    inactive = Lead.objects.filter(
        pk__in=lead_ids, user_id=user_id, business_status__in=Lead.INACTIVE_STATUSES
    ).values_list("email", flat=True)
    for email in inactive:
        excluded.setdefault(email.strip().lower(), Reason.BUSINESS_INACTIVE)
    return excluded
