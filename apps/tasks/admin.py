from django.contrib import admin, messages

from .models import Task, TaskReminder
from .services import task_change_status


class TaskReminderInline(admin.TabularInline):
    model = TaskReminder
    extra = 0
    fields = ["sent_on", "kind", "recipient", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "due_date", "assignee", "client", "is_repetitive", "created_by", "completed_at"]
    list_filter = ["status", "is_repetitive", ("due_date", admin.DateFieldListFilter)]
    search_fields = ["name", "body", "client__name", "assignee__email", "created_by__email"]
    autocomplete_fields = ["assignee", "created_by", "client"]
    raw_id_fields = ["previous_occurrence"]
    readonly_fields = ["completed_at", "created_at", "updated_at"]
    date_hierarchy = "due_date"
    inlines = [TaskReminderInline]
    actions = ["mark_completed"]

    @admin.action(description="Mark completed (creates the next occurrence of repetitive tasks)")
    def mark_completed(self, request, queryset):
        # The same rule as the API's change-status: one service.
        for task in queryset:
            task_change_status(task=task, status=Task.Status.COMPLETED, user=request.user)
        self.message_user(request, f"{queryset.count()} task(s) completed.", messages.SUCCESS)


@admin.register(TaskReminder)
class TaskReminderAdmin(admin.ModelAdmin):
    list_display = ["task", "sent_on", "kind", "recipient"]
    list_filter = ["kind", "sent_on"]
    search_fields = ["task__name", "recipient"]
    raw_id_fields = ["task"]
    readonly_fields = ["created_at", "updated_at"]
