"""Staff views of lead intelligence: enrichment runs (what changed, what failed), field sources,
ideal-customer profiles (the same form rules as the API)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import OwnedAdmin

from .models import DuplicateSuggestion, EnrichmentRun, IdealCustomerProfile, LeadFieldSource, LeadHygiene, LeadScore
from .selectors import score_terms
from .services import leads_enrich


@admin.register(EnrichmentRun)
class EnrichmentRunAdmin(OwnedAdmin):
    list_display = ["lead", "user", "trigger", "status", "created_at", "finished_at"]
    list_filter = ["status", "trigger"]
    search_fields = ["lead__name", "user__email"]
    list_select_related = ["lead", "user"]
    raw_id_fields = ["lead", "user"]
    readonly_fields = [
        "lead",
        "user",
        "trigger",
        "status",
        "providers",
        "fields_changed",
        "errors",
        "started_at",
        "finished_at",
        "created_at",
    ]
    actions = ["enrich_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Enrich these leads again"))
    def enrich_again(self, request, queryset):
        queued = 0
        for user_id in queryset.values_list("user_id", flat=True).distinct():
            lead_ids = queryset.filter(user_id=user_id).values_list("lead_id", flat=True)
            queued += len(leads_enrich(user_id=user_id, lead_ids=list(lead_ids), trigger=EnrichmentRun.Trigger.MANUAL))
        self.message_user(request, _("%(count)d enrichment runs queued.") % {"count": queued})


@admin.register(LeadFieldSource)
class LeadFieldSourceAdmin(OwnedAdmin):
    owner_field = "lead__user"

    list_display = ["lead", "field", "provider", "filled_at"]
    list_filter = ["provider", "field"]
    search_fields = ["lead__name"]
    list_select_related = ["lead"]
    raw_id_fields = ["lead", "run"]


@admin.register(IdealCustomerProfile)
class IdealCustomerProfileAdmin(OwnedAdmin):
    list_display = ["user", "updated_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(LeadScore)
class LeadScoreAdmin(OwnedAdmin):
    owner_field = "lead__user"

    """Scores with their terms (the lead's own page shows the number; the list of leads sorts by it)."""

    list_display = ["lead", "score", "scored_at"]
    list_select_related = ["lead"]
    search_fields = ["lead__name"]
    ordering = ["-score"]
    readonly_fields = ["lead", "score", "scored_at", "terms"]
    exclude = ["points", "event_counts", "event_last_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("terms"))
    def terms(self, score: LeadScore) -> str:
        return "; ".join(
            f"{term['term']} {term['points']:+d}" + (f" ({term['count']})" if term.get("count") else "")
            for term in score_terms(score)
        )


@admin.register(LeadHygiene)
class LeadHygieneAdmin(OwnedAdmin):
    owner_field = "lead__user"

    list_display = ["lead", "checked_at"]
    list_select_related = ["lead"]
    search_fields = ["lead__name"]
    readonly_fields = ["lead", "issues", "checked_at"]


@admin.register(DuplicateSuggestion)
class DuplicateSuggestionAdmin(OwnedAdmin):
    list_display = ["lead_a", "lead_b", "user", "rule", "reason", "status", "created_at"]
    search_fields = ["lead_a__name", "lead_b__name", "user__email"]
    list_filter = ["status", "rule"]
    list_select_related = ["lead_a", "lead_b", "user"]
    raw_id_fields = ["lead_a", "lead_b", "user"]
