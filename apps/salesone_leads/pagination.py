"""Pagination of the national search: page numbers for the first pages, a keyset cursor beyond.

``count`` is exact up to SALESONE_SEARCH_EXACT_COUNT_LIMIT matches; above it, or when the planner
expects far more matches, the planner's estimate is answered with ``count_is_estimate: true``
(counting a million rows exactly would cost more than the page). ``next_cursor`` continues after
the page's last row on the ordering's index, so page 10,000 costs what page 1 does;
page numbers stop at SALESONE_SEARCH_MAX_OFFSET.
"""

import base64
import binascii
import json
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common.pagination import StandardPagination

from .selectors import SearchResult

# Above this many expected matches (and 5x the exact-count limit) the exact count is not tried:
# counting the first 1,001 matches of a broad search costs more than its page (서울 + J62 + revenue:
# 85 ms for the count, 4 ms for the page, on a million companies).
PLANNER_SURE_ABOVE = 5_000


def count_matches(search: SearchResult) -> tuple[int, bool]:
    """(count, is_estimate) of a search; above the cap the planner's estimate of the matches
    (``search.planned_matches()``).

    When the planner expects far more matches than the cap, the exact count is skipped. Its
    estimate of the queryset itself errs low, not high, when it cannot estimate a condition (the
    ILIKE recheck of long words), so a search with few matches is still counted exactly.
    """
    cap = settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT
    expected = search.planned_matches() if search.estimate_queryset is None else search.planned_queryset_rows()
    if expected <= max(5 * cap, PLANNER_SURE_ABOVE):
        exact = search.count_up_to(cap + 1)
        if exact <= cap:
            return exact, False
    return max(search.planned_matches(), cap + 1), True


class SalesOneLeadPagination(StandardPagination):
    cursor_query_param = "cursor"

    def paginate_search(self, search: SearchResult, request) -> list:
        self.request = request
        size = self.effective_page_size = self.get_page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        self.page_number = None
        offset = 0
        if token:
            after = self._decode(token, search)
        else:
            try:
                self.page_number = int(request.query_params.get(self.page_query_param, 1))
            except ValueError:
                raise NotFound(_("Invalid page."))
            if self.page_number < 1:
                raise NotFound(_("Invalid page."))
            offset = (self.page_number - 1) * size
            if offset >= settings.SALESONE_SEARCH_MAX_OFFSET:
                raise ValidationError(
                    {
                        "page": [
                            _("Page numbers reach the first %(limit)s results; go deeper by following next_cursor.")
                            % {"limit": f"{settings.SALESONE_SEARCH_MAX_OFFSET:,}"}
                        ]
                    }
                )
        rows = search.rows_after(after, size + 1) if token else search.rows(offset, size + 1)
        self.has_next = len(rows) > size
        rows = rows[:size]
        if not rows and self.page_number and self.page_number > 1:
            raise NotFound(_("Invalid page."))
        self.count, self.count_is_estimate = count_matches(search)
        self.next_cursor = self._encode(rows[-1], search) if self.has_next else None
        return rows

    def _encode(self, row, search: SearchResult) -> str:
        values = []
        for i in range(len(search.keys)):
            value = getattr(row, f"sort_key_{i}")
            values.append(value.isoformat() if isinstance(value, date) else value)
        payload = json.dumps({"o": search.ordering, "k": values}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=")

    def _decode(self, token: str, search: SearchResult) -> list:
        invalid = ValidationError({"cursor": [_("Invalid cursor: use next_cursor of a previous page unchanged.")]})
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            ordering, values = payload["o"], payload["k"]
        except (binascii.Error, ValueError, TypeError, KeyError):
            raise invalid
        if ordering != search.ordering:
            raise ValidationError({"cursor": [_("This cursor belongs to another ordering; start again from page 1.")]})
        if not isinstance(values, list) or len(values) != len(search.keys):
            raise invalid
        decoded = []
        for key, value in zip(search.keys, values, strict=True):
            try:
                decoded.append(date.fromisoformat(value) if key.kind is date else int(value))
            except (TypeError, ValueError):
                raise invalid
        return decoded

    def get_next_link(self):
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        if self.page_number is None:
            return replace_query_param(url, self.cursor_query_param, self.next_cursor)
        url = remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self):
        if not self.page_number or self.page_number == 1:
            return None  # a cursor page goes forward only
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_is_estimate": self.count_is_estimate,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "next_cursor": self.next_cursor,
                "page_size": self.effective_page_size,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_is_estimate", "page_size", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "count_is_estimate": {
                    "type": "boolean",
                    "description": "true when count is the planner's estimate (more matches than "
                    "SALESONE_SEARCH_EXACT_COUNT_LIMIT)",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "next_cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "pass as ?cursor= for the page after this one, at any depth",
                },
                "page_size": {"type": "integer", "description": "The page size used: page_size capped at 100."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "next_cursor of the previous page (keyset pagination; replaces page).",
                "schema": {"type": "string"},
            }
        )
        return parameters
