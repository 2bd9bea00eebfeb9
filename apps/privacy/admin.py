from django.contrib import admin

from .models import PrivacyRequest


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    """The audit log of data-subject requests: read-only, never deleted here."""

    list_display = ["created_at", "kind", "status", "subject_hash", "user", "completed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["subject_hash", "user__email"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "kind",
        "status",
        "subject_hash",
        "reason",
        "counts",
        "file",
        "error",
        "created_at",
        "completed_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
