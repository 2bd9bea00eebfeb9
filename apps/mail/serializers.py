from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from common.serializers import ModelSerializer

from .mailboxes import mailbox_defaults, mailbox_usage
from .models import Mailbox, OutboxMessage


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


class MailboxSerializer(ModelSerializer):
    """A sender mailbox; omitted caps take the MAILBOX_* defaults (a warm-up starting today)."""

    daily_cap_today = serializers.SerializerMethodField(help_text="The daily cap today, on the warm-up ramp")
    sent_last_hour = serializers.SerializerMethodField(help_text="E-mails sent or reserved in the rolling hour")
    sent_last_day = serializers.SerializerMethodField(help_text="E-mails sent or reserved in the rolling 24 hours")

    class Meta:
        model = Mailbox
        fields = [
            "id",
            "email",
            "display_name",
            "daily_cap",
            "hourly_cap",
            "warmup_start",
            "warmup_step",
            "warmup_started_on",
            "is_active",
            "daily_cap_today",
            "sent_last_hour",
            "sent_last_day",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "daily_cap_today", "sent_last_hour", "sent_last_day", "created_at", "updated_at"]
        extra_kwargs = {
            "daily_cap": {"required": False},
            "hourly_cap": {"required": False},
            "warmup_start": {"required": False},
            "warmup_step": {"required": False},
            "warmup_started_on": {"required": False},
        }
        validators: list = []  # the unique (user, email) pair is checked in validate_email

    def _usage(self, mailbox: Mailbox):
        cache = self.context.setdefault("mailbox_usage", {})
        if mailbox.pk not in cache:
            cache[mailbox.pk] = mailbox_usage(mailbox)
        return cache[mailbox.pk]

    def get_daily_cap_today(self, mailbox: Mailbox) -> int:
        return self._usage(mailbox).daily_cap

    def get_sent_last_hour(self, mailbox: Mailbox) -> int:
        return self._usage(mailbox).hour

    def get_sent_last_day(self, mailbox: Mailbox) -> int:
        return self._usage(mailbox).day

    def validate_email(self, value: str) -> str:
        value = value.strip().lower()
        user = self.context["request"].user
        taken = Mailbox.objects.filter(user=user, email=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("You already have a mailbox with this address."))
        return value

    def validate(self, attrs):
        limit = settings.MAILBOX_MAX_DAILY_CAP
        for name in ("daily_cap", "hourly_cap", "warmup_start"):
            if attrs.get(name, 0) > limit:
                raise serializers.ValidationError(
                    {name: [_("At most %(limit)s (MAILBOX_MAX_DAILY_CAP).") % {"limit": limit}]}
                )
        if self.instance is None:
            user = self.context["request"].user
            if Mailbox.objects.filter(user=user).count() >= settings.MAILBOXES_PER_USER:
                raise serializers.ValidationError(
                    _("You have reached the limit of %(limit)s mailboxes.") % {"limit": settings.MAILBOXES_PER_USER}
                )
            attrs = {**mailbox_defaults(), **attrs}
        hourly = attrs.get("hourly_cap", getattr(self.instance, "hourly_cap", 0))
        daily = attrs.get("daily_cap", getattr(self.instance, "daily_cap", 0))
        if hourly > daily:
            raise serializers.ValidationError({"hourly_cap": [_("The hourly cap cannot exceed the daily cap.")]})
        return attrs
