"""Campaign shapes on the wire."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.leads.models import Lead, LeadList
from apps.mail.models import Mailbox
from common.serializers import DateTimeField, ModelSerializer, UserSummarySerializer, utc_iso

from .models import Campaign, CampaignLeadResult, CampaignTemplate
from .rendering import template_source_problem
from .selectors import campaign_totals_of


def _validate_source(value: str, *, html: bool) -> str:
    problem = template_source_problem(value, html=html)
    if problem:
        raise serializers.ValidationError(problem)
    return value


class CampaignTemplateSerializer(ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = CampaignTemplate
        fields = ["id", "name", "title", "body", "text_body", "user", "created_at", "updated_at"]
        read_only_fields = ["id", "user", "created_at", "updated_at"]

    def validate_title(self, value: str) -> str:
        return _validate_source(value, html=False)

    def validate_body(self, value: str) -> str:
        return _validate_source(value, html=True)

    def validate_text_body(self, value: str) -> str:
        return _validate_source(value, html=False) if value else value


def validate_schedule(value, *, current=None):
    """A new ``scheduled_at`` must lie ahead: one in the past would be a silent "start now" (or a
    schedule the scheduler starts at once). Sending back the stored value unchanged is always fine."""
    if value is None or value == current:
        return value
    now = timezone.now()
    if value <= now:
        raise serializers.ValidationError(
            _(
                "This time has passed (now is %(now)s). Give a time ahead, or leave scheduled_at out "
                "(or null) and start the campaign to send now."
            )
            % {"now": utc_iso(now)}
        )
    return value


class TemplatePreviewRequestSerializer(serializers.Serializer):
    lead_id = serializers.UUIDField(required=False, help_text="Render for this lead of yours.")
    test_data = serializers.DictField(
        required=False,
        help_text='Values laid over the context, e.g. {"company": {"owner": "김철수"}, "data": {...}}.',
    )
    is_advertising = serializers.BooleanField(default=True, help_text="Add the (광고) subject and legal footer.")

    def validate_lead_id(self, value):
        user = self.context["request"].user
        if not Lead.objects.filter(pk=value, user=user).exists():
            raise serializers.ValidationError(_("No lead of yours has this id."))
        return value


class SpamRuleSerializer(serializers.Serializer):
    name = serializers.CharField()
    score = serializers.FloatField()
    description = serializers.CharField()


class SpamReportSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="False: no spam daemon answered; no score is given")
    score = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True, help_text="SpamAssassin's spam threshold")
    is_spam = serializers.BooleanField(allow_null=True)
    rules = SpamRuleSerializer(many=True)
    detail = serializers.CharField(help_text="Why the check is unavailable, or empty")
    max_score_advertising = serializers.FloatField(
        allow_null=True, help_text="Advertising campaigns above this score do not start (null: no limit)"
    )


class TemplatePreviewSerializer(serializers.Serializer):
    subject = serializers.CharField()
    html = serializers.CharField(help_text="The complete HTML document, CSS inlined")
    text = serializers.CharField(help_text="The text/plain part: the template's own, or made from the HTML")
    missing_variables = serializers.ListField(child=serializers.CharField())
    source = serializers.ChoiceField(choices=["lead", "test_data", "sample"])
    lead_id = serializers.UUIDField(allow_null=True)
    spam_check = SpamReportSerializer(
        help_text="SpamAssassin's score of this message; available false without a daemon"
    )


class _OwnedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key field that accepts only the requesting user's objects (others: 'does not exist')."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return queryset.none()
        return queryset.filter(user=request.user)


class CampaignDeliveryTotalsSerializer(serializers.Serializer):
    """Recipients (result rows) per state: selectors.campaign_totals_of, the admin's columns too."""

    recipients = serializers.IntegerField(help_text="Result rows: one per lead the campaign writes to")
    pending = serializers.IntegerField(help_text="Not sent yet")
    sending = serializers.IntegerField(help_text="Claimed by a worker, its answer not recorded yet")
    sent = serializers.IntegerField(help_text="Left us (accepted by the provider): the rates' denominator")
    delivered = serializers.IntegerField(help_text="The provider reported delivery (not every provider does)")
    opened = serializers.IntegerField(help_text="Opened by a person (a click counts as an open)")
    machine_opened = serializers.IntegerField(
        help_text="Opened only by machines (Apple Mail Privacy Protection, image proxies, scanners): not in opened"
    )
    clicked = serializers.IntegerField(help_text="Clicked a link (link scanners left out)")
    replied = serializers.IntegerField()
    bounced = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()
    complained = serializers.IntegerField(help_text="Marked as spam")
    failed = serializers.IntegerField(help_text="Not sent: refused, no address, suppressed")
    unknown = serializers.IntegerField(
        help_text="Outcome unknown: the provider may have sent them; never re-sent automatically (resend-unknown)"
    )
    opens_tracked = serializers.BooleanField(help_text="False: opens are not tracked (open_rate is null)")
    clicks_tracked = serializers.BooleanField(help_text="False: clicks are not tracked (click_rate is null)")


def _rate_field(what: str, *, untracked: str = "") -> serializers.FloatField:
    why = "nothing sent yet" + (f", or {untracked} not tracked" if untracked else "")
    return serializers.FloatField(allow_null=True, help_text=f"Share of sent that {what}, 0–1; null: {why}")


class CampaignRatesSerializer(serializers.Serializer):
    """Rates over sent, 0–1 rounded to 4 places (selectors.py says why over sent)."""

    delivery_rate = _rate_field("were reported delivered")
    open_rate = _rate_field("a person opened", untracked="opens")
    click_rate = _rate_field("had a link clicked", untracked="clicks")
    reply_rate = _rate_field("replied")
    bounce_rate = _rate_field("bounced")
    unsubscribe_rate = _rate_field("unsubscribed")


class CampaignSerializer(ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    template = _OwnedPrimaryKeyField(queryset=CampaignTemplate.objects.all())
    leadlists = _OwnedPrimaryKeyField(queryset=LeadList.objects.all(), many=True, required=False)
    mailbox = _OwnedPrimaryKeyField(
        queryset=Mailbox.objects.all(),
        required=False,
        allow_null=True,
        help_text="Send from this mailbox of yours, within its rolling caps; null: the default sender, no caps",
    )
    totals = serializers.SerializerMethodField(help_text="Delivery totals: recipients per state")
    rates = serializers.SerializerMethodField(help_text="Rates over sent; null where there is no denominator")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "template",
            "leadlists",
            "user",
            "status",
            "scheduled_at",
            "started_at",
            "completed_at",
            "recipients_written_at",
            "is_advertising",
            "include_inactive_businesses",
            "track_opens",
            "track_clicks",
            "plain_text",
            "sender_name",
            "sender_contact",
            "send_window_start",
            "send_window_end",
            "mailbox",
            "failure_reason",
            "paused_reason",
            "totals",
            "rates",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "user",
            "status",
            "started_at",
            "completed_at",
            "recipients_written_at",
            "failure_reason",
            "paused_reason",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "scheduled_at": {
                "help_text": "When a draft campaign, once started, sends; a new value that has passed is a 400."
            }
        }

    def validate_scheduled_at(self, value):
        return validate_schedule(value, current=getattr(self.instance, "scheduled_at", None))

    @extend_schema_field(CampaignDeliveryTotalsSerializer)
    def get_totals(self, campaign: Campaign) -> dict:
        return campaign_totals_of(campaign)[0]

    @extend_schema_field(CampaignRatesSerializer)
    def get_rates(self, campaign: Campaign) -> dict:
        return campaign_totals_of(campaign)[1]

    def validate(self, attrs):
        start = attrs.get("send_window_start", getattr(self.instance, "send_window_start", None))
        end = attrs.get("send_window_end", getattr(self.instance, "send_window_end", None))
        if (start is None) != (end is None):
            raise serializers.ValidationError(
                {"send_window_end": [_("Give both ends of the sending window, or neither.")]}
            )
        if start is not None and start == end:
            raise serializers.ValidationError({"send_window_end": [_("The window must not start and end at once.")]})
        return attrs


class ConsentExclusionsByReasonSerializer(serializers.Serializer):
    erased = serializers.IntegerField(help_text="Erased on request (개인정보보호법): never mailed again")
    no_consent = serializers.IntegerField(help_text="No consent recorded")
    withdrawn = serializers.IntegerField(help_text="Consent withdrawn (opt-out)")
    unconfirmed = serializers.IntegerField(help_text="Double opt-in requested, not confirmed")
    unknown_basis = serializers.IntegerField(help_text="Existing data, basis unknown (CONSENT_ALLOW_UNKNOWN_BASIS)")
    customer_deal_expired = serializers.IntegerField(help_text="Existing customer, transaction over 6 months ago")
    expired = serializers.IntegerField(help_text="Consent over 2 years old without re-confirmation")


class ConsentExclusionsSerializer(serializers.Serializer):
    """Addresses an advertising campaign leaves out for want of a valid consent basis (정보통신망법 제50조)."""

    advertising = serializers.BooleanField(help_text="false: non-advertising mail, exempt (nothing excluded)")
    excluded = serializers.IntegerField(help_text="Addresses excluded now, all reasons")
    by_reason = ConsentExclusionsByReasonSerializer()


class CampaignStartResponseSerializer(CampaignSerializer):
    consent_exclusions = ConsentExclusionsSerializer(
        read_only=True, help_text="Counted at the start; the recipient rows record each one as failed with its reason"
    )

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "consent_exclusions"]
        read_only_fields = fields


class CampaignStartSerializer(serializers.Serializer):
    scheduled_at = DateTimeField(
        required=False,
        allow_null=True,
        help_text="Send at this time instead of now (a draft campaign only); a time that has passed is a 400.",
    )

    def validate_scheduled_at(self, value):
        return validate_schedule(value)


class CampaignLeadResultSerializer(ModelSerializer):
    lead_name = serializers.CharField(source="lead.name", read_only=True, default=None, allow_null=True)
    # Empty until an unknown outcome is resolved (a read-only model field loses allow_blank).
    resolution = serializers.ChoiceField(
        choices=CampaignLeadResult.Resolution.choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = CampaignLeadResult
        fields = [
            "id",
            "lead",
            "lead_name",
            "email",
            "title",
            "data",
            "status",
            "sent",
            "error_message",
            "retryable",
            "provider",
            "provider_message_id",
            "message_id",
            "claimed_at",
            "sent_at",
            "delivered_at",
            "opened_at",
            "clicked_at",
            "replied_at",
            "bounced_at",
            "unsubscribed_at",
            "complained_at",
            "open_count",
            "click_count",
            # How an unknown outcome was resolved by asking the provider, why, and when.
            "resolution",
            "resolution_note",
            "resolved_at",
        ]
        read_only_fields = fields


class UnknownReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class UnknownOutcomesSerializer(serializers.Serializer):
    unknown = serializers.IntegerField(help_text="Rows whose outcome is unknown now")
    awaiting_provider = serializers.IntegerField(help_text="Of those, still to be looked up in the provider's log")
    held_for_a_person = serializers.IntegerField(help_text="Of those, not in the provider's log: held for a person")
    reasons = UnknownReasonSerializer(many=True, help_text="Why the unknown rows are unknown")
    resolved_found_at_provider = serializers.IntegerField(help_text="Found in the provider's log: sent")
    resolved_sent_once_more = serializers.IntegerField(help_text="Not in the provider's log: sent once more")


class CampaignTotalsSerializer(CampaignDeliveryTotalsSerializer, CampaignRatesSerializer):
    """The results page's totals: the campaign's totals and rates in one object, and why rows are unknown."""

    unknown_outcomes = UnknownOutcomesSerializer()


class CampaignDayTotalsSerializer(serializers.Serializer):
    """Recipients whose first such event fell on this day (Asia/Seoul)."""

    date = serializers.DateField(help_text="A calendar day in Asia/Seoul")
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField(help_text="Opened by a person (machine opens left out)")
    clicked = serializers.IntegerField()
    replied = serializers.IntegerField()
    bounced = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()


class CampaignResultsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    page_size = serializers.IntegerField(help_text="The page size used: the requested page_size, capped at 100.")
    totals = CampaignTotalsSerializer()
    results = CampaignLeadResultSerializer(many=True)


class RetryFailedSerializer(serializers.Serializer):
    retried = serializers.IntegerField()
    campaign = CampaignSerializer()


class ResendUnknownRequestSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False, help_text="Must be true: the recipients may get a second copy of the e-mail."
    )


class ResendUnknownSerializer(serializers.Serializer):
    resent = serializers.IntegerField()
    campaign = CampaignSerializer()


class CampaignAudienceSerializer(serializers.Serializer):
    """Who the campaign would write to now, and why the others are left out (issue 20)."""

    leads = serializers.IntegerField(help_text="Distinct leads in the campaign's lists")
    will_send = serializers.IntegerField(help_text="Recipients that would be sent to")
    excluded = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Leads left out, per reason (each lead under its first reason, in this order): no_email, "
        "suppressed, no_consent (advertising campaigns only; by kind: /consent-exclusions/), duplicate_address, "
        "business_closed, business_suspended (closed/suspended count only unless include_inactive_businesses is set)",
    )
