import django_filters
from django.db.models import Q
from django.utils import timezone

from .models import Task


class TaskFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Task.Status.choices)
    due_date = django_filters.DateFromToRangeFilter(help_text="due_date_after / due_date_before (inclusive)")
    client = django_filters.UUIDFilter(field_name="client_id")
    assignee = django_filters.UUIDFilter(field_name="assignee_id")
    created_by = django_filters.UUIDFilter(field_name="created_by_id")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text="true: due before today (Asia/Seoul) and not completed"
    )

    class Meta:
        model = Task
        fields = ["status", "is_repetitive"]

    def filter_overdue(self, queryset, name, value):
        condition = Q(due_date__lt=timezone.localdate()) & ~Q(status=Task.Status.COMPLETED)
        return queryset.filter(condition) if value else queryset.exclude(condition)
