"""The pagination shape of every list: {count, next, previous, page_size, results}.

``page_size`` in the body is the size the server used: a requested ``?page_size=`` above the maximum is
served at the maximum, and the body says so; one that is not a positive whole number is a 400.

A view with ``paginate_ids_first = True`` has its page read in two steps within one statement: the ids of
the page (sorted on the narrow rows), then the page's rows with their joins and annotations for those
ids only (``IdsFirstPaginator``). For a list whose filter no index can order (tasks: assignee OR
creator), PostgreSQL otherwise joins and carries every matching row, users and all, through the sort.
"""

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class IdsFirstPaginator(Paginator):
    """Django's paginator whose page is ``WHERE pk IN (the page's ids, sorted and sliced)``, in the
    queryset's order: same rows, same order, same number of queries."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        page_ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=page_ids), number, self)


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
        if getattr(view, "paginate_ids_first", False):
            self.django_paginator_class = IdsFirstPaginator
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
