from django import forms
from django.contrib import admin, messages
from django.db.models import F, Func, IntegerField
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.mail.admin import unsuppress_and_report
from apps.mail.models import SuppressedAddress
from apps.mail.suppression import suppressions_add
from common.admin import OwnedAdmin

from .export import csv_response, lead_export_headers, lead_export_rows, xlsx_response
from .models import Lead, LeadList
from .selectors import LeadIdsWindow, lead_list_members
from .services import UNIQUE_NUMBER_FIELDS, lead_delete, lead_duplicate_errors, normalize_lead_numbers


class LeadAdminForm(forms.ModelForm):
    """The API's rules in the admin: numbers stored as digits, one lead per number per user."""

    class Meta:
        model = Lead
        fields = [
            "name",
            "owner",
            "user",
            "industry",
            "corporation_number",
            "business_number",
            "email",
            "phone",
            "homepage",
            "employee",
            "revenue",
            "established_date",
            "address",
            "si_nm",
            "sgg_nm",
        ]
        # One line each: the columns are text (no length limit), the values a company name and a person's.
        widgets = {"name": forms.TextInput(attrs={"size": 60}), "owner": forms.TextInput(attrs={"size": 30})}

    def clean(self):
        cleaned = super().clean()
        cleaned.update(normalize_lead_numbers({name: cleaned.get(name) or "" for name in UNIQUE_NUMBER_FIELDS}))
        user = cleaned.get("user")
        if user is not None:
            for name, messages in lead_duplicate_errors(user=user, data=cleaned, exclude_pk=self.instance.pk).items():
                if name in UNIQUE_NUMBER_FIELDS:
                    self.add_error(name, messages)
        return cleaned


def _export_leads(queryset, respond):
    leads = queryset.select_related("industry").order_by("name")
    return respond(headers=lead_export_headers(), rows=lead_export_rows(leads), stem="leads")


@admin.action(description=_("Export the selected leads to CSV (Excel)"))
def export_leads_csv(modeladmin, request, queryset):
    return _export_leads(queryset, csv_response)


@admin.action(description=_("Export the selected leads to XLSX"))
def export_leads_xlsx(modeladmin, request, queryset):
    return _export_leads(queryset, xlsx_response)


@admin.action(
    description=_("Suppress the e-mail addresses of the selected leads (no campaign mails them)"),
    permissions=["suppress"],
)
def suppress_lead_addresses(modeladmin, request, queryset):
    emails = _lead_addresses(queryset)
    suppressions_add(
        SuppressedAddress(email=email, reason=SuppressedAddress.Reason.MANUAL, source="admin") for email in emails
    )
    message = gettext("%(count)d address(es) on the suppression list.") % {"count": len(emails)}
    modeladmin.message_user(request, message, messages.SUCCESS)


@admin.action(
    description=_("Take the e-mail addresses of the selected leads off the suppression list"),
    permissions=["unsuppress"],
)
def unsuppress_lead_addresses(modeladmin, request, queryset):
    unsuppress_and_report(modeladmin, request, _lead_addresses(queryset))


def _lead_addresses(queryset) -> set[str]:
    """The selected leads' addresses, once each, as the suppression list stores them (lower-case)."""
    return {email.strip().lower() for email in queryset.exclude(email="").values_list("email", flat=True)}


@admin.register(Lead)
class LeadAdmin(OwnedAdmin):
    form = LeadAdminForm
    list_display = [
        "name",
        "business_number",
        "business_number_ok",
        "score",
        "si_nm",
        "user",
        "created_on",
    ]
    list_select_related = ["industry", "user"]
    list_filter = ["business_status", "si_nm", ("established_date", admin.DateFieldListFilter), "created_at"]
    search_fields = ["name", "owner", "email", "phone", "business_number", "corporation_number", "user__email"]
    raw_id_fields = ["industry", "user"]
    readonly_fields = [
        "business_number_ok",
        "corporation_number_ok",
        "created_at",
        "updated_at",
        # Lead intelligence (apps/intelligence) writes these; staff read them.
        "business_status",
        "business_status_checked_at",
        "business_closed_on",
        "tax_type",
        "enriched_at",
        "score",
    ]
    date_hierarchy = "created_at"
    actions = [export_leads_csv, export_leads_xlsx, suppress_lead_addresses, unsuppress_lead_addresses]

    # The suppression list is every user's (apps/mail): its actions need its permissions.
    def has_suppress_permission(self, request):
        return request.user.has_perm("mail.add_suppressedaddress")

    def has_unsuppress_permission(self, request):
        return request.user.has_perm("mail.delete_suppressedaddress")

    fieldsets = (
        (None, {"fields": ("name", "owner", "user", "industry")}),
        (
            _("Identifiers"),
            {"fields": ("corporation_number", "corporation_number_ok", "business_number", "business_number_ok")},
        ),
        (_("Contact"), {"fields": ("email", "phone", "homepage")}),
        (
            _("Company"),
            {"fields": ("employee", "revenue", "established_date", "address", "si_nm", "sgg_nm", "description")},
        ),
        (
            _("Intelligence"),
            {
                "fields": (
                    "business_status",
                    "business_closed_on",
                    "tax_type",
                    "business_status_checked_at",
                    "enriched_at",
                    "score",
                )
            },
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("created on"), ordering="created_at")
    def created_on(self, lead: Lead):
        return timezone.localdate(lead.created_at)  # the day is enough in a list; the change page has the time

    @admin.display(boolean=True, description=_("business no. check digit"))
    def business_number_ok(self, lead: Lead) -> bool:
        return lead.business_number_valid

    @admin.display(boolean=True, description=_("corporation no. check digit"))
    def corporation_number_ok(self, lead: Lead) -> bool:
        return lead.corporation_number_valid

    def delete_model(self, request, obj):
        lead_delete(lead=obj)


def _export_lead_lists(queryset, respond):
    """Every member of the selected lists, list by list in list order, the list's name first."""

    def rows():
        for lead_list in queryset.order_by("name"):
            leads = lead_list_members(lead_list=lead_list, lead_ids=lead_list.lead_ids)
            yield from lead_export_rows(leads, prefix=[lead_list.name])

    headers = lead_export_headers(extra=[str(capfirst(LeadList._meta.verbose_name))])
    return respond(headers=headers, rows=rows(), stem="lead-lists")


@admin.action(description=_("Export the leads of the selected lists to CSV (Excel)"))
def export_lead_lists_csv(modeladmin, request, queryset):
    return _export_lead_lists(queryset, csv_response)


@admin.action(description=_("Export the leads of the selected lists to XLSX"))
def export_lead_lists_xlsx(modeladmin, request, queryset):
    return _export_lead_lists(queryset, xlsx_response)


@admin.register(LeadList)
class LeadListAdmin(OwnedAdmin):
    list_display = ["name", "user", "member_count", "created_at", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["name", "description", "user__email"]
    list_filter = ["created_at"]
    raw_id_fields = ["user"]
    # Members change through the API's add/remove rules (own leads only, no repeats), not by hand;
    # the page shows the first members rather than thousands of raw ids.
    exclude = ["lead_ids"]
    readonly_fields = ["members", "created_at", "updated_at"]
    actions = [export_lead_lists_csv, export_lead_lists_xlsx]
    MEMBERS_SHOWN = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("lead_ids")
            .annotate(member_count=Func(F("lead_ids"), function="cardinality", output_field=IntegerField()))
        )

    @admin.display(description=_("leads"), ordering="member_count")
    def member_count(self, lead_list: LeadList) -> int:
        return lead_list.member_count

    @admin.display(description=_("members (in list order)"))
    def members(self, lead_list: LeadList) -> str:
        if lead_list.pk is None:
            return "—"
        window = LeadIdsWindow(lead_list, lead_list.member_count)[: self.MEMBERS_SHOWN]
        leads = lead_list_members(lead_list=lead_list, lead_ids=window)
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            ((reverse("admin:leads_lead_change", args=[lead.pk]), str(lead)) for lead in leads),
        )
        more = lead_list.member_count - len(leads)
        suffix = format_html("<p>{}</p>", gettext("… and %(count)d more") % {"count": more}) if more > 0 else ""
        count = gettext("%(count)d leads") % {"count": lead_list.member_count}
        return format_html("<p>{}</p><ol>{}</ol>{}", count, rows, suffix)
