"""Task shapes on the wire: SPEC.md's task objects (nested assignee and creator), with workflow runs."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.clients.models import Client
from apps.clients.serializers import OwnedClientField
from common.serializers import DateTimeField, ModelSerializer, UserSummarySerializer, utc_iso

from . import workflows_seam
from .models import Task, TaskReminderPreference
from .services import AUTO_ASSIGN_RULE


def _utc_from_json(value: str | None) -> str | None:
    """A timestamp PostgreSQL wrote into JSON, as the API writes datetimes."""
    return None if value is None else utc_iso(datetime.datetime.fromisoformat(value))


class TaskClientField(OwnedClientField):
    """One of the clients of the task's creator (the requesting user's, for a new task)."""

    def get_queryset(self):
        task = getattr(self.parent, "instance", None)
        if isinstance(task, Task):
            return Client.objects.filter(user_id=task.created_by_id)
        return super().get_queryset()


class TaskAssignmentCandidateSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    email = serializers.EmailField()
    open_tasks = serializers.IntegerField()
    weighted_open_work = serializers.IntegerField()
    last_auto_assigned_at = DateTimeField(allow_null=True, help_text="Last task auto-assigned to them in this team")


class TaskAssignmentTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaskAssignmentSerializer(serializers.Serializer):
    """Why auto-assign chose this assignee: the rule, and every member's open work at that moment."""

    rule = serializers.CharField()
    team = TaskAssignmentTeamSerializer()
    assignee_id = serializers.UUIDField()
    tie_broken_round_robin = serializers.BooleanField()
    candidates = TaskAssignmentCandidateSerializer(many=True)


class TaskSerializer(ModelSerializer):
    """Read: ``assignee`` and ``created_by`` as ``{id, email}``. Write: ``assignee_id`` (default: you; else
    someone on one of your teams). ``status`` is applied as change-status applies it. ``workflow_data``
    reads null for an assignee the creator has not allowed to run the workflows."""

    assignee = UserSummarySerializer(read_only=True)
    assignee_id = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        source="assignee",
        write_only=True,
        required=False,
        error_messages={"does_not_exist": _("User {pk_value} does not exist or is inactive.")},
    )
    created_by = UserSummarySerializer(read_only=True)
    client = TaskClientField(required=False, allow_null=True)
    workflow_ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=50)
    workflow_executions = serializers.SerializerMethodField()
    next_occurrence = serializers.SerializerMethodField()
    team = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(),
        required=False,
        allow_null=True,
        help_text=(
            "A team (Django group) you are on. Without assignee_id, the task is auto-assigned to the member "
            "with the least open weighted work (see assignment); with it, the assignee must be on the team."
        ),
    )
    assignment = serializers.SerializerMethodField(help_text="How auto-assign chose the assignee; null otherwise")

    class Meta:
        model = Task
        fields = [
            "id",
            "name",
            "body",
            "workflow_ids",
            "workflow_data",
            "workflow_executions",
            "due_date",
            "assignee",
            "assignee_id",
            "status",
            "client",
            "created_by",
            "assignee_may_run_workflows",
            "created_at",
            "updated_at",
            "completed_at",
            "is_repetitive",
            "repetition_interval",
            "repetition_end_date",
            "previous_occurrence",
            "next_occurrence",
            "team",
            "assignment",
        ]
        read_only_fields = [
            "id",
            "created_by",
            "created_at",
            "updated_at",
            "completed_at",
            "previous_occurrence",
        ]

    @extend_schema_field(workflows_seam.TaskWorkflowExecutionSerializer(many=True))
    def get_workflow_executions(self, obj) -> list[dict]:
        if not hasattr(obj, "executions_json"):  # not read through tasks.selectors: one query
            return workflows_seam.task_executions_data(obj.workflow_executions)
        return [
            {
                "id": item["id"],
                "workflow": item["workflow"],
                "status": item["status"],
                "started_at": _utc_from_json(item["started_at"]),
                "completed_at": _utc_from_json(item["completed_at"]),
            }
            for item in obj.executions_json or ()
        ]

    @extend_schema_field(TaskAssignmentSerializer(allow_null=True))
    def get_assignment(self, obj) -> dict | None:
        if not obj.assignment:
            return None
        return {"rule": gettext(AUTO_ASSIGN_RULE), **obj.assignment}

    def get_next_occurrence(self, obj) -> str | None:
        if hasattr(obj, "next_occurrence_pk"):  # annotated by tasks.selectors
            return None if obj.next_occurrence_pk is None else str(obj.next_occurrence_pk)
        try:
            return str(obj.next_occurrence.pk)
        except Task.next_occurrence.RelatedObjectDoesNotExist:
            return None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if (
            request is not None
            and request.user.pk != instance.created_by_id
            and not instance.assignee_may_run_workflows
        ):
            data["workflow_data"] = None  # the input of workflows this user may not run
        return data

    def validate_workflow_ids(self, value):
        value = list(dict.fromkeys(value))  # repeats ignored, order kept
        request = self.context.get("request")
        if value and request is not None:
            owner = self.instance.created_by if self.instance is not None else request.user
            owned = workflows_seam.workflow_ids_owned(user=owner, workflow_ids=value)
            missing = [str(pk) for pk in value if pk not in owned]
            if missing:
                raise serializers.ValidationError(
                    _("Workflows not found among yours: %(ids)s.") % {"ids": ", ".join(missing)}
                )
        return value

    def validate_workflow_data(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("workflow_data is an object keyed by workflow id."))
        return value

    def validate(self, attrs):
        def current(name, default=None):
            return attrs.get(name, getattr(self.instance, name, default))

        if current("is_repetitive", False):
            errors = {}
            if not current("repetition_interval"):
                errors["repetition_interval"] = [_("A repetitive task needs the number of days between occurrences.")]
            if not current("due_date"):
                errors["due_date"] = [_("A repetitive task needs a due date to repeat from.")]
            end, due = current("repetition_end_date"), current("due_date")
            if end and due and end < due:
                errors["repetition_end_date"] = [_("The repetition end date cannot be before the due date.")]
            if errors:
                raise serializers.ValidationError(errors)
        if (
            "repetition_interval" in attrs
            and attrs["repetition_interval"] is not None
            and attrs["repetition_interval"] < 1
        ):
            raise serializers.ValidationError({"repetition_interval": [_("At least 1 day.")]})
        return attrs


class TaskChangeStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Task.Status.choices)


# --- /api/clients/{id}/tasks/ (the clients app reaches it through its tasks_seam) ----------------


class ClientTasksSummarySerializer(serializers.Serializer):
    total_tasks = serializers.IntegerField()
    pending_tasks = serializers.IntegerField()
    in_progress_tasks = serializers.IntegerField()
    completed_tasks = serializers.IntegerField()
    failed_tasks = serializers.IntegerField()
    workflow_bound_tasks = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField()
    upcoming_tasks = serializers.IntegerField()


class ClientTasksGroupsSerializer(serializers.Serializer):
    pending = TaskSerializer(many=True, help_text="Tasks not started")
    in_progress = TaskSerializer(many=True)
    completed = TaskSerializer(many=True)
    failed = TaskSerializer(many=True)


class ClientTasksSerializer(serializers.Serializer):
    tasks = ClientTasksGroupsSerializer()
    summary = ClientTasksSummarySerializer()


def client_tasks_data(grouped, *, context) -> dict:
    """``tasks.selectors.client_tasks``'s groups and summary as /api/clients/{id}/tasks/ answers them."""
    return {
        "tasks": {
            "pending": TaskSerializer(grouped.pending, many=True, context=context).data,
            "in_progress": TaskSerializer(grouped.in_progress, many=True, context=context).data,
            "completed": TaskSerializer(grouped.completed, many=True, context=context).data,
            "failed": TaskSerializer(grouped.failed, many=True, context=context).data,
        },
        "summary": grouped.summary,
    }


class TaskReminderPreferenceSerializer(ModelSerializer):
    """How you are reminded of your tasks: lead time in days before the due date (0: on the day),
    by e-mail and/or Slack (a member ID such as U0123ABCD for a direct message, or a channel)."""

    lead_days = serializers.IntegerField(min_value=0)

    class Meta:
        model = TaskReminderPreference
        fields = ["lead_days", "by_email", "by_slack", "slack_channel"]

    def validate_lead_days(self, value):
        from django.conf import settings

        if value > settings.TASK_REMINDER_MAX_LEAD_DAYS:
            raise serializers.ValidationError(
                _("At most %(days)d days.") % {"days": settings.TASK_REMINDER_MAX_LEAD_DAYS}
            )
        return value


# --- /api/tasks/analytics/ ---------------------------------------------------------------------------


def _weeks_before(end: datetime.date, weeks: int) -> datetime.date:
    """The first day of the ``weeks`` weeks ending on ``end`` (the calendar's first day at most)."""
    try:
        return end - datetime.timedelta(weeks=weeks, days=-1)
    except OverflowError:
        return datetime.date.min


class TaskAnalyticsQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=["day", "week", "month"], default="week")
    start = serializers.DateField(required=False, help_text="First day (Asia/Seoul); default: 12 weeks before end")
    end = serializers.DateField(required=False, help_text="Last day (Asia/Seoul); default: today")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), required=False, help_text="One of your teams: its tasks instead of yours"
    )

    def validate(self, attrs):
        from django.conf import settings
        from django.utils import timezone

        end = attrs.get("end") or timezone.localdate()
        start = attrs.get("start") or _weeks_before(end, 12)
        if start > end:
            raise serializers.ValidationError({"start": [_("The start cannot be after the end.")]})
        if (end - start).days + 1 > settings.TASK_ANALYTICS_MAX_DAYS:
            raise serializers.ValidationError(
                {"start": [_("At most %(days)d days at once.") % {"days": settings.TASK_ANALYTICS_MAX_DAYS}]}
            )
        team = attrs.get("team")
        request = self.context.get("request")
        if team is not None and request is not None and not team.user_set.filter(pk=request.user.pk).exists():
            raise serializers.ValidationError({"team": [_("You are not on team %(id)s.") % {"id": team.pk}]})
        return {**attrs, "start": start, "end": end}


class TaskAnalyticsAssigneeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()


class TaskAnalyticsRowSerializer(serializers.Serializer):
    period_start = serializers.DateField(help_text="First day of the period (a Monday for weeks)")
    assignee = TaskAnalyticsAssigneeSerializer()
    created = serializers.IntegerField()
    completed = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Due in the period and not completed by the due date")
    median_hours_to_complete = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True, help_text="0–1 over completed tasks with a due date")


class TaskAnalyticsSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    team = serializers.IntegerField(allow_null=True)
    generated_at = DateTimeField(help_text="When these numbers were computed (answers are cached a few minutes)")
    rows = TaskAnalyticsRowSerializer(many=True)
