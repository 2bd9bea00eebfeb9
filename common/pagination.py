"""The pagination shape of every list: {count, next, previous, page_size, results}.

``page_size`` in the body is the size the server used: a requested ``?page_size=`` above the maximum is
served at the maximum, and the body says so; one that is not a positive whole number is a 400.

A page's rows and the list's ``count`` come from one statement (``CountedPagePaginator``): one round
trip to the database fewer per list. A view with ``paginate_ids_first = True`` has its page read in two
steps within that statement: the ids of the page (sorted on the narrow rows), then the page's rows with
their joins and annotations for those ids only (``IdsFirstPaginator``). For a list whose filter no index
can order (tasks: assignee OR creator), PostgreSQL otherwise joins and carries every matching row, users
and all, through the sort.
"""

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

# The largest OFFSET PostgreSQL takes.
BIGINT_MAX = 2**63 - 1


class CountedPagePaginator(Paginator):
    """Django's paginator that reads a queryset's page and its total count in one statement: the count
    is a scalar subquery beside the page's rows (PostgreSQL runs it once), so a list costs one round
    trip to the database fewer (issue 18: each is several milliseconds on a loaded machine).

    The count is the same number ``queryset.count()`` gives; an empty first page is a count of 0, and so
    is a queryset Django can write no SQL for (``.none()``, ``pk__in=[]``: EmptyResultSet). For a
    page past the last, or a queryset this does not cover (no model rows, DISTINCT, GROUP BY, a
    UNION), Django's path runs: a separate count, and its errors for a page out of range.
    """

    COUNT_ATTRIBUTE = "_pagination_total_count"

    def page(self, number):
        queryset = self.object_list
        if not self._counts_in_page(queryset):
            return super().page(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's PageNotAnInteger
        if number < 1:
            return super().page(number)  # Django's EmptyPage
        bottom = (number - 1) * self.per_page
        if bottom + self.per_page > BIGINT_MAX:
            # PostgreSQL refuses an OFFSET past bigint ("bigint out of range", a 400); Django's path
            # counts first and answers a page past the last (404 "Invalid page").
            return super().page(number)
        try:
            count_sql, count_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # .none(), pk__in=[]: no SQL to run, and no rows
            rows = []
        else:
            counted = queryset.annotate(
                **{self.COUNT_ATTRIBUTE: RawSQL(f"SELECT COUNT(*) FROM ({count_sql}) AS counted", count_params)}
            )
            rows = list(self.rows(counted, bottom, bottom + self.per_page))
        if not rows:
            if number == 1 and self.allow_empty_first_page:
                self.__dict__["count"] = 0  # nothing from offset 0: nothing at all
                return self._get_page(rows, number, self)
            return super().page(number)
        self.__dict__["count"] = getattr(rows[0], self.COUNT_ATTRIBUTE)
        return self._get_page(rows, number, self)

    def rows(self, queryset, bottom: int, top: int):
        return queryset[bottom:top]

    def _counts_in_page(self, queryset) -> bool:
        query = getattr(queryset, "query", None)
        return (
            isinstance(queryset, QuerySet)
            and queryset._iterable_class is ModelIterable
            and self.orphans == 0
            and not query.distinct
            and not query.group_by
            and not query.combinator
            and not query.is_sliced
        )


class IdsFirstPaginator(CountedPagePaginator):
    """The page as ``WHERE pk IN (the page's ids, sorted and sliced)``, in the queryset's order: same rows,
    same order, same number of queries."""

    def rows(self, queryset, bottom: int, top: int):
        return queryset.filter(pk__in=queryset.values("pk")[bottom:top])


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    page_size_query_description = "Results per page (default 20, at most 100; the body's page_size says which)."
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            message = _("Use a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.effective_page_size = self.get_page_size(request)
        self.django_paginator_class = (
            IdsFirstPaginator if getattr(view, "paginate_ids_first", False) else CountedPagePaginator
        )
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "page_size": self.effective_page_size,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"] = {
            **{key: value for key, value in response["properties"].items() if key != "results"},
            "page_size": {
                "type": "integer",
                "example": 20,
                "description": "The page size used: the requested page_size, capped at 100.",
            },
            "results": schema,
        }
        response["required"] = [*response["required"], "page_size"]
        return response
