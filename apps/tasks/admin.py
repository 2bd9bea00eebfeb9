from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError as APIValidationError

from apps.accounts.selectors import users_on_a_team_with
from common.admin import OwnedAdmin

from . import workflows_seam
from .models import Task, TaskReminder, TaskReminderPreference
from .selectors import task_analytics_cached
from .serializers import TaskAnalyticsQuerySerializer
from .services import task_assignment_resolve, task_change_status


class TaskReminderInline(admin.TabularInline):
    model = TaskReminder
    extra = 0
    fields = ["sent_on", "kind", "due_date", "recipient", "email_status", "slack_status", "slack_error", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # reminders are sent (and recorded) by the reminder job


class TaskAdminForm(forms.ModelForm):
    """``workflow_ids`` as a choice among the task creator's workflows (the API's rule; on the add form
    the staff user creates it). TaskAdmin.get_form binds ``user``; each form instance gets a field of its
    own, so requests never share a queryset.

    On the add form the assignee comes from the API's service (task_assignment_resolve): the one chosen
    if on the team, else, with a team and no assignee, the member auto-assign picks (the explanation is
    kept in ``assignment``), else the creator; the service's 400s become the form's errors."""

    user = None
    # The service's error keys (the API's field names) → this form's fields.
    _API_FIELDS = {"assignee_id": "assignee", "team": "team"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        adding = self.instance._state.adding
        owner = self.user if adding else self.instance.created_by
        self.fields["workflow_ids"] = forms.ModelMultipleChoiceField(
            queryset=workflows_seam.workflows_linkable(owner=owner),
            required=False,
            label=_("workflows"),
            widget=forms.CheckboxSelectMultiple,
        )
        if adding and "assignee" in self.fields:
            self.fields["assignee"].required = False
            self.fields["assignee"].help_text = _(
                "Leave empty to auto-assign within the team (least open weighted work), or to the creator."
            )

    def clean(self):
        cleaned = super().clean()
        if not self.instance._state.adding or self.errors or cleaned.get("created_by") is None:
            return cleaned
        try:
            assignee, assignment = task_assignment_resolve(
                user=cleaned["created_by"], assignee=cleaned.get("assignee"), team=cleaned.get("team")
            )
        except APIValidationError as exc:
            for key, messages in exc.detail.items():
                for message in messages:
                    self.add_error(self._API_FIELDS.get(key), str(message))
            return cleaned
        cleaned["assignee"] = assignee
        self.instance.assignment = assignment
        return cleaned

    class Meta:
        model = Task
        fields = [
            "name",
            "body",
            "status",
            "due_date",
            "assignee",
            "team",
            "created_by",
            "client",
            "workflow_ids",
            "workflow_data",
            "assignee_may_run_workflows",
            "is_repetitive",
            "repetition_interval",
            "repetition_end_date",
        ]

    def clean_workflow_ids(self):
        return [workflow.pk for workflow in self.cleaned_data["workflow_ids"]]


@admin.register(Task)
class TaskAdmin(OwnedAdmin):
    form = TaskAdminForm
    list_display = ["name", "status", "due_date", "assignee", "client", "created_by", "completed_at"]
    list_select_related = ["assignee", "client", "created_by"]
    list_filter = ["status", "is_repetitive", ("due_date", admin.DateFieldListFilter)]
    search_fields = ["name", "body", "client__name", "assignee__email", "created_by__email"]
    # The assignee is a plain select: the autocomplete looks users up through the user admin, which
    # shows a member of staff only themselves, while the API's rule lets them pick a teammate.
    autocomplete_fields = ["created_by", "client"]
    raw_id_fields = ["previous_occurrence"]
    readonly_fields = ["assignment", "completed_at", "previous_occurrence", "created_at", "updated_at"]
    date_hierarchy = "due_date"
    inlines = [TaskReminderInline]
    actions = ["mark_completed"]

    def filter_owned(self, queryset, user):
        return queryset.filter(Q(assignee=user) | Q(created_by=user))  # the API's rule

    def get_urls(self):
        analytics = path("analytics/", self.admin_site.admin_view(self.analytics_view), name="tasks_task_analytics")
        return [analytics, *super().get_urls()]

    def analytics_view(self, request):
        """GET /api/tasks/analytics/'s table over the tasks this member of staff sees here."""
        query = TaskAnalyticsQuerySerializer(
            data={k: v for k, v in request.GET.items() if k in {"period", "start", "end"}}
        )
        errors = ""
        if not query.is_valid():
            errors = " ".join(str(message) for messages in query.errors.values() for message in messages)
            query = TaskAnalyticsQuerySerializer(data={})
            query.is_valid()
        answer = task_analytics_cached(
            tasks=self.get_queryset(request), scope=f"admin:{request.user.pk}", **query.validated_data
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Task analytics"),
            "opts": self.model._meta,
            "answer": answer,
            "errors": errors,
            "periods": [("day", gettext("Day")), ("week", gettext("Week")), ("month", gettext("Month"))],
        }
        return TemplateResponse(request, "admin/tasks/task/analytics.html", context)

    def changelist_view(self, request, extra_context=None):
        link = format_html('<a href="{}">{}</a>', reverse("admin:tasks_task_analytics"), gettext("Task analytics"))
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": link})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee" and not request.user.is_superuser:
            # The API's rule, not OwnedAdmin's "a user picks only themselves": a teammate too.
            kwargs["queryset"] = users_on_a_team_with(request.user)
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        if db_field.name == "team" and not request.user.is_superuser:
            kwargs["queryset"] = request.user.groups.all()  # only a team they are on, as the API checks
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # The API's rule: a task's team is chosen when it is created.
        return [*fields, "team"] if obj is not None else fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    @admin.action(description=_("Mark completed (creates the next occurrence of repetitive tasks)"))
    def mark_completed(self, request, queryset):
        # The same rule as the API's change-status: one service.
        for task in queryset:
            task_change_status(task=task, status=Task.Status.COMPLETED, user=request.user)
        message = gettext("%(count)d task(s) completed.") % {"count": queryset.count()}
        self.message_user(request, message, messages.SUCCESS)


@admin.register(TaskReminder)
class TaskReminderAdmin(OwnedAdmin):
    list_display = ["task", "sent_on", "kind", "recipient", "email_status", "slack_status"]
    list_select_related = ["task"]

    def filter_owned(self, queryset, user):
        return queryset.filter(Q(task__assignee=user) | Q(task__created_by=user))

    list_filter = ["kind", "sent_on", "email_status", "slack_status"]
    search_fields = ["task__name", "recipient"]
    raw_id_fields = ["task"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(TaskReminderPreference)
class TaskReminderPreferenceAdmin(OwnedAdmin):
    list_display = ["user", "lead_days", "by_email", "by_slack", "slack_channel"]
    list_select_related = ["user"]
    search_fields = ["user__email", "slack_channel"]
    autocomplete_fields = ["user"]
