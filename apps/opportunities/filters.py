"""Query filters of /api/opportunities/ (also applied to the pipeline board)."""

import django_filters

from .models import Opportunity


class OpportunityFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Opportunity.Status.choices, help_text="One or more statuses: ?status=new&status=qualified."
    )
    source = django_filters.CharFilter(lookup_expr="iexact")
    expected_close_date = django_filters.DateFromToRangeFilter(
        help_text="Range: expected_close_date_after / expected_close_date_before (inclusive, YYYY-MM-DD)."
    )
    value_min = django_filters.NumberFilter(field_name="value", lookup_expr="gte")
    value_max = django_filters.NumberFilter(field_name="value", lookup_expr="lte")
    lead = django_filters.UUIDFilter(field_name="lead_id")

    class Meta:
        model = Opportunity
        fields = ["status", "source", "lead"]
