import django_filters

from .models import TrackingEvent


class TrackingEventFilter(django_filters.FilterSet):
    campaign = django_filters.UUIDFilter(field_name="campaign_id")
    result = django_filters.UUIDFilter(field_name="result_id")
    lead = django_filters.UUIDFilter(field_name="result__lead_id")
    kind = django_filters.MultipleChoiceFilter(choices=TrackingEvent.Kind.choices)
    email = django_filters.CharFilter(lookup_expr="iexact")
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = TrackingEvent
        fields = ["campaign", "result", "lead", "kind", "is_machine", "source", "email"]
