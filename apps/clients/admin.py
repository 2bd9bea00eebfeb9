from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import OwnedAdmin, OwnedInlineMixin

from .models import Client, ClientActivity, ClientEmail, ClientEmailAttachment, ClientFile, ClientNote, ClientProduct


class ClientNoteInline(OwnedInlineMixin, admin.StackedInline):
    model = ClientNote
    extra = 0
    fields = ["title", "content", "user", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


class ClientFileInline(OwnedInlineMixin, admin.TabularInline):
    model = ClientFile
    extra = 0
    fields = ["name", "file", "description", "size", "content_type", "user", "created_at"]
    readonly_fields = ["size", "content_type", "created_at"]
    autocomplete_fields = ["user"]


class ClientProductInline(OwnedInlineMixin, admin.TabularInline):
    model = ClientProduct
    extra = 0
    fields = [
        "name",
        "product",
        "plan_type",
        "price",
        "currency",
        "start_date",
        "end_date",
        "next_billing_date",
        "status",
        "user",
    ]
    autocomplete_fields = ["product", "user"]


class ClientActivityInline(OwnedInlineMixin, admin.TabularInline):
    model = ClientActivity
    extra = 0
    fields = ["type", "direction", "title", "scheduled_at", "duration_minutes", "status", "note", "user"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["note"]


@admin.register(Client)
class ClientAdmin(OwnedAdmin):
    list_display = ["name", "representative_name", "business_number", "primary_email", "user", "created_at"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["name", "representative_name", "business_number", "website", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [ClientNoteInline, ClientFileInline, ClientProductInline, ClientActivityInline]

    @admin.display(description=_("e-mail"))
    def primary_email(self, obj):
        return (obj.emails or [""])[0]


@admin.register(ClientNote)
class ClientNoteAdmin(OwnedAdmin):
    list_display = ["title", "client", "user", "created_at"]
    list_select_related = ["client", "user"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["title", "content", "client__name", "user__email"]
    autocomplete_fields = ["client", "user"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ClientFile)
class ClientFileAdmin(OwnedAdmin):
    list_display = ["name", "client", "size", "content_type", "user", "created_at"]
    list_select_related = ["client", "user"]
    list_filter = ["content_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["name", "description", "client__name", "user__email"]
    autocomplete_fields = ["client", "user"]
    readonly_fields = ["size", "content_type", "stored_as", "created_at", "updated_at"]

    @admin.display(description=_("stored as"))
    def stored_as(self, obj):
        # Media is not served publicly; staff see where the bytes are, users download through the API.
        return format_html("<code>{}</code>", obj.file.name)


@admin.register(ClientProduct)
class ClientProductAdmin(OwnedAdmin):
    list_display = ["name", "client", "status", "price", "currency", "start_date", "next_billing_date"]
    list_select_related = ["client"]
    list_filter = ["status", "plan_type", "currency"]
    search_fields = ["name", "client__name", "user__email"]
    autocomplete_fields = ["client", "product", "user"]
    date_hierarchy = "start_date"


@admin.register(ClientActivity)
class ClientActivityAdmin(OwnedAdmin):
    list_display = ["title", "type", "direction", "status", "client", "scheduled_at", "user"]
    list_select_related = ["client", "user"]
    list_filter = ["type", "direction", "status"]
    search_fields = ["title", "description", "client__name", "user__email"]
    autocomplete_fields = ["client", "user"]
    raw_id_fields = ["note"]
    date_hierarchy = "scheduled_at"


class ClientEmailAttachmentInline(admin.TabularInline):
    model = ClientEmailAttachment
    extra = 0
    fields = ["name", "file", "size", "content_type", "created_at"]
    readonly_fields = ["size", "content_type", "created_at"]


@admin.register(ClientEmail)
class ClientEmailAdmin(OwnedAdmin):
    list_display = ["subject", "client", "direction", "from_email", "to_email", "created_at"]
    list_select_related = ["client"]
    date_hierarchy = "created_at"
    list_filter = ["direction", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "content", "from_email", "to_email", "client__name"]
    autocomplete_fields = ["client", "user"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ClientEmailAttachmentInline]


@admin.register(ClientEmailAttachment)
class ClientEmailAttachmentAdmin(OwnedAdmin):
    owner_field = "email__user"
    list_display = ["name", "email", "size", "content_type", "created_at"]
    list_select_related = ["email"]
    list_filter = ["content_type"]
    search_fields = ["name", "email__subject", "email__client__name"]
    raw_id_fields = ["email"]
    readonly_fields = ["size", "content_type", "created_at", "updated_at"]
