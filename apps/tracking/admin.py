from django.contrib import admin

from common.admin import OwnedAdmin

from .models import InboundMessage, TrackingEvent, WebhookToken
from .services import inbound_message_match


@admin.register(TrackingEvent)
class TrackingEventAdmin(OwnedAdmin):
    owner_field = "campaign__user"
    list_display = ["occurred_at", "kind", "email", "is_machine", "machine_reason", "source", "campaign"]
    list_filter = ["kind", "is_machine", "machine_reason", "source"]
    search_fields = ["email", "url", "event_key", "provider_message_id"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["result", "campaign"]
    readonly_fields = [f.name for f in TrackingEvent._meta.fields]
    list_select_related = ["campaign"]

    def has_add_permission(self, request):  # events come from recipients and providers only
        return False

    def has_delete_permission(self, request, obj=None):
        # The history the results are computed from, and what the sequences' stops read (a bounce, an
        # unsubscribe, a reply): a result keeps its bounced_at once set, so a deleted event would leave a
        # "bounced" row whose lead the sequence goes on writing to. Refused on this admin's own pages (its
        # delete view, the list's bulk delete); a campaign, result or user deleted in the admin still takes
        # its events with it (the admin asks this of every object a delete cascades to).
        match = getattr(request, "resolver_match", None)
        if match is not None and (match.url_name or "").startswith(f"{self.opts.app_label}_{self.opts.model_name}_"):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(InboundMessage)
class InboundMessageAdmin(OwnedAdmin):
    """Unmatched mail waits here for review; giving it a result marks that result replied."""

    list_display = ["received_at", "status", "from_email", "subject", "matched_by", "is_auto_reply", "provider"]
    list_filter = ["status", "matched_by", "is_auto_reply", "provider"]
    search_fields = ["from_email", "to_email", "subject", "message_id", "in_reply_to", "references"]
    date_hierarchy = "received_at"
    raw_id_fields = ["result"]
    owner_field = "result__campaign__user"
    readonly_fields = [
        "provider",
        "from_email",
        "to_email",
        "subject",
        "message_id",
        "in_reply_to",
        "references",
        "text",
        "html",
        "headers",
        "received_at",
        "is_auto_reply",
        "status",
        "matched_by",
        "created_at",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        if change and "result" in form.changed_data and obj.result_id:
            inbound_message_match(message=obj, result=obj.result)
        else:
            super().save_model(request, obj, form, change)


@admin.register(WebhookToken)
class WebhookTokenAdmin(admin.ModelAdmin):
    list_display = ["provider", "token", "signed_at", "created_at"]
    list_filter = ["provider"]
    search_fields = ["token"]
    readonly_fields = ["provider", "token", "signed_at", "created_at", "updated_at"]
