from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from common.admin import owned_rows

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]  # groups are the teams tasks go within
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["date_joined", "last_login", "email_confirmed_at"]
    date_hierarchy = "date_joined"
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "email_confirmed_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    # Who may do what is a superuser's decision: other staff see their own account only, unable to
    # raise their own permissions.
    PERMISSION_FIELDS = ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]

    def get_queryset(self, request):
        return owned_rows(self.model, super().get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, *self.PERMISSION_FIELDS]
