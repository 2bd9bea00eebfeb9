from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tracking/events", views.TrackingEventViewSet, basename="tracking-event")

# What the links in e-mails point to (short: they sit in every link of every e-mail). The open pixel
# and the click are also served by middleware.TrackingFastPathMiddleware, ahead of most of the stack.
hot_urlpatterns = [
    path("t/o/<str:token>/", views.OpenPixelView.as_view(), name="tracking-open"),
    path("t/c/<str:token>/<str:signature>/", views.ClickRedirectView.as_view(), name="tracking-click"),
]

urlpatterns = [
    *hot_urlpatterns,
    path("t/u/<str:token>/", views.UnsubscribeView.as_view(), name="tracking-unsubscribe"),
    # Providers
    path("webhooks/sendgrid/", views.SendGridWebhookView.as_view(), name="webhook-sendgrid"),
    path("webhooks/mailgun/", views.MailgunWebhookView.as_view(), name="webhook-mailgun"),
    path(
        "webhooks/sendgrid/inbound/<str:secret>/", views.SendGridInboundView.as_view(), name="webhook-sendgrid-inbound"
    ),
    path("webhooks/mailgun/inbound/", views.MailgunInboundView.as_view(), name="webhook-mailgun-inbound"),
    # The SPA
    path("tracking/stream/", views.TrackingStreamView.as_view(), name="tracking-stream"),
    path("tracking/stream/token/", views.StreamTokenView.as_view(), name="tracking-stream-token"),
    *router.urls,
]
