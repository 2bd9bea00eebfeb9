from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ComplaintPause, SenderDomain


class ComplaintPauseInline(admin.TabularInline):
    model = ComplaintPause
    extra = 0
    can_delete = False
    fields = ["campaign", "created_at", "complaint_rate", "complaint_count", "complaint_sent"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # A sender domain may serve several users: staff see the pauses of their own campaigns only.
        rows = super().get_queryset(request).select_related("campaign")
        return rows if request.user.is_superuser else rows.filter(campaign__user=request.user)


@admin.action(description=_("Check the DNS records of the selected domains now"))
def check_domains(modeladmin, request, queryset):
    for sender_domain in queryset:
        services.sender_domain_check(sender_domain=sender_domain)
    modeladmin.message_user(
        request, gettext("Checked %(count)d domain(s).") % {"count": queryset.count()}, messages.SUCCESS
    )


@admin.action(description=_("Recompute the complaint rate of the selected domains now"))
def update_complaint_rates(modeladmin, request, queryset):
    for sender_domain in queryset:
        services.sender_domain_update_complaint_rate(sender_domain=sender_domain)
    modeladmin.message_user(
        request, gettext("Updated %(count)d domain(s).") % {"count": queryset.count()}, messages.SUCCESS
    )


def _bullets(items):
    return format_html_join("", "<li>{}</li>", ((item,) for item in items)) or "—"


@admin.register(SenderDomain)
class SenderDomainAdmin(admin.ModelAdmin):
    list_display = [
        "domain",
        "status",
        "spf_status",
        "dkim_status",
        "dmarc_status",
        "complaint_rate_percent",
        "checked_at",
    ]
    list_filter = ["status", "complaint_level", "spf_status", "dkim_status", "dmarc_status"]
    search_fields = ["domain"]
    actions = [check_domains, update_complaint_rates]
    inlines = [ComplaintPauseInline]
    readonly_fields = [
        "status",
        "checked_at",
        "what_to_fix",
        "warnings_list",
        "spf_status",
        "spf_record",
        "dkim_status",
        "dkim_records",
        "dmarc_status",
        "dmarc_record",
        "dmarc_policy",
        "sent_last_day",
        "complaint_rate_percent",
        "complaint_count",
        "complaint_sent",
        "complaint_level",
        "complaint_rate_updated_at",
    ]
    fields = ["domain", "providers", *readonly_fields]

    @admin.display(description=_("Complaint rate"), ordering="complaint_rate")
    def complaint_rate_percent(self, obj):
        return f"{obj.complaint_rate:.3%}"

    @admin.display(description=_("What to fix"))
    def what_to_fix(self, obj):
        return _bullets(obj.fixes)

    @admin.display(description=_("Warnings"))
    def warnings_list(self, obj):
        return _bullets(obj.warnings)
