import django_filters

from .models import Workflow, WorkflowExecution


class WorkflowFilter(django_filters.FilterSet):
    class Meta:
        model = Workflow
        fields = ["is_active", "is_template"]


class WorkflowExecutionFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = WorkflowExecution
        fields = ["workflow", "task", "status", "trigger"]
