"""Sequences in the admin: the same rules as the API (services), with the numbers of each step."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from common.admin import OwnedAdmin
from common.exceptions import Conflict

from . import selectors, services
from .models import Enrollment, Sequence, SequenceStep, SequenceVariant


class SequenceStepInline(admin.TabularInline):
    model = SequenceStep
    extra = 0
    fields = ["order", "delay_days", "thread_reply", "winner_after", "winner", "numbers"]
    readonly_fields = ["winner", "numbers"]

    @admin.display(description=_("sent / opened / replied / bounced"))
    def numbers(self, step: SequenceStep) -> str:
        if not step.pk:
            return "-"
        rows = selectors.variant_numbers(step=step)
        return (
            "; ".join(f"{n['variant']}: {n['sent']} / {n['opened']} / {n['replied']} / {n['bounced']}" for n in rows)
            or "-"
        )


@admin.register(Sequence)
class SequenceAdmin(OwnedAdmin):
    list_display = ["name", "user", "status", "enrolled", "started_at", "completed_at"]
    list_select_related = ["user"]
    list_filter = ["status", "is_advertising"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user"]
    filter_horizontal = ["leadlists", "mailboxes"]
    readonly_fields = ["status", "paused_reason", "started_at", "completed_at"]
    inlines = [SequenceStepInline]
    actions = ["start", "pause", "resume"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(enrolled_count=Count("enrollments"))

    @admin.display(description=_("enrolled"), ordering="enrolled_count")
    def enrolled(self, sequence: Sequence) -> int:
        return sequence.enrolled_count

    def _each(self, request, queryset, service) -> None:
        for sequence in queryset:
            try:
                service(sequence=sequence)
            except Conflict as exc:
                self.message_user(request, f"{sequence}: {exc.detail}", messages.WARNING)

    @admin.action(description=_("Start the selected sequences"))
    def start(self, request, queryset):
        self._each(request, queryset, services.sequence_start)

    @admin.action(description=_("Pause the selected sequences"))
    def pause(self, request, queryset):
        self._each(request, queryset, services.sequence_pause)

    @admin.action(description=_("Resume the selected sequences"))
    def resume(self, request, queryset):
        self._each(request, queryset, services.sequence_resume)


@admin.register(SequenceVariant)
class SequenceVariantAdmin(OwnedAdmin):
    owner_field = "step__sequence__user"
    list_display = ["step", "name", "template", "percent", "campaign"]
    list_select_related = ["step__sequence", "template", "campaign"]
    search_fields = ["step__sequence__name", "name", "template__name"]
    raw_id_fields = ["step", "template", "campaign"]


@admin.register(Enrollment)
class EnrollmentAdmin(OwnedAdmin):
    owner_field = "sequence__user"
    list_display = ["email", "sequence", "state", "stop_reason", "current_step", "next_send_at"]
    list_select_related = ["sequence"]
    list_filter = ["state", "stop_reason"]
    search_fields = ["email", "sequence__name"]
    raw_id_fields = ["sequence", "lead"]
    readonly_fields = ["current_step", "mailbox", "next_send_at", "stopped_at", "resumed_at"]
