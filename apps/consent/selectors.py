"""Reads of the consent ledger: the current state of an address, and why advertising mail to it is
refused. The rule lives here once, as SQL: the campaign recipient writer embeds ``refusal_sql`` in its
own statement, and ``consent_refusals`` serves every other sender (sequences, the admin)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ConsentEvent

E = ConsentEvent.Kind
B = ConsentEvent.Basis

# Why an address may not receive advertising mail now (None: it may). Stable codes, on the wire too.
REFUSALS = {
    "erased": _("the person was erased on request (개인정보보호법)"),
    "no_consent": _("no consent recorded"),
    "withdrawn": _("consent withdrawn (opt-out)"),
    "unconfirmed": _("opt-in not confirmed yet"),
    "unknown_basis": _("existing data, basis unknown"),
    "customer_deal_expired": _("existing customer: the transaction is more than 6 months old"),
    "expired": _("consent older than 2 years without re-confirmation"),
}

# 정보통신망법 제50조⑧ and 시행령 제62조의3: consent is re-confirmed every 2 years; 제50조①1호 and
# 시행령 제61조: the existing-customer exemption lasts 6 months from the transaction.
CONSENT_VALID_FOR = "2 years"
EXISTING_CUSTOMER_VALID_FOR = "6 months"

# The latest event of (user, address) as a LATERAL subquery named ``consent``, at ``consent_now`` (the
# application's clock: testable, and an event recorded earlier in the same transaction counts).
# ``{user}`` and ``{email}`` are SQL expressions of the enclosing query; ``{gate}`` a condition that
# skips the lookup (non-advertising mail, an empty address).
_LATEST_SQL = """LEFT JOIN LATERAL (
    SELECT e.kind, e.basis, e.occurred_at, e.deal_date
    FROM consent_consentevent e
    WHERE ({gate}) AND e.user_id = {user} AND e.email = {email} AND e.occurred_at <= %(consent_now)s::timestamptz
    ORDER BY e.occurred_at DESC, e.created_at DESC
    LIMIT 1
) AS consent ON true"""

# A person a user erased (apps/privacy) is on the suppression list by a hash of that user and the
# address (apps/mail/suppression.erased_key): that user's mail is refused whatever it is, advertising or
# not. The hash of the address alone stands for an address that was suppressed for everybody.
_ERASED_SQL = """EXISTS (
    SELECT 1 FROM mail_suppressedaddress erased
    WHERE erased.email IN (
        'sha256:' || encode(sha256(convert_to(({user})::text || ':' || {email}, 'UTF8')), 'hex'),
        'sha256:' || encode(sha256(convert_to({email}, 'UTF8')), 'hex')
    )
)"""

_REFUSAL_CASE_SQL = f"""CASE
    {{erased}}
    WHEN NOT ({{gate}}) THEN NULL
    WHEN consent.kind IS NULL THEN 'no_consent'
    WHEN consent.kind = '{E.WITHDRAWN}' THEN 'withdrawn'
    WHEN consent.kind = '{E.REQUESTED}' THEN 'unconfirmed'
    WHEN consent.basis = '{B.UNKNOWN}' AND NOT %(consent_allow_unknown)s THEN 'unknown_basis'
    WHEN consent.basis = '{B.EXISTING_CUSTOMER}' AND (consent.deal_date IS NULL OR consent.deal_date
         < ((%(consent_now)s::timestamptz AT TIME ZONE 'Asia/Seoul') - interval '{EXISTING_CUSTOMER_VALID_FOR}')::date)
        THEN 'customer_deal_expired'
    WHEN consent.basis <> '{B.EXISTING_CUSTOMER}'
         AND consent.occurred_at < %(consent_now)s::timestamptz - interval '{CONSENT_VALID_FOR}' THEN 'expired'
END"""


def latest_join_sql(*, user: str, email: str, gate: str = "true") -> str:
    """The LATERAL join that finds the latest consent event (see ``refusal_sql``)."""
    return _LATEST_SQL.format(user=user, email=email, gate=gate)


def refusal_sql(*, gate: str = "true", email: str | None = None, user: str = "") -> str:
    """A CASE giving the refusal code of the joined ``consent`` row (NULL: may be sent); with ``email``
    and ``user`` (SQL expressions), an address that user erased is refused first, whatever ``gate`` says. Its
    parameters ``consent_allow_unknown`` and ``consent_now`` come from ``refusal_params()``."""
    if email and not user:
        raise ValueError("An erased address is refused per user: give the user's SQL expression too.")
    erased = f"WHEN {email} <> '' AND {_ERASED_SQL.format(email=email, user=user)} THEN 'erased'" if email else ""
    return _REFUSAL_CASE_SQL.format(gate=gate, erased=erased)


def refusal_params() -> dict:
    return {"consent_allow_unknown": settings.CONSENT_ALLOW_UNKNOWN_BASIS, "consent_now": timezone.now()}


def consent_refusals(*, user_id, emails: list[str]) -> dict[str, str]:
    """The addresses among ``emails`` (compared lower-case) that may not receive advertising mail of
    ``user_id`` now, each with its refusal code. One statement, one array parameter."""
    emails = sorted({email.strip().lower() for email in emails if email.strip()})
    if not emails:
        return {}
    sql = f"""
        SELECT a.email, {refusal_sql(email="a.email", user="%(user)s")} AS refusal
        FROM unnest(%(emails)s::text[]) AS a(email)
        {latest_join_sql(user="%(user)s", email="a.email")}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"emails": emails, "user": user_id, **refusal_params()})
        return {email: refusal for email, refusal in cursor.fetchall() if refusal is not None}


def consent_state(*, user, email: str) -> dict:
    """What the SPA and the admin show for one address: its latest event and whether advertising
    mail may go to it now (with the refusal's code and words when not)."""
    email = email.strip().lower()
    latest = consent_event_list(user=user, email=email).first()
    refusal = consent_refusals(user_id=user.pk, emails=[email]).get(email)
    return {
        "email": email,
        "latest": latest,
        "advertising_allowed": refusal is None,
        "refusal": refusal,
        "refusal_reason": str(REFUSALS[refusal]) if refusal else "",
    }


def consent_event_list(*, user, email: str | None = None) -> QuerySet[ConsentEvent]:
    events = ConsentEvent.objects.filter(user=user, occurred_at__lte=dt.datetime.now(dt.UTC))
    if email is not None:
        events = events.filter(email=email.strip().lower())
    return events.order_by("-occurred_at", "-created_at")


def consents_due_for_reconfirmation(*, now: dt.datetime, notice_days: int):
    """(user_id, email, basis, occurred_at) of every address whose latest event is a grant or a
    re-confirmation that turns 2 years old within ``notice_days``: the beat job notifies them."""
    sql = """
        SELECT DISTINCT ON (e.user_id, e.email) e.user_id, e.email, e.kind, e.basis, e.occurred_at
        FROM consent_consentevent e
        WHERE e.occurred_at <= %(now)s
        ORDER BY e.user_id, e.email, e.occurred_at DESC, e.created_at DESC
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT user_id, email, basis FROM ({sql}) latest
                WHERE kind IN ('{E.GRANTED}', '{E.RECONFIRMED}') AND basis IN ('{B.OPT_IN_FORM}', '{B.IMPORT_EVIDENCE}')
                  AND occurred_at <= %(now)s - interval '{CONSENT_VALID_FOR}' + make_interval(days => %(days)s)""",
            {"now": now, "days": notice_days},
        )
        return cursor.fetchall()
