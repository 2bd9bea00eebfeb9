"""seed_demo is keyed on the demo user's own objects: run twice, or after users added or changed data
with the demo objects' names, it changes nothing and fails nothing (issue 15 §3)."""

import io

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.campaigns.models import Campaign, CampaignTemplate
from apps.clients.models import Client
from apps.products.models import Product
from apps.tasks.models import Task
from apps.workflows.models import Workflow
from conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)
MODELS = [Product, Client, Task, Workflow, Campaign, CampaignTemplate]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_second_run_after_users_added_and_changed_data_changes_nothing(user):
    first = seed("--password", DEFAULT_PASSWORD)
    assert "Demo data ready." in first
    demo = User.objects.get(email="demo@salesone.kr")
    demo_product = Product.objects.get(created_by=demo, name="네이버 검색 CPC 광고")

    # Another user sells a product of the same name; the demo user adds a second one and reprices his.
    assert (
        client_for(user)
        .post("/api/products/", {"name": demo_product.name, "plan_type": "매월결제", "price": 1, "currency": "krw"})
        .status_code
        == 201
    )
    demo_api = client_for(demo)
    assert (
        demo_api.post(
            "/api/products/", {"name": demo_product.name, "plan_type": "매월결제", "price": 2, "currency": "krw"}
        ).status_code
        == 201
    )
    assert demo_api.patch(f"/api/products/{demo_product.pk}/", {"price": 3_000_000}).status_code == 200
    workflow = Workflow.objects.filter(user=demo).first()
    Workflow.objects.create(user=demo, name="사본", template_key=workflow.template_key, nodes=[], edges=[])
    before = counts()
    password_hash = User.objects.get(pk=demo.pk).password

    second = seed()
    assert "Demo data ready." in second and "skipped" not in second
    assert counts() == before
    demo_product.refresh_from_db()
    assert demo_product.price == 3_000_000  # the user's change stays
    assert Product.objects.get(created_by=user).price == 1
    assert User.objects.get(pk=demo.pk).password == password_hash  # the printed login still works
