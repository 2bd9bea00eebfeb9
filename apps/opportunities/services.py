"""What the opportunities app does that writes: create, update and move opportunities between
statuses, keeping one history row per move (DESIGN.md: changes are validated and recorded)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import Conflict

from .models import Opportunity, OpportunityStatusChange


def opportunity_record_creation(*, opportunity: Opportunity, user) -> OpportunityStatusChange:
    """The first history row: from nothing to the starting status (also used by the admin's add)."""
    return OpportunityStatusChange.objects.create(
        opportunity=opportunity, from_status="", to_status=opportunity.status, user=user, changed_at=timezone.now()
    )


@transaction.atomic
def opportunity_create(*, user, **data) -> Opportunity:
    """A new opportunity; its starting status is recorded as the first history row."""
    opportunity = Opportunity.objects.create(user=user, **data)
    opportunity_record_creation(opportunity=opportunity, user=user)
    return opportunity


@transaction.atomic
def opportunity_change_status(*, opportunity: Opportunity, status: str, user, note: str = "") -> Opportunity:
    """Move to ``status`` (one of Opportunity.Status) and record the move with its time and note.

    Moving to the status it already has is a 409: it would record a move that did not happen.
    """
    if status not in Opportunity.Status.values:
        raise ValueError(f"unknown opportunity status {status!r}")
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opportunity.status == status:
        raise Conflict(_("The opportunity is already %(status)s.") % {"status": status})
    change = OpportunityStatusChange(
        opportunity=opportunity,
        from_status=opportunity.status,
        to_status=status,
        note=note,
        user=user,
        changed_at=timezone.now(),
    )
    opportunity.status = status
    opportunity.save(update_fields=["status", "updated_at"])
    change.save()
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, user, **data) -> Opportunity:
    """Change the fields; a new ``status`` goes through opportunity_change_status, so it is recorded."""
    status = data.pop("status", None)
    for name, value in data.items():
        setattr(opportunity, name, value)
    opportunity.save()
    if status is not None and status != opportunity.status:
        opportunity = opportunity_change_status(opportunity=opportunity, status=status, user=user)
    return opportunity
