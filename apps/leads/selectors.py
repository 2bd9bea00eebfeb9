"""Reads of the leads app that are more than a filter: the members of a lead list, in list order."""

from collections.abc import Sequence

from django.db.models import F, Func, IntegerField, QuerySet

from .models import Lead, LeadList


def lead_list_with_counts(queryset: QuerySet[LeadList], *, defer_ids: bool = False) -> QuerySet[LeadList]:
    """Lists with ``lead_count`` computed in SQL; ``defer_ids`` leaves the (possibly long) id array unread."""
    queryset = queryset.annotate(lead_count=Func(F("lead_ids"), function="cardinality", output_field=IntegerField()))
    return queryset.defer("lead_ids") if defer_ids else queryset


def lead_list_members(*, lead_list: LeadList, lead_ids: Sequence) -> list[Lead]:
    """The leads behind ``lead_ids`` (one page of ``lead_list.lead_ids``) in that order: one query."""
    leads = Lead.objects.filter(user_id=lead_list.user_id, id__in=list(lead_ids)).select_related("industry", "user")
    by_id = {lead.id: lead for lead in leads}
    return [by_id[lead_id] for lead_id in lead_ids if lead_id in by_id]
