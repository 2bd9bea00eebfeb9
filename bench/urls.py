"""Routed under /api/ only when BENCH_ENABLED (salesone/urls.py): never in production."""

from django.urls import path

from . import views

urlpatterns = [
    path("t/ceiling/", views.ceiling, name="bench-ceiling"),
]
