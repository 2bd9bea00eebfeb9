"""Permission classes shared by the apps."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsCreatorOrStaffOrReadOnly(BasePermission):
    """Any authenticated user reads; only the object's creator (``created_by``) or staff change it."""

    message = "Only the creator of this object or staff can change it."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return request.user.is_staff or obj.created_by_id == request.user.id
