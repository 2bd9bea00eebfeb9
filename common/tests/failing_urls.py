"""The real URLs plus routes that fail the way a bug would, for common/tests/test_server_error_json.py."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from salesone.urls import urlpatterns as real_urlpatterns


class FailingAPIView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise ZeroDivisionError("a bug in a DRF view")


def failing_view(request):
    raise ZeroDivisionError("a bug in a plain view")


urlpatterns = [
    path("api/failing/drf/", FailingAPIView.as_view()),
    path("api/failing/plain/", failing_view),
    path("failing/", failing_view),
    *real_urlpatterns,
]
