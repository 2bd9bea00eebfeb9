from django.contrib import admin, messages
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.admin import OwnedAdmin

from .models import Opportunity, OpportunityStatusChange
from .services import opportunity_change_status, opportunity_record_creation


def _move_to(status: Opportunity.Status):
    """An admin action moving the selected opportunities to ``status`` through the service, so
    each move is recorded exactly as the API's change-status records it."""

    def action(modeladmin, request, queryset):
        moved = 0
        for opportunity in queryset.exclude(status=status):
            opportunity_change_status(opportunity=opportunity, status=status, user=request.user, note="admin")
            moved += 1
        message = gettext("%(count)d moved to %(status)s.") % {"count": moved, "status": status.label}
        modeladmin.message_user(request, message, messages.SUCCESS)

    action.__name__ = f"move_to_{status.value}"
    description = format_lazy(_("Move selected opportunities to {status}"), status=status.label)
    return admin.action(description=description)(action)


class OpportunityStatusChangeInline(admin.TabularInline):
    model = OpportunityStatusChange
    fields = ["changed_at", "from_status", "to_status", "note", "user"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["changed_at"]

    def has_add_permission(self, request, obj=None):
        return False  # history is written by the status change, never by hand


@admin.register(Opportunity)
class OpportunityAdmin(OwnedAdmin):
    list_display = ["name", "status", "value", "expected_close_date", "lead", "user", "created_at"]
    list_select_related = ["lead", "user"]
    list_filter = ["status", "source", ("expected_close_date", admin.DateFieldListFilter)]
    search_fields = ["name", "notes", "source", "lead__name", "user__email"]
    raw_id_fields = ["lead", "user"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [OpportunityStatusChangeInline]
    actions = [_move_to(status) for status in Opportunity.Status]

    def get_readonly_fields(self, request, obj=None):
        # An existing opportunity changes status through change-status, so the move is recorded.
        return [*self.readonly_fields, "status"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            opportunity_record_creation(opportunity=obj, user=request.user)


@admin.register(OpportunityStatusChange)
class OpportunityStatusChangeAdmin(OwnedAdmin):
    owner_field = "opportunity__user"
    list_display = ["opportunity", "from_status", "to_status", "changed_at", "user"]
    list_select_related = ["opportunity", "user"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["opportunity__name", "note"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
