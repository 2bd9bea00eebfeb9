import django_filters

from common.korean_ids import normalize_business_number

from .models import Client, ClientActivity, ClientEmail, ClientEmailAttachment, ClientFile, ClientNote, ClientProduct


class ClientFilter(django_filters.FilterSet):
    created_at = django_filters.DateFromToRangeFilter(help_text="created_at_after / created_at_before")
    email = django_filters.CharFilter(method="filter_email", help_text="Has this address (case-insensitive)")
    business_number = django_filters.CharFilter(
        method="filter_business_number", help_text="Exact, with or without dashes: 123-45-67890."
    )

    class Meta:
        model = Client
        fields = ["business_number"]

    def filter_business_number(self, queryset, name, value):
        return queryset.filter(business_number=normalize_business_number(value.strip()))

    def filter_email(self, queryset, name, value):
        return queryset.filter(emails__contains=[value.strip().lower()])


class ClientNoteFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")

    class Meta:
        model = ClientNote
        fields = ["client"]


class ClientFileFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")

    class Meta:
        model = ClientFile
        fields = ["client", "content_type"]


class ClientProductFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")
    next_billing_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ClientProduct
        fields = ["client", "status", "product"]


class ClientActivityFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")
    scheduled_at = django_filters.DateTimeFromToRangeFilter()

    class Meta:
        model = ClientActivity
        fields = ["client", "type", "status", "direction"]


class ClientEmailFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")

    class Meta:
        model = ClientEmail
        fields = ["client", "direction"]


class ClientEmailAttachmentFilter(django_filters.FilterSet):
    # A plain UUID, not a choice over every e-mail: an id of someone else's e-mail finds nothing (no 400).
    email = django_filters.UUIDFilter(field_name="email_id")

    class Meta:
        model = ClientEmailAttachment
        fields = ["email"]
