"""Base views: owner scoping for every user-owned resource, and the health check."""

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class OwnedQuerysetMixin:
    """Scopes the queryset to the requesting user, so another user's object answers 404.

    ``owner_field`` names the foreign key to the user; ``perform_create`` fills it in.
    """

    owner_field = "user"

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return queryset.none()
        return queryset.filter(**{self.owner_field: self.request.user})

    def perform_create(self, serializer):
        serializer.save(**{self.owner_field: self.request.user})


class OwnedModelViewSet(OwnedQuerysetMixin, viewsets.ModelViewSet):
    """CRUD over the requesting user's own objects."""


class HealthView(APIView):
    """200 when PostgreSQL and Redis answer; 503 naming what is down."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        responses={
            200: inline_serializer(
                "Health",
                {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())},
            ),
            503: inline_serializer(
                "HealthDown",
                {
                    "status": serializers.CharField(),
                    "down": serializers.ListField(child=serializers.CharField()),
                    "checks": serializers.DictField(child=serializers.CharField()),
                },
            ),
        }
    )
    def get(self, request):
        checks = {"database": self._check_database(), "redis": self._check_redis()}
        down = [name for name, result in checks.items() if result != "ok"]
        if down:
            return Response({"status": "unavailable", "down": down, "checks": checks}, status=503)
        return Response({"status": "ok", "checks": checks})

    @staticmethod
    def _check_database() -> str:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return "ok"
        except Exception as exc:  # any failure means "down"; say which
            return f"error: {exc.__class__.__name__}"

    @staticmethod
    def _check_redis() -> str:
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            return "ok"
        except Exception as exc:
            return f"error: {exc.__class__.__name__}"
