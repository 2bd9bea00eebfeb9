"""The search's parameters: validated here (query string or import body), applied by selectors.py."""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.filters import filterset_errors, known_parameters, reject_unknown_parameters

from .models import SalesOneLead
from .selectors import Ordering


class CharListFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated values: ``si_nm=서울특별시,경기도``."""


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class SalesOneLeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        help_text="Korean (or Latin) substring of name, name_eng, owner, address or description; "
        "two characters (넥스) are enough. Several words must all occur."
    )
    industry = CharListFilter(help_text="KSIC codes or code prefixes, comma-separated: S96 matches every S96xxx.")
    si_nm = CharListFilter(help_text="시/도, comma-separated (서울특별시,경기도).")
    sgg_nm = CharListFilter(help_text="시/군/구, comma-separated (금천구).")
    revenue_min = IntegerFilter(min_value=0, help_text="finance_revenue at least (KRW).")
    revenue_max = IntegerFilter(min_value=0, help_text="finance_revenue at most (KRW).")
    employee_min = IntegerFilter(min_value=0)
    employee_max = IntegerFilter(min_value=0)
    finance_year = IntegerFilter(min_value=1900, max_value=2100)
    established_from = django_filters.DateFilter(help_text="established_date on or after (YYYY-MM-DD).")
    established_to = django_filters.DateFilter(help_text="established_date on or before (YYYY-MM-DD).")
    keywords = CharListFilter(help_text="Keyword names, comma-separated; see keywords_match.")
    keywords_match = django_filters.ChoiceFilter(
        choices=[("any", "any of the keywords (default)"), ("all", "all of the keywords")]
    )
    is_corporation = django_filters.BooleanFilter()
    is_normal_taxpayer = django_filters.BooleanFilter()
    has_email = django_filters.BooleanFilter()
    has_phone = django_filters.BooleanFilter()
    has_homepage = django_filters.BooleanFilter()
    ordering = django_filters.ChoiceFilter(
        choices=Ordering.CHOICES,
        help_text="Default: relevance with q, else -finance_revenue (revenue / -revenue are aliases).",
    )

    class Meta:
        model = SalesOneLead
        fields: list[str] = []

    def get_form_class(self):
        """django-filters builds a form class, and a form field per filter, for every FilterSet; these
        filters are the same for every request (static choices, no queryset), so the class is built
        once per process (issue 18: the review measured 2.8 → 1.7 ms of process CPU a request, load 4.5;
        cProfile had said 4-6 ms). Each
        request still gets its own form instance, whose fields Django copies from the class."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = cls._form_class = super().get_form_class()
        return form_class

    def filter_queryset(self, queryset):
        # selectors.salesone_lead_search applies the cleaned values as one query (views.py).
        return queryset

    def clean_filters(self) -> dict:
        """Cleaned values of the parameters that were given; raises ValidationError otherwise."""
        from rest_framework.exceptions import ValidationError

        reject_unknown_parameters(self.data, known_parameters(self))
        errors = filterset_errors(self)
        if errors:
            raise ValidationError(errors)
        data = self.form.cleaned_data
        filters = {name: value for name, value in data.items() if value not in (None, "", [])}
        for name in ("revenue", "employee"):
            low, high = filters.get(f"{name}_min"), filters.get(f"{name}_max")
            if low is not None and high is not None and low > high:
                raise ValidationError({f"{name}_max": [_("Must be at least %(name)s_min.") % {"name": name}]})
        low, high = filters.get("established_from"), filters.get("established_to")
        if low and high and low > high:
            raise ValidationError({"established_to": [_("Must be on or after established_from.")]})
        return filters
