"""Client shapes on the wire, field for field as SPEC.md's Clients section."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.intelligence.serializers import InsightsStateSerializer
from apps.tracking.models import TrackingEvent
from common.serializers import BusinessNumberField, DateTimeField, ModelSerializer, UserSummarySerializer, utc_iso

from .models import Client, ClientActivity, ClientEmail, ClientEmailAttachment, ClientFile, ClientNote, ClientProduct

MAX_EMAIL_ATTACHMENTS = 20
_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def absolute_url(serializer: serializers.Serializer, route_name: str, pk) -> str:
    """Absolute URL of a detail route. Lists build hundreds: the route and the host are resolved once
    per request and reused (reverse() and build_absolute_uri() cost ~0.1 ms each)."""
    request = serializer.context.get("request")
    cache = getattr(request, "_salesone_url_templates", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._salesone_url_templates = cache
    template = cache.get(route_name)
    if template is None:
        path = reverse(route_name, args=[_PLACEHOLDER])
        template = request.build_absolute_uri(path) if request is not None else path
        cache[route_name] = template
    return template.replace(_PLACEHOLDER, str(pk))


def file_download_url(serializer, client_file: ClientFile) -> str:
    return absolute_url(serializer, "client-file-download", client_file.pk)


def attachment_download_url(serializer, attachment: ClientEmailAttachment) -> str:
    return absolute_url(serializer, "client-email-attachment-download", attachment.pk)


class OwnedClientField(serializers.PrimaryKeyRelatedField):
    """A client id that must be one of the requesting user's clients (anything else is a 400)."""

    default_error_messages = {
        "does_not_exist": _("Client {pk_value} does not exist among your clients."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Client.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Client.objects.none()
        return Client.objects.filter(user=request.user)


# --- clients ------------------------------------------------------------------------------------------


class ClientSerializer(ModelSerializer):
    emails = serializers.ListField(child=serializers.EmailField(), required=False, max_length=50)
    phones = serializers.ListField(child=serializers.CharField(max_length=30), required=False, max_length=50)
    business_number = BusinessNumberField()
    business_number_valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "representative_name",
            "emails",
            "phones",
            "address",
            "website",
            "business_number",
            "business_number_valid",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A client needs a name."))
        return value

    def validate_emails(self, value: list[str]) -> list[str]:
        seen: dict[str, None] = {}
        for address in value:
            seen.setdefault(address.strip().lower(), None)
        return list(seen)

    def validate_phones(self, value: list[str]) -> list[str]:
        return [phone.strip() for phone in value if phone.strip()]


class ClientNoteEmbeddedSerializer(ModelSerializer):
    """A note inside the client detail: ``user`` is the id, ``user_email`` beside it."""

    user_email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ClientNote
        fields = ["id", "client", "title", "content", "created_at", "user", "user_email"]
        read_only_fields = fields


class ClientFileEmbeddedSerializer(ModelSerializer):
    file_url = serializers.SerializerMethodField()
    user_email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ClientFile
        fields = ["id", "client", "name", "description", "file_url", "created_at", "user", "user_email"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_file_url(self, obj) -> str:
        return file_download_url(self, obj)


class ClientDetailSerializer(ClientSerializer):
    notes = ClientNoteEmbeddedSerializer(many=True, read_only=True)
    files = ClientFileEmbeddedSerializer(many=True, read_only=True)

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "notes", "files"]


# --- notes and files ----------------------------------------------------------------------------------


class ClientNoteSerializer(ModelSerializer):
    client = OwnedClientField()
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = ClientNote
        fields = ["id", "client", "title", "content", "is_private", "created_at", "updated_at", "user"]
        read_only_fields = ["id", "created_at", "updated_at", "user"]


class ClientFileSerializer(ModelSerializer):
    type = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = ClientFile
        fields = ["id", "client", "name", "size", "type", "url", "description", "user", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return file_download_url(self, obj)


class ClientFileUploadSerializer(serializers.Serializer):
    """Multipart body of an upload: the file, its client, and optionally a name and a description."""

    client = OwnedClientField()
    file = serializers.FileField(allow_empty_file=False, use_url=False)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class ClientFileUpdateSerializer(ModelSerializer):
    """A stored file's bytes never change; its name and description do."""

    class Meta:
        model = ClientFile
        fields = ["name", "description"]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A file needs a name."))
        return value


# --- products, activities, e-mails --------------------------------------------------------------------


class ClientProductSerializer(ModelSerializer):
    client = OwnedClientField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)

    class Meta:
        model = ClientProduct
        fields = [
            "id",
            "client",
            "product",
            "name",
            "plan_type",
            "price",
            "currency",
            "start_date",
            "end_date",
            "next_billing_date",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_currency(self, value: str) -> str:
        value = (value or "").strip().lower()
        if len(value) != 3 or not value.isalpha():
            raise serializers.ValidationError(_("Use a three-letter ISO 4217 code such as krw or usd."))
        return value

    def validate(self, attrs):
        instance = self.instance
        merged = {
            **({} if instance is None else {f: getattr(instance, f) for f in ("name", "price", "product")}),
            **attrs,
        }
        product = merged.get("product")
        if not merged.get("name") and product is None:
            raise serializers.ValidationError({"name": [_("Give a name, or a catalogue product to take it from.")]})
        if merged.get("price") is None and product is None:
            raise serializers.ValidationError({"price": [_("Give a price, or a catalogue product to take it from.")]})
        start = attrs.get("start_date", getattr(instance, "start_date", None))
        end = attrs.get("end_date", getattr(instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": [_("The end date cannot be before the start date.")]})
        return attrs


class ClientActiveProductSerializer(ModelSerializer):
    class Meta:
        model = ClientProduct
        fields = ["id", "name", "plan_type", "price", "currency", "start_date", "next_billing_date", "status"]
        read_only_fields = fields


class ClientPastProductSerializer(ModelSerializer):
    class Meta:
        model = ClientProduct
        fields = ["id", "name", "plan_type", "price", "currency", "start_date", "end_date", "status"]
        read_only_fields = fields


class ClientProductsSerializer(serializers.Serializer):
    active_products = ClientActiveProductSerializer(many=True)
    past_products = ClientPastProductSerializer(many=True)


class ClientActivitySerializer(ModelSerializer):
    client = OwnedClientField()
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = ClientActivity
        fields = [
            "id",
            "client",
            "type",
            "direction",
            "title",
            "description",
            "scheduled_at",
            "duration_minutes",
            "status",
            "note",
            "user",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "user", "created_at", "updated_at"]

    def validate(self, attrs):
        note = attrs.get("note", getattr(self.instance, "note", None))
        client = attrs.get("client", getattr(self.instance, "client", None))
        if note is not None and note.client_id != getattr(client, "pk", None):
            raise serializers.ValidationError({"note": [_("The note must belong to the same client.")]})
        return attrs


class ClientEmailAttachmentSerializer(ModelSerializer):
    url = serializers.SerializerMethodField()
    type = serializers.CharField(read_only=True)

    class Meta:
        model = ClientEmailAttachment
        fields = ["id", "name", "url", "size", "type"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return attachment_download_url(self, obj)


class ClientEmailSerializer(ModelSerializer):
    """A logged e-mail: ``from``/``to`` and attachments (/clients/{id}/emails/ lists it as a "client_email" item)."""

    from_ = serializers.CharField(source="from_email", max_length=320)
    to = serializers.CharField(source="to_email", max_length=320)
    attachments = ClientEmailAttachmentSerializer(source="attachment_items", many=True, read_only=True)

    class Meta:
        model = ClientEmail
        fields = ["id", "subject", "from_", "to", "content", "created_at", "attachments"]
        read_only_fields = ["id", "created_at", "attachments"]

    def get_fields(self):
        # "from" is a Python keyword: declared as from_, renamed in place (order kept).
        return {("from" if name == "from_" else name): field for name, field in super().get_fields().items()}


class MailCampaignSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ClientMailItemSerializer(serializers.Serializer):
    """One item of /clients/{id}/emails/: a campaign e-mail sent to one of the client's addresses, or
    an e-mail logged for the client. Fields that do not apply to the item's source are null."""

    source = serializers.ChoiceField(choices=["campaign", "client_email"])
    id = serializers.UUIDField(help_text="The campaign result's id, or the logged e-mail's id")
    at = DateTimeField(help_text="When (UTC): a campaign e-mail's sending time, a logged e-mail's logging time")
    subject = serializers.CharField()
    from_ = serializers.CharField(help_text="The sender: a campaign e-mail's is its owner's address")
    to = serializers.CharField()
    content = serializers.CharField(allow_null=True, help_text="The logged text; null for a campaign e-mail")
    direction = serializers.ChoiceField(
        choices=ClientEmail.Direction.choices, allow_null=True, help_text="null for a campaign e-mail"
    )
    campaign = MailCampaignSerializer(allow_null=True, help_text="The campaign; null for a logged e-mail")
    status = serializers.CharField(
        allow_null=True, help_text="The campaign e-mail's status (sent, opened, clicked, …); null for a logged e-mail"
    )
    created_at = DateTimeField()
    attachments = ClientEmailAttachmentSerializer(many=True, help_text="A logged e-mail's; [] for a campaign e-mail")

    def get_fields(self):
        return {("from" if name == "from_" else name): field for name, field in super().get_fields().items()}

    def to_representation(self, item) -> dict:
        obj = item.obj
        common = {
            "source": item.source,
            "id": str(obj.pk),
            "at": utc_iso(item.at),
            "created_at": utc_iso(obj.created_at),
        }
        if item.source == "campaign":
            return {
                **common,
                "subject": obj.title,
                "from": self.context["owner_email"],
                "to": obj.email,
                "content": None,
                "direction": None,
                "campaign": {"id": str(obj.campaign_id), "name": obj.campaign.name},
                "status": obj.status,
                "attachments": [],
            }
        attachments = ClientEmailAttachmentSerializer(obj.attachment_items, many=True, context=self.context).data
        return {
            **common,
            "subject": obj.subject,
            "from": obj.from_email,
            "to": obj.to_email,
            "content": obj.content,
            "direction": obj.direction,
            "campaign": None,
            "status": None,
            "attachments": attachments,
        }


class ClientMailPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="E-mails in the whole list, both sources")
    next = serializers.URLField(allow_null=True, help_text="The next (older) page; null on the last")
    page_size = serializers.IntegerField(help_text="The page size used: the requested page_size, capped at 100.")
    results = ClientMailItemSerializer(many=True)


class ClientEmailRecordSerializer(ClientEmailSerializer):
    """/client-emails/: the same shape plus the client, the direction and who logged it.

    Create takes JSON, or multipart with any number of ``attachments`` files.
    """

    client = OwnedClientField()
    user = UserSummarySerializer(read_only=True)
    upload_attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        write_only=True,
        source="attachments_upload",
        max_length=MAX_EMAIL_ATTACHMENTS,
    )

    class Meta(ClientEmailSerializer.Meta):
        fields = [
            "id",
            "client",
            "direction",
            "subject",
            "from_",
            "to",
            "content",
            "created_at",
            "attachments",
            "upload_attachments",
            "user",
        ]
        read_only_fields = ["id", "created_at", "attachments", "user"]


class ClientEmailAttachmentRecordSerializer(ClientEmailAttachmentSerializer):
    class Meta(ClientEmailAttachmentSerializer.Meta):
        fields = ["id", "email", "name", "url", "size", "type", "created_at"]
        read_only_fields = fields


# --- actions: timeline, communications, insights, tasks ----------------------------------------------


TIMELINE_ENTRY_TYPES = ["note", "file", "activity", "campaign_email", "email_event"]


class TimelineItemSerializer(serializers.Serializer):
    """One entry of /timeline/, with the keys of its type only:

    - note: title, content; file: name, description, file_url; activity: activity_type, title,
      description, direction, status, scheduled_at, duration_minutes — each with created_at and
      created_by (who wrote it).
    - campaign_email: a campaign e-mail the owner sent to one of the client's addresses (id = the
      campaign result): campaign_id, campaign_name, subject, email, status, sent_at, created_at,
      created_by (the owner).
    - email_event: a tracking event of such an e-mail (id = the event): event, occurred_at (its place
      in the timeline), campaign_email_id, campaign_id, campaign_name, subject, email, is_machine and
      machine_reason (an open or click by a mail-privacy proxy or link scanner, or an automatic
      reply: shown, but not counted as the client's), url (clicks), detail (the provider's reason,
      when it gave one), created_at (when it was recorded); no created_by.
    """

    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=TIMELINE_ENTRY_TYPES)
    title = serializers.CharField(required=False)
    content = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    file_url = serializers.URLField(required=False)
    activity_type = serializers.ChoiceField(choices=ClientActivity.Type.choices, required=False)
    direction = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    scheduled_at = DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True)
    event = serializers.ChoiceField(choices=TrackingEvent.Kind.choices, required=False)
    occurred_at = DateTimeField(required=False)
    campaign_email_id = serializers.UUIDField(required=False)
    campaign_id = serializers.UUIDField(required=False)
    campaign_name = serializers.CharField(required=False)
    subject = serializers.CharField(required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    sent_at = DateTimeField(required=False, allow_null=True)
    is_machine = serializers.BooleanField(required=False)
    machine_reason = serializers.ChoiceField(choices=TrackingEvent.MachineReason.choices, required=False)
    url = serializers.CharField(required=False, help_text="The clicked link (click events)")
    detail = serializers.CharField(required=False, help_text="Bounce, drop or deferral reason")
    created_at = DateTimeField()
    created_by = serializers.EmailField(required=False, help_text="Every type but email_event")


def _campaign_email_fields(result) -> dict:
    return {
        "campaign_id": result.campaign_id,
        "campaign_name": result.campaign.name,
        "subject": result.title,
        "email": result.email,
    }


def timeline_item_data(entry, *, file_link: serializers.Serializer, owner_email: str) -> dict:
    """An entry of client_timeline() as written: keys of its type only, datetimes in UTC."""
    obj = entry.obj
    item = {"id": obj.id, "type": entry.kind}
    if entry.kind == "note":
        item.update(title=obj.title, content=obj.content)
    elif entry.kind == "file":
        item.update(name=obj.name, description=obj.description, file_url=file_download_url(file_link, obj))
    elif entry.kind == "activity":
        item.update(
            activity_type=obj.type,
            title=obj.title,
            description=obj.description,
            direction=obj.direction,
            status=obj.status,
            scheduled_at=utc_iso(obj.scheduled_at),
            duration_minutes=obj.duration_minutes,
        )
    elif entry.kind == "campaign_email":
        item.update(_campaign_email_fields(obj), status=obj.status, sent_at=utc_iso(obj.sent_at))
    else:  # email_event: done by the recipient (or a machine on its behalf), hence no created_by
        item.update(event=obj.kind, occurred_at=utc_iso(obj.occurred_at), campaign_email_id=obj.result_id)
        item.update(_campaign_email_fields(obj.result), is_machine=obj.is_machine, machine_reason=obj.machine_reason)
        if obj.email:
            item["email"] = obj.email
        if obj.kind == TrackingEvent.Kind.CLICK:
            item["url"] = obj.url
        if obj.detail:
            item["detail"] = obj.detail
    item["created_at"] = utc_iso(obj.created_at)
    if entry.kind == "campaign_email":
        item["created_by"] = owner_email
    elif entry.kind != "email_event":
        item["created_by"] = obj.user.email
    return item


class CommunicationItemSerializer(serializers.Serializer):
    """A campaign e-mail (campaign_id, subject, sent_at, status, delivered/opened/clicked/replied/
    bounced/unsubscribed/complained_at: the first such event, opens and clicks by humans only), a logged
    e-mail (email_id, subject, from, to, sent_at) or an activity (id, title, scheduled_at,
    duration_minutes, status, notes_id)."""

    type = serializers.ChoiceField(choices=ClientActivity.Type.choices)
    direction = serializers.CharField(required=False)
    campaign_id = serializers.UUIDField(required=False)
    email_id = serializers.UUIDField(required=False)
    id = serializers.UUIDField(required=False)
    subject = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    sent_at = DateTimeField(required=False, allow_null=True)
    scheduled_at = DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True)
    status = serializers.CharField()
    opened_at = DateTimeField(required=False, allow_null=True)
    clicked_at = DateTimeField(required=False, allow_null=True)
    replied_at = DateTimeField(required=False, allow_null=True)
    delivered_at = DateTimeField(required=False, allow_null=True)
    bounced_at = DateTimeField(required=False, allow_null=True)
    unsubscribed_at = DateTimeField(required=False, allow_null=True)
    complained_at = DateTimeField(required=False, allow_null=True)
    notes_id = serializers.UUIDField(required=False, allow_null=True)


def communication_item_data(item: dict) -> dict:
    """An item of /communications/ as written: keys of its kind only, datetimes in UTC."""
    return {key: utc_iso(value) if isinstance(value, datetime.datetime) else value for key, value in item.items()}


class CommunicationsSerializer(serializers.Serializer):
    communications = CommunicationItemSerializer(many=True)


class KeyMetricsSerializer(serializers.Serializer):
    total_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    active_products = serializers.IntegerField()
    last_interaction = DateTimeField(allow_null=True)


class InsightsBodySerializer(InsightsStateSerializer):
    """The score and metrics are computed; the summary and recommendations come from the insights
    backend (``backend``, ``insight_status``, ``generated_at``, ``fallback_reason`` say how)."""

    engagement_score = serializers.IntegerField(min_value=0, max_value=100)
    recent_activity_summary = serializers.CharField()
    recommendations = serializers.ListField(child=serializers.CharField())
    key_metrics = KeyMetricsSerializer()


class ClientInsightsSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    insights = InsightsBodySerializer()
