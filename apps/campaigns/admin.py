from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from common.admin import OwnedAdmin
from common.exceptions import Conflict

from . import selectors, services
from .admin_numbers import DeliveryFilter, count_link, daily_chart_svg, results_url, totals_table
from .models import Campaign, CampaignLeadResult, CampaignProviderRequest, CampaignTemplate, ReportEmail
from .rendering import template_source_problem

INLINE_RESULT_ROWS = 50


class CampaignTemplateForm(forms.ModelForm):
    """Checks the sources as the API does: a template staff save here renders for every lead."""

    class Meta:
        model = CampaignTemplate
        fields = ["user", "name", "title", "body", "text_body"]

    def _source(self, field: str, *, html: bool) -> str:
        value = self.cleaned_data.get(field) or ""
        problem = template_source_problem(value, html=html) if value else None
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_title(self):
        return self._source("title", html=False)

    def clean_body(self):
        return self._source("body", html=True)

    def clean_text_body(self):
        return self._source("text_body", html=False)


@admin.register(CampaignTemplate)
class CampaignTemplateAdmin(OwnedAdmin):
    form = CampaignTemplateForm
    list_display = ["name", "title", "user", "created_at"]
    search_fields = ["name", "title", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]


class _FirstResultsFormSet(BaseInlineFormSet):
    """Only the first rows inline: a campaign may have 100,000; the full list is one click away."""

    def get_queryset(self):
        return super().get_queryset()[:INLINE_RESULT_ROWS]


class CampaignLeadResultInline(admin.TabularInline):
    model = CampaignLeadResult
    formset = _FirstResultsFormSet
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["email", "status", "title", "sent_at", "opened_at", "clicked_at", "error_message"]
    readonly_fields = fields
    ordering = ["created_at"]

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, service, done_message):
    """Run the API's service on each campaign; say what was done and why a campaign was refused."""
    done = 0
    for campaign in queryset:
        try:
            service(campaign=campaign)
            done += 1
        except Conflict as exc:
            modeladmin.message_user(request, f"{campaign}: {exc.detail}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.action(description=_("Start or resume the selected campaigns"))
def start_campaigns(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.campaign_start, _("Started %(count)d campaign(s)."))


@admin.action(description=_("Pause the selected campaigns"))
def pause_campaigns(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.campaign_pause, _("Paused %(count)d campaign(s)."))


@admin.action(description=_("Retry the failed e-mails of the selected campaigns"))
def retry_failed(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        services.campaign_retry_failed,
        _("Retrying the failed e-mails of %(count)d campaign(s)."),
    )


@admin.action(description=_("Re-send the 'outcome unknown' e-mails of the selected campaigns (may send a second copy)"))
def resend_unknown(modeladmin, request, queryset):
    """Asks first, with the API's wording: the recipients may get a second copy."""
    if request.POST.get("confirm") != "yes":
        campaigns = [(c, c.results.filter(status=CampaignLeadResult.Status.UNKNOWN).count()) for c in queryset]
        return TemplateResponse(
            request,
            "admin/campaigns/resend_unknown_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": _("Re-send e-mails whose outcome is unknown?"),
                "warning": services.RESEND_UNKNOWN_WARNING,
                "campaigns": campaigns,
            },
        )
    _run(
        modeladmin,
        request,
        queryset,
        services.campaign_resend_unknown,
        _("Re-sending the 'outcome unknown' e-mails of %(count)d campaign(s)."),
    )
    return None


NON_ADVERTISING_WARNING = _(
    "This campaign is marked non-advertising: it is sent without the (광고) subject, the legal footer and the "
    "consent check. Only a reply or a transactional notice may be; advertising sent this way breaks "
    "정보통신망법 제50조."
)


@admin.register(Campaign)
class CampaignAdmin(OwnedAdmin):
    # Fits a laptop: each number links to the result rows it counts (admin_numbers.py).
    list_display = [
        "name",
        "user",
        "status",
        "scheduled_at",
        "recipients_count",
        "sent_count",
        "opened_count",
        "clicked_count",
        "replied_count",
        "bounced_count",
        "unsubscribed_count",
        "failed_count",
    ]
    list_select_related = ["user"]
    list_filter = ["status", "is_advertising"]
    search_fields = ["name", "user__email"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["user", "template"]
    filter_horizontal = ["leadlists"]
    readonly_fields = [
        "status",
        "kind",
        "started_at",
        "completed_at",
        "failure_reason",
        "paused_reason",
        "last_progress_at",
        "delivery_totals",
        "daily_chart",
        "recipients_written_at",
        "unknown_checked_at",
        "unknown_outcomes",
        "all_results",
        "created_at",
        "updated_at",
    ]
    actions = [start_campaigns, pause_campaigns, retry_failed, resend_unknown]
    inlines = [CampaignLeadResultInline]

    def get_queryset(self, request):
        # The totals of every row of the page in the page's one query (selectors.campaigns_with_totals).
        return selectors.campaigns_with_totals(super().get_queryset(request))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_advertising:
            # 정보통신망법 제50조: only a reply or a transactional notice may skip consent and "(광고)".
            self.message_user(request, NON_ADVERTISING_WARNING, messages.WARNING)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and not obj.is_advertising:
            self.message_user(request, NON_ADVERTISING_WARNING, messages.WARNING)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.display(description=_("Recipients"))
    def recipients_count(self, obj):
        return count_link(obj, "recipients")

    @admin.display(description=_("Sent"))
    def sent_count(self, obj):
        return count_link(obj, "sent")

    @admin.display(description=_("Opened (rate)"))
    def opened_count(self, obj):
        return count_link(obj, "opened", rate="open_rate")

    @admin.display(description=_("Clicked (rate)"))
    def clicked_count(self, obj):
        return count_link(obj, "clicked", rate="click_rate")

    @admin.display(description=_("Replied"))
    def replied_count(self, obj):
        return count_link(obj, "replied")

    @admin.display(description=_("Bounced"))
    def bounced_count(self, obj):
        return count_link(obj, "bounced")

    @admin.display(description=_("Unsubscribed"))
    def unsubscribed_count(self, obj):
        return count_link(obj, "unsubscribed")

    @admin.display(description=_("Failed"))
    def failed_count(self, obj):
        return count_link(obj, "failed")

    @admin.display(description=_("Delivery totals"))
    def delivery_totals(self, obj):
        return totals_table(obj) if obj.pk else "-"

    @admin.display(description=_("Per day"))
    def daily_chart(self, obj):
        return daily_chart_svg(selectors.campaign_daily_totals(campaign=obj)) if obj.pk else "-"

    @admin.display(description=_("Unknown outcomes"))
    def unknown_outcomes(self, obj):
        if not obj.pk:
            return "-"
        summary = selectors.campaign_unknown_outcomes(campaign=obj)
        lines = [
            _(
                "%(unknown)d unknown now (%(awaiting_provider)d to be looked up in the provider's log, "
                "%(held_for_a_person)d held for a person); resolved: %(resolved_found_at_provider)d found in "
                "the provider's log, %(resolved_sent_once_more)d sent once more."
            )
            % summary
        ]
        no_reason = _("(no reason recorded)")
        lines += [f"{r['count']} × {r['reason'] or no_reason}" for r in summary["reasons"]]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description=_("Results"))
    def all_results(self, obj):
        if not obj.pk:
            return "-"
        label = _("All %(count)d result rows") % {"count": obj.results.count()}
        return format_html('<a href="{}">{}</a>', results_url(obj), label)


@admin.register(CampaignLeadResult)
class CampaignLeadResultAdmin(OwnedAdmin):
    owner_field = "campaign__user"
    list_display = ["email", "campaign", "status", "sent_at", "opened_at", "clicked_at", "resolution"]
    list_filter = [DeliveryFilter, "status", "provider", "retryable", "resolution"]
    search_fields = ["email", "title", "provider_message_id", "message_id"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign", "lead"]
    readonly_fields = [f.name for f in CampaignLeadResult._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CampaignProviderRequest)
class CampaignProviderRequestAdmin(OwnedAdmin):
    """Written by the sender, one row per provider request: read-only."""

    owner_field = "campaign__user"

    list_display = ["provider_message_id", "campaign", "chunk", "created_at"]
    search_fields = ["provider_message_id"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]
    readonly_fields = [f.name for f in CampaignProviderRequest._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReportEmail)
class ReportEmailAdmin(OwnedAdmin):
    """The report e-mails sent (apps/campaigns/reports.py): read-only, written by the report jobs."""

    list_display = ["kind", "subject_id", "period", "recipient", "created_at"]
    list_filter = ["kind"]
    search_fields = ["recipient", "subject_id"]
    readonly_fields = ["kind", "subject_id", "period", "recipient", "created_at", "updated_at"]

    def filter_owned(self, queryset, user):
        return queryset.filter(recipient__iexact=user.email)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
