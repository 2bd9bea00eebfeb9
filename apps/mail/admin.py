from django.contrib import admin
from django.utils.html import format_html

from .models import OutboxMessage, SuppressedAddress
from .suppression import suppressions_add, suppressions_remove


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_email", "subject", "category"]
    list_filter = ["category"]
    search_fields = ["to_email", "subject", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "to_email",
        "from_email",
        "reply_to",
        "subject",
        "rendered",
        "text",
        "headers",
        "attachments",
        "custom_args",
        "category",
        "message_id",
        "created_at",
    ]
    exclude = ["html"]

    @admin.display(description="HTML (rendered in a sandboxed frame)")
    def rendered(self, obj):
        return format_html(
            '<iframe sandbox srcdoc="{}" style="width:100%;height:480px;border:1px solid #ccc"></iframe>', obj.html
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "source", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email", "source", "detail"]
    readonly_fields = ["created_at", "updated_at"]

    # Through the suppression list's module (apps/mail/suppression.py), like every other writer.
    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            suppressions_add([obj])

    def delete_model(self, request, obj):
        suppressions_remove([obj.email])

    def delete_queryset(self, request, queryset):
        suppressions_remove(queryset.values_list("email", flat=True))
