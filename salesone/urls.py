"""Root URL configuration: the admin, the API of every app, the schema and health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from common.metrics import metrics_view
from common.views import HealthView

urlpatterns = [
    # First: inbound workflow hooks are the busiest machine route (apps/workflows/hook_urls.py).
    path("api/", include("apps.workflows.hook_urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path(
        "api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="common/redoc.html"), name="redoc"
    ),
    path("api/health/", HealthView.as_view(), name="health"),
    # Prometheus (common/metrics.py): METRICS_ALLOWED_NETWORKS or the METRICS_TOKEN bearer token.
    path("metrics", metrics_view, name="metrics"),
    path("api/auth/", include("apps.accounts.urls")),
    path("api/", include("apps.products.urls")),
    path("api/", include("apps.salesone_leads.urls")),
    # Before the leads router, whose leads/{pk}/ would take consent's leads/import/ for a lead's id.
    path("api/", include("apps.consent.urls")),
    path("api/", include("apps.leads.urls")),
    path("api/", include("apps.opportunities.urls")),
    path("api/clients/", include("apps.clients.urls")),
    path("api/", include("apps.mail.urls")),
    path("api/", include("apps.campaigns.urls")),
    path("api/", include("apps.tracking.urls")),
    path("api/", include("apps.workflows.urls")),
    path("api/", include("apps.tasks.urls")),
    path("api/", include("apps.deliverability.urls")),
    path("api/", include("apps.intelligence.urls")),
    path("api/", include("apps.privacy.urls")),
    path("api/", include("apps.sequences.urls")),
]
if settings.BENCH_ENABLED:  # development and tests only: the benchmarks' ceiling view (bench/urls.py)
    urlpatterns.append(path("api/", include("bench.urls")))
# MEDIA_ROOT is never served as-is: uploaded files are downloaded through endpoints that check
# the owner's token.
