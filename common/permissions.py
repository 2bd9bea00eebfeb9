"""Permission classes shared by the apps."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsCreatorOrStaffOrReadOnly(BasePermission):
    """Any authenticated user reads; only the object's creator (``created_by``) or staff change it."""

    message = _("Only the creator of this object or staff can change it.")

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return request.user.is_staff or obj.created_by_id == request.user.id
