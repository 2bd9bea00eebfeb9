"""/api/outbox/: the messages the development outbox provider stored instead of sending."""

from rest_framework import viewsets

from .models import OutboxMessage
from .selectors import outbox_message_list
from .serializers import OutboxMessageSerializer


class OutboxMessageViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OutboxMessageSerializer
    queryset = OutboxMessage.objects.none()
    filterset_fields = ["category", "to_email"]
    search_fields = ["subject", "to_email"]
    ordering_fields = ["created_at", "to_email", "subject"]
    ordering = ["-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutboxMessage.objects.none()
        return outbox_message_list(user=self.request.user)
