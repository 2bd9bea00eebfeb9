"""Reads of the leads app that are more than a filter: lead counts and one page of a list's members."""

from collections.abc import Sequence

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, TextField
from django.db.models.functions import Cast

from .models import Lead, LeadList


def lead_list_with_counts(queryset: QuerySet[LeadList]) -> QuerySet[LeadList]:
    """Lists with ``lead_count`` computed in SQL; ``lead_ids`` comes in the same row (no query per list)."""
    return queryset.annotate(lead_count=Func(F("lead_ids"), function="cardinality", output_field=IntegerField()))


def lead_list_page_rows(queryset: QuerySet[LeadList]) -> QuerySet[LeadList]:
    """Lists as the list page shows them: ``lead_ids`` read as text (``lead_ids_text``) instead of
    UUIDs. A page of 100 lists carries up to a million ids; PostgreSQL writes each as the same
    canonical string ``str(uuid)`` would, without a Python UUID made and formatted per id."""
    return queryset.defer("lead_ids").annotate(lead_ids_text=Cast("lead_ids", ArrayField(TextField())))


class LeadIdsWindow(Sequence):
    """``lead_list.lead_ids`` as a sequence a paginator can slice, reading only the requested slice
    from PostgreSQL (``lead_ids[a:b]``) instead of the whole array."""

    def __init__(self, lead_list: LeadList, count: int):
        self.lead_list_id = lead_list.pk
        self.count_ = count

    def __len__(self) -> int:
        return self.count_

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("LeadIdsWindow supports contiguous slices only")
        start, stop, _ = index.indices(self.count_)
        if stop <= start:
            return []
        with connection.cursor() as cursor:
            # PostgreSQL arrays are 1-based and their slices inclusive.
            cursor.execute(
                "SELECT lead_ids[%s:%s] FROM leads_leadlist WHERE id = %s", [start + 1, stop, self.lead_list_id]
            )
            row = cursor.fetchone()
        return list(row[0] or []) if row else []


def lead_list_members(*, lead_list: LeadList, lead_ids: Sequence) -> list[Lead]:
    """The leads behind ``lead_ids`` (one page of ``lead_list.lead_ids``) in that order: one query."""
    leads = Lead.objects.filter(user_id=lead_list.user_id, id__in=list(lead_ids)).select_related("industry", "user")
    by_id = {lead.id: lead for lead in leads}
    return [by_id[lead_id] for lead_id in lead_ids if lead_id in by_id]


def lead_held_by(user) -> Exists:
    """Whether ``user`` holds the outer row's company (its ``corporation_number``) as a lead. The
    excluded blank number matches the partial unique index on (user, corporation_number), so this is
    one index probe per row."""
    return Exists(
        Lead.objects.filter(user=user, corporation_number=OuterRef("corporation_number")).exclude(corporation_number="")
    )


def lead_list_get(*, user, lead_list_id) -> LeadList | None:
    """The user's lead list with this id, or None (another user's list is None too)."""
    return LeadList.objects.filter(user=user, pk=lead_list_id).first()


def numbers_held_by(user, *, field_name: str, numbers: list[str]) -> set[str]:
    """Which of ``numbers`` (bare digits) ``user``'s leads already hold in ``field_name``
    (``corporation_number`` or ``business_number``, both unique per user): one query."""
    numbers = [number for number in set(numbers) if number]
    if not numbers:
        return set()
    return set(Lead.objects.filter(user=user, **{f"{field_name}__in": numbers}).values_list(field_name, flat=True))
