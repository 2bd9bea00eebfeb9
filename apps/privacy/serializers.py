from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.leads.models import Lead
from common.serializers import ModelSerializer

from .models import PrivacyRequest


@extend_schema_field(OpenApiTypes.UUID)
class _OwnLeadField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Lead.objects.filter(user=self.context["request"].user)


class SubjectRequestSerializer(serializers.Serializer):
    """The person: an address, or one of your leads (its address is used)."""

    email = serializers.EmailField(required=False)
    lead = _OwnLeadField(required=False)
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        if bool(attrs.get("email")) == bool(attrs.get("lead")):
            raise serializers.ValidationError({"email": [_("Give either email or lead, not both and not neither.")]})
        return attrs


class PrivacyRequestSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = PrivacyRequest
        fields = [
            "id",
            "kind",
            "status",
            "subject_hash",
            "reason",
            "counts",
            "error",
            "download_url",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str | None:
        if not obj.file:
            return None
        request = self.context.get("request")
        path = f"/api/privacy/requests/{obj.pk}/download/"
        return request.build_absolute_uri(path) if request else path
