"""The admin's frame. Staff read times in Korean time (TIME_ZONE, Asia/Seoul), unlike the API's UTC,
so every admin page says which. ``OwnedAdmin``: what a non-superuser member of staff sees and picks."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("SalesOne admin · times in Korea Standard Time (KST, Asia/Seoul)")
admin.site.site_title = _("SalesOne admin")


def owned_rows(model: type[Model], queryset: QuerySet, user) -> QuerySet:
    """``queryset`` narrowed to the rows ``user`` owns, as the model's OwnedAdmin defines ownership.

    Superusers own everything; models without an OwnedAdmin (shared catalogues: industries,
    products, the national company database) are everyone's. A user picks only themselves.
    """
    if user.is_superuser:
        return queryset
    if model is get_user_model():
        return queryset.filter(pk=user.pk)
    model_admin = admin.site._registry.get(model)
    if isinstance(model_admin, OwnedAdmin):
        return model_admin.filter_owned(queryset, user)
    return queryset


class OwnedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a user: non-superuser staff list and change only their own
    rows, and every related object a form offers (a campaign's template and lead lists, a task's
    client and workflows) is one of theirs; a posted id of someone else's is "not a valid choice"."""

    owner_field: str = "user"  # the lookup from the row to its owning user

    def filter_owned(self, queryset: QuerySet, user) -> QuerySet:
        return queryset.filter(**{self.owner_field: user})

    def get_queryset(self, request):
        return owned_rows(self.model, super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        base = kwargs.get("queryset", related._default_manager.all())
        kwargs["queryset"] = owned_rows(related, base, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        base = kwargs.get("queryset", related._default_manager.all())
        kwargs["queryset"] = owned_rows(related, base, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OwnedInlineMixin:
    """The same limit on the choices of an inline's related fields."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        base = kwargs.get("queryset", related._default_manager.all())
        kwargs["queryset"] = owned_rows(related, base, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
