"""Staff views of the national company database; fast on a million rows (no full counts, raw ids,
search through the same bigram index as the API)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import OwnedAdmin

from .models import ImportJob, Industry, Keyword, SalesOneLead
from .selectors import text_condition


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["code"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]
    show_full_result_count = False


@admin.register(SalesOneLead)
class SalesOneLeadAdmin(admin.ModelAdmin):
    list_display = ["corporation_number", "name", "owner", "industry", "si_nm", "employee", "finance_revenue"]
    list_select_related = ["industry"]
    list_filter = ["is_corporation", "is_normal_taxpayer", "scraped_bizinfo", "finance_year"]
    search_fields = ["corporation_number", "business_number", "name"]
    search_help_text = _("A corporation or business number, or words of the name, owner, address or description.")
    raw_id_fields = ["industry"]
    autocomplete_fields = ["keywords"]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ["business_number_valid", "corporation_number_valid", "scraped_bizinfo"]
    fieldsets = [
        (None, {"fields": ["corporation_number", "corporation_number_valid", "business_number", "business_number_valid",
                           "name", "name_eng", "owner", "industry", "industry_name", "keywords"]}),
        (_("Contact"), {"fields": ["email", "phone", "homepage", "address", "si_nm", "sgg_nm", "postal_code"]}),
        (_("Company"), {"fields": ["employee", "established_date", "is_corporation", "is_normal_taxpayer",
                                "handle_goods", "description", "scraped_bizinfo"]}),
        (_("Finance"), {"fields": ["finance_currency_code", "finance_year", "finance_revenue",
                                   "finance_operating_profit", "finance_comprehensive_income", "finance_net_profit",
                                   "finance_total_assets",
                                "finance_total_liabilities", "finance_total_equity", "finance_capital",
                                "finance_debt_ratio"]}),
    ]  # fmt: skip

    @admin.display(boolean=True, description=_("business no. check digit"))
    def business_number_valid(self, obj):
        return obj.business_number_valid

    @admin.display(boolean=True, description=_("corporation no. check digit"))
    def corporation_number_valid(self, obj):
        return obj.corporation_number_valid

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = term.replace("-", "")
        if digits.isdigit() and len(digits) in (10, 13):  # a number: the unique/exact lookups
            field = "corporation_number" if len(digits) == 13 else "business_number"
            return queryset.filter(**{field: digits}), False
        condition = text_condition(term)  # the API's bigram search instead of a million ILIKEs
        if condition is None:
            return queryset.filter(name__icontains=term), False
        return queryset.filter(condition), False


@admin.register(ImportJob)
class ImportJobAdmin(OwnedAdmin):
    list_display = ["created_at", "user", "status", "total", "processed", "created", "skipped"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    list_filter = ["status"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "lead_list"]
    exclude = ["corporation_numbers"]
    readonly_fields = [
        "user", "status", "total", "processed", "created", "skipped", "not_found", "lead_list", "error",
        "started_at", "finished_at", "created_at", "updated_at",
    ]  # fmt: skip
