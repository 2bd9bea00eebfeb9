"""Query filters of /api/leads/ (search and ordering are in the view)."""

import django_filters
from django.db.models import Q

from common.korean_ids import normalize_business_number, normalize_corporation_number

from .models import Lead


class LeadFilter(django_filters.FilterSet):
    industry = django_filters.CharFilter(
        field_name="industry__code", lookup_expr="iexact", help_text="KSIC industry code, e.g. S96113."
    )
    si_nm = django_filters.CharFilter(help_text="Province / metropolitan city, e.g. 서울특별시.")
    sgg_nm = django_filters.CharFilter(help_text="District, e.g. 금천구.")
    employee_min = django_filters.NumberFilter(field_name="employee", lookup_expr="gte")
    employee_max = django_filters.NumberFilter(field_name="employee", lookup_expr="lte")
    revenue_min = django_filters.NumberFilter(field_name="revenue", lookup_expr="gte", help_text="KRW")
    revenue_max = django_filters.NumberFilter(field_name="revenue", lookup_expr="lte", help_text="KRW")
    established_date = django_filters.DateFromToRangeFilter(
        help_text="Range: established_date_after / established_date_before (inclusive, YYYY-MM-DD)."
    )
    business_status = django_filters.ChoiceFilter(
        choices=[(value, label) for value, label in Lead.BusinessStatus.choices if value],
        help_text="The NTS business status (active, suspended, closed, unregistered).",
    )
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte", help_text="Lead score, 0–100.")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte", help_text="Lead score, 0–100.")
    has_email = django_filters.BooleanFilter(
        method="filter_has_email", help_text="Only leads with (or without) an e-mail."
    )

    business_number = django_filters.CharFilter(
        method="filter_business_number", help_text="Exact, with or without dashes: 118-81-20723."
    )
    corporation_number = django_filters.CharFilter(
        method="filter_corporation_number", help_text="Exact, with or without the dash: 110111-1713381."
    )

    class Meta:
        model = Lead
        fields = ["industry", "si_nm", "sgg_nm"]

    def filter_business_number(self, queryset, name, value):
        return queryset.filter(business_number=normalize_business_number(value.strip()))

    def filter_corporation_number(self, queryset, name, value):
        return queryset.filter(corporation_number=normalize_corporation_number(value.strip()))

    def filter_has_email(self, queryset, name, value):
        has_email = ~Q(email="")
        return queryset.filter(has_email) if value else queryset.exclude(has_email)
