from django import forms
from django.contrib import admin
from django.db.models import F, Func, IntegerField
from django.urls import reverse
from django.utils.html import format_html, format_html_join

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

    def clean(self):
        cleaned = super().clean()
        cleaned.update(normalize_lead_numbers({name: cleaned.get(name) or "" for name in UNIQUE_NUMBER_FIELDS}))
        user = cleaned.get("user")
        if user is not None:
            for name, messages in lead_duplicate_errors(user=user, data=cleaned, exclude_pk=self.instance.pk).items():
                if name in UNIQUE_NUMBER_FIELDS:
                    self.add_error(name, messages)
        return cleaned


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadAdminForm
    list_display = [
        "name",
        "owner",
        "business_number",
        "business_number_ok",
        "corporation_number",
        "industry",
        "si_nm",
        "sgg_nm",
        "employee",
        "revenue",
        "user",
        "created_at",
    ]
    list_select_related = ["industry", "user"]
    list_filter = ["si_nm", ("established_date", admin.DateFieldListFilter), "created_at"]
    search_fields = ["name", "owner", "email", "phone", "business_number", "corporation_number", "user__email"]
    raw_id_fields = ["industry", "user"]
    readonly_fields = ["business_number_ok", "corporation_number_ok", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("name", "owner", "user", "industry")}),
        (
            "Identifiers",
            {"fields": ("corporation_number", "corporation_number_ok", "business_number", "business_number_ok")},
        ),
        ("Contact", {"fields": ("email", "phone", "homepage")}),
        ("Company", {"fields": ("employee", "revenue", "established_date", "address", "si_nm", "sgg_nm")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(boolean=True, description="business no. check digit")
    def business_number_ok(self, lead: Lead) -> bool:
        return lead.business_number_valid

    @admin.display(boolean=True, description="corporation no. check digit")
    def corporation_number_ok(self, lead: Lead) -> bool:
        return lead.corporation_number_valid

    def delete_model(self, request, obj):
        lead_delete(lead=obj)


@admin.register(LeadList)
class LeadListAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "member_count", "created_at", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["name", "description", "user__email"]
    list_filter = ["created_at"]
    raw_id_fields = ["user"]
    # Members change through the API's add/remove rules (own leads only, no repeats), not by hand;
    # the page shows the first members rather than thousands of raw ids.
    exclude = ["lead_ids"]
    readonly_fields = ["members", "created_at", "updated_at"]
    MEMBERS_SHOWN = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("lead_ids")
            .annotate(member_count=Func(F("lead_ids"), function="cardinality", output_field=IntegerField()))
        )

    @admin.display(description="leads", ordering="member_count")
    def member_count(self, lead_list: LeadList) -> int:
        return lead_list.member_count

    @admin.display(description="members (in list order)")
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
        suffix = format_html("<p>… and {} more</p>", more) if more > 0 else ""
        return format_html("<p>{} leads</p><ol>{}</ol>{}", lead_list.member_count, rows, suffix)
