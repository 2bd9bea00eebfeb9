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
    """200 when PostgreSQL, both Redis (cache, tracking queue) and the broker answer; 503 naming what is down.

    Queues no worker consumes do not make it a 503 (the web process still serves the API, and a load
    balancer must not take it out of rotation for that) but turn the status to "degraded" and are
    named in ``queues_without_consumer``: a campaign would not send, and this is where it shows.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    _CHECKS = {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "unavailable"]),
        "checks": serializers.DictField(
            child=serializers.CharField(),
            help_text='database, redis, tracking_redis, broker: "ok" or "error: <exception class>".',
        ),
        "queues": serializers.DictField(
            child=serializers.IntegerField(),
            allow_null=True,
            help_text="Workers consuming each queue the project routes tasks to; null when the broker is down.",
        ),
        "queues_without_consumer": serializers.ListField(child=serializers.CharField()),
    }

    @extend_schema(
        responses={
            200: inline_serializer("Health", _CHECKS),
            503: inline_serializer(
                "HealthDown",
                {**_CHECKS, "down": serializers.ListField(child=serializers.CharField())},
            ),
        }
    )
    def get(self, request):
        checks = {
            "database": self._check_database(),
            "redis": self._check_redis(settings.REDIS_URL),
            "tracking_redis": self._check_redis(settings.TRACKING_REDIS_URL),
            "broker": self._check_redis(settings.CELERY_BROKER_URL),
        }
        queues = self._queue_consumers() if checks["broker"] == "ok" else None
        idle = [name for name, consumers in (queues or {}).items() if consumers == 0]
        body = {"status": "ok", "checks": checks, "queues": queues, "queues_without_consumer": idle}
        down = [name for name, result in checks.items() if result != "ok"]
        if down:
            return Response({**body, "status": "unavailable", "down": down}, status=503)
        if idle:
            body["status"] = "degraded"
        return Response(body)

    @staticmethod
    def _check_database() -> str:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return "ok"
        except Exception as exc:  # any failure means "down"; say which
            return f"error: {exc.__class__.__name__}"

    @staticmethod
    def _check_redis(url: str) -> str:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            return "ok"
        except Exception as exc:
            return f"error: {exc.__class__.__name__}"

    @staticmethod
    def _queue_consumers() -> dict[str, int]:
        """How many workers consume each declared queue, from the workers' own answer (``active_queues``)."""
        from celery_app import app

        try:
            replies = app.control.inspect(timeout=settings.HEALTH_WORKER_REPLY_SECONDS).active_queues() or {}
        except Exception:  # the broker went away between the ping and the question: no worker answered
            replies = {}
        consumers = dict.fromkeys(settings.CELERY_TASK_QUEUES_ALL, 0)
        for worker_queues in replies.values():
            for queue in worker_queues:
                if queue["name"] in consumers:
                    consumers[queue["name"]] += 1
        return consumers
