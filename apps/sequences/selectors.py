"""Reads of sequences: numbers per step and per variant (human opens and clicks only: the tracking
app keeps machine events out of a result's opened_at and clicked_at), with a two-proportion test of
each variant against the step's first one."""

from __future__ import annotations

import math

from django.db.models import Count, F, Q

from apps.campaigns.models import CampaignLeadResult

from .models import Enrollment, Sequence, SequenceStep

SENT_STATUSES = ("sent", "opened", "clicked", "replied", "bounced")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def two_proportion_p_value(successes_a: int, total_a: int, successes_b: int, total_b: int) -> float | None:
    """Two-sided p-value of the two-proportion z-test (pooled); None without data on either side."""
    if not total_a or not total_b:
        return None
    pooled = (successes_a + successes_b) / (total_a + total_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    if spread == 0:
        return 1.0
    z = (successes_a / total_a - successes_b / total_b) / spread
    return round(math.erfc(abs(z) / math.sqrt(2)), 4)


def variant_numbers(*, step: SequenceStep) -> list[dict]:
    """Each variant of the step: scheduled, sent, opened, clicked, replied, bounced, the rates over
    sent, and the p-values of its open and reply rates against the first variant."""
    # A variant's sends are the result rows of its campaign (the row carries the step through it).
    rows = (
        CampaignLeadResult.objects.filter(campaign__sequence_variant__step=step)
        .values(variant_id=F("campaign__sequence_variant__id"), variant__name=F("campaign__sequence_variant__name"))
        .annotate(
            scheduled=Count("id"),
            sent=Count("id", filter=Q(status__in=SENT_STATUSES)),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            replied=Count("id", filter=Q(replied_at__isnull=False)),
            bounced=Count("id", filter=Q(status="bounced")),
        )
        .order_by("variant__name")
    )
    numbers = [
        {
            "variant_id": row["variant_id"],
            "variant": row["variant__name"],
            "scheduled": row["scheduled"],
            "sent": row["sent"],
            "opened": row["opened"],
            "clicked": row["clicked"],
            "replied": row["replied"],
            "bounced": row["bounced"],
            "open_rate": _rate(row["opened"], row["sent"]),
            "click_rate": _rate(row["clicked"], row["sent"]),
            "reply_rate": _rate(row["replied"], row["sent"]),
        }
        for row in rows
    ]
    control = numbers[0] if numbers else None
    for number in numbers:
        first = number is control
        number["open_p_value"] = (
            None
            if first
            else two_proportion_p_value(number["opened"], number["sent"], control["opened"], control["sent"])
        )
        number["reply_p_value"] = (
            None
            if first
            else two_proportion_p_value(number["replied"], number["sent"], control["replied"], control["sent"])
        )
        number["significant"] = any(
            p is not None and p < 0.05 for p in (number["open_p_value"], number["reply_p_value"])
        )
        number["winner"] = number["variant_id"] == step.winner_id
    return numbers


def sequence_stats(*, sequence: Sequence) -> dict:
    """Enrolments by state and stop reason, and each step's numbers by variant."""
    by_state = dict(
        Enrollment.objects.filter(sequence=sequence).values_list("state").annotate(n=Count("id")).order_by()
    )
    by_reason = dict(
        Enrollment.objects.filter(sequence=sequence)
        .exclude(stop_reason="")
        .values_list("stop_reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    steps = []
    for step in sequence.steps.order_by("order"):
        variants = variant_numbers(step=step)
        totals = {
            k: sum(v[k] for v in variants) for k in ("scheduled", "sent", "opened", "clicked", "replied", "bounced")
        }
        steps.append(
            {
                "step_id": step.pk,
                "order": step.order,
                **totals,
                "open_rate": _rate(totals["opened"], totals["sent"]),
                "reply_rate": _rate(totals["replied"], totals["sent"]),
                "variants": variants,
            }
        )
    return {
        "enrollments": sum(by_state.values()),
        "by_state": {state: by_state.get(state, 0) for state in Enrollment.State.values},
        "by_stop_reason": {reason: by_reason.get(reason, 0) for reason in Enrollment.StopReason.values if reason},
        "steps": steps,
    }
