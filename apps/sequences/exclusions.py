"""Who a sequence step must not be sent to, checked for every step just before its rows are written:
the one function the scheduler asks (services.sequence_schedule_due).

Today: the suppression list (apps/mail). The campaign recipient writer's other exclusions (closed or
suspended companies, addresses without a valid consent) plug in here, as one more query over the same
batch, so that every step honours them as campaigns do. (The send pipeline checks the suppression list
again at the claim: an address suppressed between scheduling and sending is not e-mailed.)
"""

from __future__ import annotations

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


def send_exclusions(*, user_id, emails: list[str], lead_ids: list) -> dict[str, str]:
    """The addresses (lower-case, as enrolments store them) a step must not go to, each with the
    enrolment's stop reason. ``user_id`` and ``lead_ids`` are for the per-company and per-owner checks."""
    return {
        email: _SUPPRESSION_STOP.get(reason, Reason.SUPPRESSED) for email, reason in suppression_reasons(emails).items()
    }
