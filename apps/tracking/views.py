"""HTTP endpoints of tracking.

Public, token-authenticated (what the e-mail links point to): ``/api/t/o/`` open pixel, ``/api/t/c/``
click redirect, ``/api/t/u/`` unsubscribe page and RFC 8058 one-click.
Provider webhooks, authenticated by signature (no JWT): ``/api/webhooks/sendgrid/``,
``/api/webhooks/mailgun/``, and the inbound replies of both.
For the SPA (JWT): ``/api/tracking/events/``, ``/api/tracking/stream/`` (Server-Sent Events) and its token.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from datetime import UTC, datetime

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.decorators import classonlymethod
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

from apps.accounts.authentication import VersionedJWTAuthentication
from apps.campaigns.models import Campaign
from apps.campaigns.tracking import click_signature_valid, result_id_from_token
from services.email import EmailProvider
from services.email.mailgun import MailgunProvider, mailgun_parse_inbound
from services.email.sendgrid import (
    SENDGRID_SIGNATURE_HEADER,
    SENDGRID_TIMESTAMP_HEADER,
    SendGridProvider,
    sendgrid_parse_inbound,
)
from services.email.tracking import WebhookPayloadError, WebhookSignatureError

from . import machine
from .filters import TrackingEventFilter
from .models import TrackingEvent
from .realtime import (
    sse_stream,
    stream_slot_release,
    stream_slot_take,
    stream_token_issue,
    stream_token_user_id,
)
from .selectors import campaign_tracking_totals, tracking_event_list
from .serializers import (
    InboundResultSerializer,
    StreamTokenSerializer,
    TrackingEventSerializer,
    TrackingTotalsSerializer,
    WebhookResultSerializer,
)
from .services import (
    DATABASE_UNAVAILABLE,
    TrackingUnavailable,
    event_record,
    inbound_message_receive,
    new_event,
    provider_webhook_accept,
    result_unsubscribe,
    webhook_token_spend,
)

logger = logging.getLogger(__name__)

# The classic transparent 1×1 GIF (43 bytes).
PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_NO_CACHE = "no-store, no-cache, must-revalidate, max-age=0, private"


class PlainAPIView(APIView):
    """Described by drf-spectacular like any APIView, but served as a plain Django view.

    The public tracking URLs and the webhooks have no JWT, session, content negotiation or throttle
    to run, and the pixel and click are the hottest paths of the product: DRF's request wrapping is
    skipped. Handlers take a Django HttpRequest and return a Django HttpResponse.
    """

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    @classonlymethod
    def as_view(cls, **initkwargs):
        def view(request, *args, **kwargs):
            method = request.method.lower()
            if method == "options":  # APIView.options needs DRF's Request: answer like Django's View
                return HttpResponse(headers={"Allow": ", ".join(cls().allowed_methods), "Content-Length": "0"})
            handler = getattr(cls, method, None) if method in cls.http_method_names else None
            if handler is None:
                return HttpResponse(status=405, headers={"Allow": ", ".join(cls().allowed_methods)})
            return handler(cls(**initkwargs), request, *args, **kwargs)

        view.cls = cls
        view.initkwargs = initkwargs
        view.csrf_exempt = True  # authenticated by signed token or signature, posted by mail clients/providers
        return view


def client_ip(request) -> str | None:
    if settings.TRACKING_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


def _bad_link(request) -> HttpResponse:
    """400 in the request's language: the pixel and click are served ahead of LocaleMiddleware
    (apps/tracking/middleware.py), so the language is chosen here, only when it is needed."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        text = _("Invalid or tampered tracking link.")
    response = HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response


_TOKEN_PARAM = OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH, description="Signed result token")


class OpenPixelView(PlainAPIView):
    @extend_schema(
        operation_id="tracking_open_pixel",
        summary="Open pixel (1×1 GIF) of a campaign e-mail",
        parameters=[_TOKEN_PARAM],
        responses={(200, "image/gif"): OpenApiTypes.BINARY, 400: OpenApiResponse(description="Tampered token")},
        auth=[],
        tags=["tracking"],
    )
    def get(self, request, token):
        result_id = result_id_from_token(token)
        if result_id is None:
            return _bad_link(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")
        ip = client_ip(request)
        reason = (
            TrackingEvent.MachineReason.HEAD_REQUEST
            if request.method == "HEAD"
            else machine.open_machine_reason(user_agent=user_agent, ip=ip)
        )
        try:
            event_record(
                new_event(
                    kind=TrackingEvent.Kind.OPEN,
                    source=TrackingEvent.Source.PIXEL,
                    result_id=result_id,
                    user_agent=user_agent,
                    ip=ip,
                    machine_reason=reason,
                )
            )
        except TrackingUnavailable as exc:
            # Not a 200: the open was not kept (a mail client may fetch the image again later).
            logger.error("open of result %s not recorded: %s", result_id, exc)
            status = 503
        else:
            status = 200
        response = HttpResponse(PIXEL_GIF, content_type="image/gif", status=status)
        response["Cache-Control"] = _NO_CACHE
        response["Pragma"] = "no-cache"
        response["Expires"] = "0"
        return response

    head = get


class ClickRedirectView(PlainAPIView):
    @extend_schema(
        operation_id="tracking_click",
        summary="Click redirect of a link in a campaign e-mail",
        parameters=[
            _TOKEN_PARAM,
            OpenApiParameter("signature", OpenApiTypes.STR, OpenApiParameter.PATH, description="Link signature"),
            OpenApiParameter("u", OpenApiTypes.URI, OpenApiParameter.QUERY, required=True, description="Target"),
        ],
        responses={
            302: OpenApiResponse(description="Redirect to the signed target"),
            400: OpenApiResponse(description="Tampered token, link or signature"),
        },
        auth=[],
        tags=["tracking"],
    )
    def get(self, request, token, signature):
        result_id = result_id_from_token(token)
        target = request.GET.get("u", "")
        if (
            result_id is None
            or not target.lower().startswith(("http://", "https://"))
            or not click_signature_valid(target, signature, result_id)
        ):
            return _bad_link(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")
        event = new_event(
            kind=TrackingEvent.Kind.CLICK,
            source=TrackingEvent.Source.REDIRECT,
            result_id=result_id,
            user_agent=user_agent,
            ip=client_ip(request),
            url=target,
            method=request.method,
            machine_reason=machine.click_machine_reason(user_agent=user_agent, method=request.method),
        )
        try:
            event_record(event)
        except TrackingUnavailable as exc:
            # The person still reaches the link they clicked; the click is in the error log, whole.
            logger.error("click not recorded (%s): %s", exc, json.dumps(event))
        response = HttpResponseRedirect(target)
        response["Cache-Control"] = _NO_CACHE
        return response

    head = get


class UnsubscribeView(PlainAPIView):
    """GET shows a confirmation page (link scanners must not opt anybody out); POST opts out.

    A mail client's RFC 8058 one-click posts ``List-Unsubscribe=One-Click`` to the same URL.
    """

    @extend_schema(
        operation_id="tracking_unsubscribe_page",
        summary="Unsubscribe confirmation page (Korean, HTML)",
        parameters=[_TOKEN_PARAM],
        responses={(200, "text/html"): OpenApiTypes.STR, (400, "text/html"): OpenApiTypes.STR},
        auth=[],
        tags=["tracking"],
    )
    def get(self, request, token):
        if result_id_from_token(token) is None:
            return self._page("invalid", status=400)
        return self._page("confirm", action=request.path)

    @extend_schema(
        operation_id="tracking_unsubscribe",
        summary="Unsubscribe (page button or RFC 8058 one-click)",
        parameters=[_TOKEN_PARAM],
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={(200, "text/html"): OpenApiTypes.STR, (400, "text/html"): OpenApiTypes.STR},
        auth=[],
        tags=["tracking"],
    )
    def post(self, request, token):
        result_id = result_id_from_token(token)
        if result_id is None:
            return self._page("invalid", status=400)
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        try:
            email = result_unsubscribe(
                result_id=result_id,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                ip=client_ip(request),
                one_click=one_click,
            )
        except DATABASE_UNAVAILABLE:
            # An opt-out is written at once or refused: never a "done" page for one that was not kept.
            logger.error("unsubscribe of result %s not recorded: the database is unavailable", result_id)
            return self._page("unavailable", status=503)
        return self._page("done", email=email)

    @staticmethod
    def _page(state: str, *, status: int = 200, **context) -> HttpResponse:
        html = render_to_string("tracking/unsubscribe.html", {"state": state, **context})
        response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = _NO_CACHE
        response["X-Robots-Tag"] = "noindex"
        return response


# ------------------------------------------------------------------------------------------ webhooks


def _read_body(request) -> bytes | None:
    """The raw body (signatures cover exact bytes), or None when it is larger than allowed."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.TRACKING_WEBHOOK_MAX_BYTES
    if length > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _forbidden(reason: str) -> JsonResponse:
    # The webhooks answer the providers' machines: their messages stay English, like the providers' own.
    return JsonResponse({"detail": reason}, status=403)


def _unavailable(exc: Exception) -> JsonResponse:
    """5xx, so the provider delivers the post again later (nothing of it was kept)."""
    logger.error("webhook refused, nothing could keep its events: %s", exc)
    return JsonResponse(
        {"detail": "Tracking storage is unavailable; deliver again later."},
        status=503,
        headers={"Retry-After": "60"},
    )


_WEBHOOK_RESPONSES = {
    200: WebhookResultSerializer,
    400: OpenApiResponse(description="Signed, but not a payload we can read"),
    403: OpenApiResponse(description="Missing, invalid, stale or replayed signature; nothing was stored"),
    413: OpenApiResponse(description="Body too large"),
    503: OpenApiResponse(description="Neither Redis nor PostgreSQL answers: nothing kept, the provider retries"),
}


class ProviderWebhookView(PlainAPIView):
    """verify → parse → record, one pipeline for every provider's event webhook: the provider class
    (services/email/) supplies verify and parse (``webhook_post``); this keeps what the events mean."""

    provider: type[EmailProvider]
    replay_detail: str  # the 403 of a post whose signature was used already

    def post(self, request):
        body = _read_body(request)
        if body is None:
            return JsonResponse({"detail": "The body is too large."}, status=413)
        try:
            post = self.provider.webhook_post(
                body=body, headers=request.headers, now=time.time(), max_age=settings.TRACKING_WEBHOOK_MAX_AGE_SECONDS
            )
        except WebhookSignatureError as exc:
            return _forbidden(str(exc))
        except WebhookPayloadError as exc:
            return JsonResponse({"detail": str(exc)}, status=400)
        try:
            accepted = provider_webhook_accept(
                provider=self.provider.name,
                token=post.replay_token,
                signed_at=datetime.fromtimestamp(post.signed_at, tz=UTC),
                events=post.events,
            )
        except TrackingUnavailable as exc:
            return _unavailable(exc)
        if not accepted:
            return _forbidden(self.replay_detail)
        return JsonResponse({"received": len(post.events), "ignored": post.ignored})


class SendGridWebhookView(ProviderWebhookView):
    provider = SendGridProvider
    replay_detail = "This signed payload was already received (replay)."

    @extend_schema(
        operation_id="webhook_sendgrid_events",
        summary="SendGrid Event Webhook (ECDSA-signed batch of events)",
        description=(
            "Posted by SendGrid: a JSON array of events (delivered, open, click, bounce, dropped, spamreport, "
            "unsubscribe …), signed over the timestamp and the raw body. Each event is recorded once; a signed "
            "payload posted again is refused as a replay."
        ),
        parameters=[
            OpenApiParameter(SENDGRID_SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER),
            OpenApiParameter(SENDGRID_TIMESTAMP_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses=_WEBHOOK_RESPONSES,
        auth=[],
        tags=["webhooks"],
    )
    def post(self, request):
        return super().post(request)


class MailgunWebhookView(ProviderWebhookView):
    provider = MailgunProvider
    replay_detail = "This signature token was already used (replay)."

    @extend_schema(
        operation_id="webhook_mailgun_events",
        summary="Mailgun webhook (HMAC-signed event)",
        description=(
            "Posted by Mailgun: one event (delivered, opened, clicked, failed, complained, unsubscribed …) with "
            "its HMAC signature block. The signature is checked before the event is read; a token used before "
            "is refused as a replay."
        ),
        request={"application/json": {"type": "object"}},
        responses=_WEBHOOK_RESPONSES,
        auth=[],
        tags=["webhooks"],
    )
    def post(self, request):
        return super().post(request)


def _mailgun_verify(signature) -> datetime:
    signed_at = MailgunProvider.verify_signature(
        signature, now=time.time(), max_age=settings.TRACKING_WEBHOOK_MAX_AGE_SECONDS
    )
    return datetime.fromtimestamp(signed_at, tz=UTC)


def _inbound_response(message) -> JsonResponse:
    return JsonResponse(
        {"id": str(message.id), "status": message.status, "result": str(message.result_id or "") or None}
    )


class SendGridInboundView(PlainAPIView):
    @extend_schema(
        operation_id="webhook_sendgrid_inbound",
        summary="SendGrid Inbound Parse (replies); the URL carries TRACKING_INBOUND_SECRET",
        parameters=[OpenApiParameter("secret", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: InboundResultSerializer, 403: OpenApiResponse(description="Wrong secret")},
        auth=[],
        tags=["webhooks"],
    )
    def post(self, request, secret):
        expected = settings.TRACKING_INBOUND_SECRET
        # SendGrid does not sign Inbound Parse posts: an unguessable URL is the credential.
        if not expected or not hmac.compare_digest(expected.encode(), secret.encode()):
            return _forbidden("Unknown inbound endpoint.")
        try:
            message = inbound_message_receive(mail=sendgrid_parse_inbound(request.POST))
        except DATABASE_UNAVAILABLE as exc:  # a reply is kept whole or not at all: SendGrid retries
            return _unavailable(exc)
        return _inbound_response(message)


class MailgunInboundView(PlainAPIView):
    @extend_schema(
        operation_id="webhook_mailgun_inbound",
        summary="Mailgun route forward() of a reply (HMAC-signed form)",
        request={"multipart/form-data": OpenApiTypes.OBJECT, "application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={200: InboundResultSerializer, 403: OpenApiResponse(description="Bad or replayed signature")},
        auth=[],
        tags=["webhooks"],
    )
    def post(self, request):
        form = request.POST
        try:
            signed_at = _mailgun_verify(form)
        except WebhookSignatureError as exc:
            return _forbidden(str(exc))
        try:
            with transaction.atomic():
                if not webhook_token_spend(provider="mailgun", token=form["token"], signed_at=signed_at):
                    return _forbidden("This signature token was already used (replay).")
                message = inbound_message_receive(mail=mailgun_parse_inbound(form))
        except DATABASE_UNAVAILABLE as exc:  # Mailgun retries a route's forward() on a 5xx
            return _unavailable(exc)
        return _inbound_response(message)


# ------------------------------------------------------------------------------------ for the SPA


class TrackingEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The user's tracking events (campaign results, client timeline); machine events are flagged."""

    serializer_class = TrackingEventSerializer
    filterset_class = TrackingEventFilter
    search_fields = ["email", "url"]
    ordering_fields = ["occurred_at", "kind"]
    ordering = ["-occurred_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TrackingEvent.objects.none()
        return tracking_event_list(user=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("campaign", OpenApiTypes.UUID, required=True)],
        responses={
            200: TrackingTotalsSerializer,
            400: OpenApiResponse(description="No or malformed campaign id"),
            404: OpenApiResponse(description="Not one of the user's campaigns"),
        },
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def totals(self, request):
        """Tracked counts and rates of one of the user's campaigns."""
        try:
            campaign_id = uuid.UUID(request.query_params.get("campaign", ""))
        except ValueError:
            raise serializers.ValidationError({"campaign": [_("A valid campaign id is required.")]})
        campaign = get_object_or_404(Campaign, pk=campaign_id, user=request.user)
        return Response(TrackingTotalsSerializer(campaign_tracking_totals(campaign)).data)


class StreamTokenView(APIView):
    @extend_schema(
        operation_id="tracking_stream_token",
        summary="Short-lived token for the event stream (EventSource cannot send headers)",
        request=None,
        responses={200: StreamTokenSerializer},
        tags=["tracking"],
    )
    def post(self, request):
        token = stream_token_issue(user=request.user)
        return Response(
            {
                "token": token,
                "expires_in": settings.TRACKING_STREAM_TOKEN_MAX_AGE,
                "url": f"{_stream_url()}?token={token}",
            }
        )


async def _stream_user_id(request) -> str | None:
    token = request.GET.get("token")
    if token:
        return stream_token_user_id(token)
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    auth = VersionedJWTAuthentication()  # an ended session's access token is refused here too
    try:
        raw = auth.get_raw_token(header.encode())
        if raw is None:
            return None
        validated = await sync_to_async(auth.get_validated_token)(raw)
        user = await sync_to_async(auth.get_user)(validated)
    except (InvalidToken, AuthenticationFailed):
        return None
    return str(user.pk) if user.is_active else None


def _stream_url() -> str:
    return f"{settings.TRACKING_STREAM_BASE_URL.rstrip('/')}/api/tracking/stream/"


class _StreamResponse(StreamingHttpResponse):
    """Frees the user's stream slot when the server closes the response (end, disconnect, error)."""

    def __init__(self, *args, on_close, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_close = on_close

    def close(self):
        try:
            self._on_close()
        finally:
            super().close()


async def tracking_stream(request):
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    if not isinstance(request, ASGIRequest):
        # Under WSGI an open stream holds a worker thread for TRACKING_STREAM_MAX_SECONDS: a few
        # browsers would stop the API. Only the ASGI process (Procfile "stream") serves it.
        return JsonResponse(
            {
                "detail": _("The event stream is served by the stream server, not this one."),
                "code": "stream_elsewhere",
                "url": _stream_url(),
            },
            status=404,
        )
    user_id = await _stream_user_id(request)
    if user_id is None:
        return JsonResponse({"detail": _("Authentication credentials were not provided or are invalid.")}, status=401)
    try:
        slot = await sync_to_async(stream_slot_take, thread_sensitive=False)(user_id)
    except redis.RedisError:
        return JsonResponse({"detail": _("The event stream is unavailable; try again shortly.")}, status=503)
    if slot is None:
        limit = settings.TRACKING_STREAM_MAX_PER_USER
        return JsonResponse(
            {
                "detail": _("Too many open event streams: at most %(limit)d per user. Close one (another tab).")
                % {"limit": limit}
            },
            status=429,
        )
    response = _StreamResponse(
        sse_stream(user_id),
        content_type="text/event-stream; charset=utf-8",
        on_close=lambda: stream_slot_release(user_id, slot),
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


class TrackingStreamView(APIView):
    """Server-Sent Events of the user's campaigns: ``event: event`` and ``event: counters`` frames.

    Served by the async ``tracking_stream`` (not DRF's sync request cycle); this class describes it.
    """

    @extend_schema(
        operation_id="tracking_stream",
        summary="Live campaign events and counters (Server-Sent Events)",
        parameters=[
            OpenApiParameter(
                "token",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="From POST /api/tracking/stream/token/; or send the JWT in Authorization",
            )
        ],
        responses={
            (200, "text/event-stream"): OpenApiTypes.STR,
            401: OpenApiResponse(description="No valid JWT or stream token"),
            404: OpenApiResponse(description="Asked of the API (WSGI) server: the body names the stream server's URL"),
            429: OpenApiResponse(description="The user has TRACKING_STREAM_MAX_PER_USER streams open already"),
            503: OpenApiResponse(description="Redis is unavailable"),
        },
        tags=["tracking"],
    )
    def get(self, request):  # pragma: no cover - the route serves tracking_stream
        raise NotImplementedError

    @classonlymethod
    def as_view(cls, **initkwargs):
        async def view(request, *args, **kwargs):
            return await tracking_stream(request)

        view.cls = cls
        view.initkwargs = initkwargs
        view.csrf_exempt = True
        return view


__all__ = [
    "ClickRedirectView",
    "MailgunInboundView",
    "MailgunWebhookView",
    "OpenPixelView",
    "SendGridInboundView",
    "SendGridWebhookView",
    "StreamTokenView",
    "TrackingEventViewSet",
    "TrackingStreamView",
    "UnsubscribeView",
]
