from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.serializers import ModelSerializer, UserSummarySerializer

from .models import Product


class ProductSerializer(ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "plan_type",
            "price",
            "currency",
            "description",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]

    def validate_currency(self, value: str) -> str:
        value = value.strip().lower()
        if len(value) != 3 or not value.isalpha():
            raise serializers.ValidationError(_("Use a three-letter ISO 4217 code such as krw or usd."))
        return value
