"""Sender domains (shared by every user: the domains the platform sends from) and the spam check."""

from dataclasses import asdict

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.campaigns.models import CampaignTemplate
from apps.campaigns.rendering import SecurityError, TemplateError
from apps.campaigns.serializers import SpamReportSerializer
from apps.campaigns.spam_check import spam_check_message, spam_check_template
from apps.leads.models import Lead

from . import selectors, services
from .serializers import SenderDomainSerializer, SpamCheckRequestSerializer


class SenderDomainViewSet(viewsets.ReadOnlyModelViewSet):
    """Each sending domain's SPF, DKIM and DMARC verdicts with what to fix, and its complaint rate."""

    serializer_class = SenderDomainSerializer
    search_fields = ["domain"]
    ordering_fields = ["domain", "checked_at", "complaint_rate"]
    ordering = ["domain"]

    def get_queryset(self):
        return selectors.sender_domain_list()

    @extend_schema(request=None, responses={200: SenderDomainSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Look the domain's records up again now."""
        sender_domain = services.sender_domain_check(sender_domain=self.get_object())
        return Response(self.get_serializer(sender_domain).data)

    @extend_schema(
        request=None, responses={200: SenderDomainSerializer(many=True)}, operation_id="sender_domains_check_all"
    )
    @action(detail=False, methods=["post"], url_path="check", pagination_class=None)  # every domain, one list
    def check_all(self, request):
        """Add the domains the settings send from, and check every domain now."""
        services.sender_domains_check_all()
        return Response(self.get_serializer(self.get_queryset(), many=True).data)


class SpamCheckView(APIView):
    @extend_schema(
        request=SpamCheckRequestSerializer,
        responses={200: SpamReportSerializer},
        description=(
            "Score a message with SpamAssassin: a subject and HTML (and optionally a text part), or one of "
            "your templates rendered as the preview renders it. Without a spam daemon, available is false "
            "and no score is given."
        ),
    )
    def post(self, request):
        params = SpamCheckRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if data.get("template_id"):
            template = CampaignTemplate.objects.filter(pk=data["template_id"], user=request.user).first()
            if template is None:
                raise serializers.ValidationError({"template_id": [_("No template of yours has this id.")]})
            if data.get("lead_id") and not Lead.objects.filter(pk=data["lead_id"], user=request.user).exists():
                raise serializers.ValidationError({"lead_id": [_("No lead of yours has this id.")]})
            try:
                report = spam_check_template(
                    template=template,
                    user=request.user,
                    lead_id=data.get("lead_id"),
                    is_advertising=data["is_advertising"],
                )
            except SecurityError as exc:
                raise serializers.ValidationError({"detail": str(exc)}) from exc
            except TemplateError as exc:
                raise serializers.ValidationError(
                    {"detail": _("The template could not be rendered: %(error)s") % {"error": exc}}
                ) from exc
        else:
            report = spam_check_message(subject=data["subject"], html=data["html"], text=data.get("text") or None)
        return Response(SpamReportSerializer(asdict(report)).data)
