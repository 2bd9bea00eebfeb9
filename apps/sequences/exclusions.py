"""Who a sequence step must not be sent to, checked for every step just before its rows are written:
the one place the scheduler (services.sequence_schedule_due) takes them from.

The campaign recipient writer's exclusions, as SQL the scheduler's batch statement embeds (one join
each over the batch, no address list through Python): the suppression list (apps/mail; an erased
person by the hashes apps/consent's rule checks), an advertising sequence's addresses without a valid
consent basis now (apps/consent, 정보통신망법 제50조), and companies the NTS reports closed or
suspended (apps/leads, issue 20). The first reason wins, in the campaign writer's order. (The send
pipeline checks the suppression list again at the claim: an address suppressed between scheduling
and sending is not e-mailed.)
"""

from __future__ import annotations

from apps.consent.selectors import latest_join_sql, refusal_params, refusal_sql
from apps.leads.models import Lead
from apps.mail.models import SuppressedAddress

from .models import Enrollment

Reason = Enrollment.StopReason
_SUPPRESSION_STOP = {
    SuppressedAddress.Reason.UNSUBSCRIBED: Reason.UNSUBSCRIBED,
    SuppressedAddress.Reason.COMPLAINED: Reason.UNSUBSCRIBED,
    SuppressedAddress.Reason.BOUNCED: Reason.BOUNCED,
    SuppressedAddress.Reason.MANUAL: Reason.SUPPRESSED,
}
_SUPPRESSED_CASES = " ".join(f"WHEN '{reason.value}' THEN '{stop.value}'" for reason, stop in _SUPPRESSION_STOP.items())
_INACTIVE = ", ".join(f"'{status.value}'" for status in Lead.INACTIVE_STATUSES)


def exclusion_sql(*, email: str, user: str) -> tuple[str, str]:
    """(the columns ``suppressed_reason`` and ``refusal`` to select, the joins they need) for a query
    whose rows have the lower-case address ``email`` and the owner ``user`` (SQL expressions).
    Parameters: ``exclusion_params()``. ``STOP_REASON_SQL`` turns them into the stop reason."""
    refusal = refusal_sql(gate="%(advertising)s", email=email, user=user)
    columns = f"suppressed.reason AS suppressed_reason, {refusal} AS refusal"
    joins = f"""LEFT JOIN {SuppressedAddress._meta.db_table} suppressed ON suppressed.email = {email}
    {latest_join_sql(user=user, email=email, gate="%(advertising)s")}"""
    return columns, joins


# Over the columns above and the lead's ``business_status``: the enrolment's stop reason, NULL when the
# step may go; the first reason wins, in the campaign writer's order.
STOP_REASON_SQL = f"""CASE
    WHEN suppressed_reason IS NOT NULL THEN
        CASE suppressed_reason {_SUPPRESSED_CASES} ELSE '{Reason.SUPPRESSED.value}' END
    WHEN refusal = 'erased' THEN '{Reason.SUPPRESSED.value}'
    WHEN refusal IS NOT NULL THEN '{Reason.NO_CONSENT.value}'
    WHEN business_status IN ({_INACTIVE}) THEN '{Reason.BUSINESS_INACTIVE.value}'
END"""


def exclusion_params(*, advertising: bool) -> dict:
    return {"advertising": advertising, **refusal_params()}
