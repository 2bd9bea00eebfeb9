from common.serializers import ModelSerializer

from .models import OutboxMessage


class OutboxMessageSerializer(ModelSerializer):
    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "to_email",
            "from_email",
            "reply_to",
            "subject",
            "html",
            "text",
            "headers",
            "attachments",
            "custom_args",
            "category",
            "message_id",
            "created_at",
        ]
        read_only_fields = fields
