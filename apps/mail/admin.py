from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.admin import OwnedAdmin

from .mailboxes import mailbox_usage
from .models import Mailbox, MailboxSendCount, OutboxMessage, SuppressedAddress
from .suppression import suppressions_add, suppressions_remove


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_email", "subject", "category"]
    list_filter = ["category"]
    search_fields = ["to_email", "subject", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "to_email",
        "from_email",
        "reply_to",
        "subject",
        "rendered",
        "text",
        "headers",
        "attachments",
        "custom_args",
        "category",
        "message_id",
        "created_at",
    ]
    exclude = ["html"]

    @admin.display(description=_("HTML (rendered in a sandboxed frame)"))
    def rendered(self, obj):
        return format_html(
            '<iframe sandbox srcdoc="{}" style="width:100%;height:480px;border:1px solid #ccc"></iframe>', obj.html
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(
    description=_("Take the selected addresses off the suppression list (campaigns may mail them again)"),
    permissions=["delete"],
)
def unsuppress_addresses(modeladmin, request, queryset):
    unsuppress_and_report(modeladmin, request, queryset.values_list("email", flat=True))


def unsuppress_and_report(modeladmin, request, emails) -> None:
    """Every admin's "unsuppress" action: only what staff added comes off, and the message says so."""
    removed = suppressions_remove(emails, manual_only=True)
    message = gettext(
        "%(count)d address(es) taken off the suppression list; opt-outs, bounces and complaints stay on it."
    ) % {"count": removed}
    modeladmin.message_user(request, message, messages.SUCCESS)


class SuppressedAddressForm(forms.ModelForm):
    def clean_email(self):
        """Addresses are stored lower-case: ``Kim@x.kr`` is the ``kim@x.kr`` already listed (the form
        says so, instead of a row that the list's owner would silently skip)."""
        email = self.cleaned_data["email"].strip().lower()
        if SuppressedAddress.objects.filter(email=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("This address is already on the suppression list."))
        return email


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(admin.ModelAdmin):
    """Staff suppress an address with the add form (reason "Added by staff") and take it off with the action."""

    form = SuppressedAddressForm

    list_display = ["email", "reason", "source", "created_at"]
    list_filter = ["reason"]
    date_hierarchy = "created_at"
    search_fields = ["email", "source", "detail"]
    readonly_fields = ["created_at", "updated_at"]
    actions = [unsuppress_addresses]

    def get_changeform_initial_data(self, request):
        initial = {"reason": SuppressedAddress.Reason.MANUAL, "source": "admin"}
        return {**initial, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:  # through the list's owner (suppression.py): an address already there keeps its first reason
            obj.source = obj.source or "admin"
            suppressions_add([obj])

    def delete_model(self, request, obj):
        suppressions_remove([obj.email])

    def delete_queryset(self, request, queryset):
        suppressions_remove(queryset.values_list("email", flat=True))


@admin.register(Mailbox)
class MailboxAdmin(OwnedAdmin):
    list_display = ["email", "display_name", "user", "daily_cap", "hourly_cap", "is_active"]
    list_select_related = ["user"]
    list_filter = ["is_active"]
    search_fields = ["email", "display_name", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["cap_today", "sent_last_hour", "sent_last_day"]

    def _usage(self, mailbox: Mailbox, figure: str):
        if mailbox._state.adding:  # the add form: nothing sent, no cap until it is saved
            return self.get_empty_value_display()
        # Read once per page for the three figures (as the API's serializer caches it per request).
        if not hasattr(mailbox, "_admin_usage"):
            mailbox._admin_usage = mailbox_usage(mailbox)
        return getattr(mailbox._admin_usage, figure)

    @admin.display(description=_("daily cap today"))
    def cap_today(self, mailbox: Mailbox):
        return self._usage(mailbox, "daily_cap")

    @admin.display(description=_("sent in the last hour"))
    def sent_last_hour(self, mailbox: Mailbox):
        return self._usage(mailbox, "hour")

    @admin.display(description=_("sent in the last 24 hours"))
    def sent_last_day(self, mailbox: Mailbox):
        return self._usage(mailbox, "day")


@admin.register(MailboxSendCount)
class MailboxSendCountAdmin(OwnedAdmin):
    """What each mailbox sent (or had reserved) per minute: the rolling caps' ledger, read-only."""

    owner_field = "mailbox__user"
    list_display = ["mailbox", "minute", "count"]
    list_select_related = ["mailbox"]
    search_fields = ["mailbox__email"]
    readonly_fields = ["mailbox", "minute", "count"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
