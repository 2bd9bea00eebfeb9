"""Bench leads have consent on record, as a customer's real leads must: the benches measure the send
path with the consent lookup of an advertising campaign (apps/consent), not a path without it."""

from apps.consent.models import ConsentEvent
from apps.consent.services import consent_grant_bulk
from apps.leads.models import Lead


def ensure_bench_consent(user) -> int:
    """Record an opt-in for every address of ``user``'s leads that has no consent event yet."""
    recorded = set(ConsentEvent.objects.filter(user=user).values_list("email", flat=True))
    emails = [
        email
        for email in Lead.objects.filter(user=user).exclude(email="").values_list("email", flat=True).iterator()
        if email.strip().lower() not in recorded
    ]
    return consent_grant_bulk(
        user=user,
        emails=emails,
        basis=ConsentEvent.Basis.IMPORT_EVIDENCE,
        source="bench",
        evidence_text="bench data (addresses under .example.kr)",
    )
