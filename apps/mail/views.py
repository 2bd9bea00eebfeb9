"""/api/outbox/: the messages the development outbox provider stored instead of sending;
/api/mailboxes/: the sender mailboxes campaigns and sequences send from, with their caps."""

from rest_framework import viewsets

from common.views import OwnedModelViewSet

from .mailboxes import mailboxes_with_usage
from .models import Mailbox, OutboxMessage
from .selectors import outbox_message_list
from .serializers import MailboxSerializer, OutboxMessageSerializer


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


class MailboxViewSet(OwnedModelViewSet):
    """Your sender mailboxes. A mailbox a campaign uses cannot be deleted (409): deactivate it."""

    queryset = Mailbox.objects.all()
    serializer_class = MailboxSerializer

    def get_queryset(self):
        return mailboxes_with_usage(super().get_queryset())

    filterset_fields = ["is_active"]
    search_fields = ["email", "display_name"]
    ordering_fields = ["email", "created_at"]
    ordering = ["email"]
