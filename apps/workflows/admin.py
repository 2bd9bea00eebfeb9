from django.contrib import admin

from common.admin import OwnedAdmin

from .models import NodeRun, Workflow, WorkflowExecution


@admin.register(Workflow)
class WorkflowAdmin(OwnedAdmin):
    list_display = ["name", "user", "is_active", "is_template", "template_key", "created_at"]
    list_select_related = ["user"]
    list_filter = ["is_active", "is_template"]
    search_fields = ["name", "description", "user__email"]
    autocomplete_fields = ["user"]
    # The secret is drawn by the system (rotated through the API); the key names the shipped template.
    readonly_fields = ["webhook_secret", "template_key", "created_at", "updated_at"]


class NodeRunInline(admin.TabularInline):
    model = NodeRun
    extra = 0
    can_delete = False
    fields = ["node_id", "node_type", "status", "branch", "attempt", "started_at", "finished_at", "error", "output"]
    readonly_fields = fields
    ordering = ["id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkflowExecution)
class WorkflowExecutionAdmin(OwnedAdmin):
    """Read-only: an execution's record is what happened; change it through the engine, not by hand."""

    list_display = ["id", "workflow", "status", "trigger", "task", "started_at", "completed_at"]
    list_filter = ["status", "trigger"]
    search_fields = ["id", "workflow__name", "error_message"]
    list_select_related = ["workflow", "task"]
    owner_field = "workflow__user"
    inlines = [NodeRunInline]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
