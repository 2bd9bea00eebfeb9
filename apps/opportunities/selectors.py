"""Reads of the opportunities app: the pipeline board."""

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from .models import Opportunity


def opportunity_pipeline(*, queryset: QuerySet[Opportunity]) -> dict:
    """Count and total value per status, every status present (zeros included), in board order.

    One GROUP BY query; ``queryset`` is already scoped to the user (and narrowed by any filters).
    Opportunities without a value count in ``count`` and add nothing to ``total_value``.
    """
    rows = {
        row["status"]: row
        for row in queryset.order_by().values("status").annotate(count=Count("id"), total_value=Sum("value"))
    }
    columns = []
    for status in Opportunity.Status:
        row = rows.get(status.value, {})
        columns.append(
            {
                "status": status.value,
                "label": status.label,
                "count": row.get("count", 0),
                "total_value": row.get("total_value") or Decimal("0"),
            }
        )
    return {
        "statuses": columns,
        "total_count": sum(column["count"] for column in columns),
        "total_value": sum((column["total_value"] for column in columns), Decimal("0")),
    }
