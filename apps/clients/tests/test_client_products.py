import datetime

import pytest

from apps.clients.models import ClientProduct
from apps.clients.tests.factories import ClientFactory, ClientProductFactory
from apps.products.models import Product

pytestmark = pytest.mark.django_db
URL = "/api/clients/client-products/"


def test_products_action_splits_active_and_past_as_spec(auth_client, user):
    client = ClientFactory(user=user)
    active = ClientProductFactory(client=client)
    past = ClientProductFactory(
        client=client,
        name="SNS 마케팅 패키지",
        plan_type="일반결제",
        price=1_500_000,
        start_date=datetime.date(2023, 6, 1),
        end_date=datetime.date(2023, 12, 31),
        next_billing_date=None,
        status=ClientProduct.Status.COMPLETED,
    )
    response = auth_client.get(f"/api/clients/clients/{client.pk}/products/")
    assert response.status_code == 200
    assert response.json() == {
        "active_products": [
            {
                "id": str(active.pk),
                "name": "네이버 검색 CPC 광고",
                "plan_type": "매월결제",
                "price": 2500000.0,
                "currency": "krw",
                "start_date": "2024-01-01",
                "next_billing_date": "2024-04-01",
                "status": "active",
            }
        ],
        "past_products": [
            {
                "id": str(past.pk),
                "name": "SNS 마케팅 패키지",
                "plan_type": "일반결제",
                "price": 1500000.0,
                "currency": "krw",
                "start_date": "2023-06-01",
                "end_date": "2023-12-31",
                "status": "completed",
            }
        ],
    }


def test_client_product_from_catalogue_copies_name_plan_and_price(auth_client, user):
    client = ClientFactory(user=user)
    product = Product.objects.create(name="카카오 비즈보드 광고", plan_type="매주결제", price=700_000, created_by=user)
    response = auth_client.post(
        URL, {"client": str(client.pk), "product": str(product.pk), "start_date": "2024-03-01"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["plan_type"], body["price"], body["currency"]) == (
        "카카오 비즈보드 광고",
        "매주결제",
        700000.0,
        "krw",
    )
    assert ClientProduct.objects.get().user == user


def test_client_product_needs_name_and_price_without_catalogue(auth_client, user):
    response = auth_client.post(
        URL, {"client": str(ClientFactory(user=user).pk), "start_date": "2024-03-01"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()["fields"]


def test_end_before_start_is_400(auth_client, user):
    response = auth_client.post(
        URL,
        {
            "client": str(ClientFactory(user=user).pk),
            "name": "x",
            "price": 1,
            "start_date": "2024-03-01",
            "end_date": "2024-02-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "end_date" in response.json()["fields"]


def test_client_product_for_another_users_client_is_400(auth_client):
    response = auth_client.post(
        URL, {"client": str(ClientFactory().pk), "name": "x", "price": 1, "start_date": "2024-03-01"}, format="json"
    )
    assert response.status_code == 400 and "client" in response.json()["fields"]


def test_update_and_filter_client_products(auth_client, user):
    item = ClientProductFactory(client=ClientFactory(user=user))
    response = auth_client.patch(f"{URL}{item.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert auth_client.get(URL, {"status": "active"}).json()["count"] == 0
    assert auth_client.get(URL, {"status": "cancelled"}).json()["count"] == 1
