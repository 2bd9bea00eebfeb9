from django.contrib import admin

from .models import ConsentEvent


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    """The ledger per address: search an address to see its events, newest first. Append-only: events
    are recorded through the API, the import, the unsubscribe and opt-in pages, never edited here."""

    list_display = ["occurred_at", "email", "kind", "basis", "source", "user", "actor"]
    list_filter = ["kind", "basis"]
    search_fields = ["email", "source", "user__email"]
    date_hierarchy = "occurred_at"
    list_select_related = ["user", "actor"]
    readonly_fields = [
        "user",
        "email",
        "kind",
        "basis",
        "source",
        "occurred_at",
        "evidence_text",
        "evidence_file",
        "deal_date",
        "actor",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # only a data-subject erasure (apps/privacy) removes an address's events
