"""Every model is in the admin, and every admin page renders over the demo data.

Walks the registry, so a model or ModelAdmin added later is covered without editing this file.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

MODELS = [
    model
    for model in apps.get_models()
    if model._meta.app_config.name.startswith("apps.") and not model._meta.auto_created
]
REGISTERED = [
    pytest.param(model, model_admin, id=model._meta.label)
    for model, model_admin in admin.site._registry.items()
    if model in MODELS
]


def test_every_model_is_registered_or_inline():
    inlines = {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    missing = [model._meta.label for model in MODELS if model not in admin.site._registry and model not in inlines]
    assert not missing, f"not in the admin: {missing}"


@pytest.mark.parametrize("model,model_admin", REGISTERED)
def test_admin_pages_render_over_demo_data(client, demo, model, model_admin, db):
    client.force_login(demo)  # the demo user is a superuser
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    if model_admin.search_fields:
        assert client.get(changelist, {"q": "넥스"}).status_code == 200
    request = RequestFactory().get(changelist)
    request.user = demo
    if model_admin.has_add_permission(request):
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200, change
