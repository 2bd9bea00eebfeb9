import pytest

from apps.products.models import Product
from apps.products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
URL = "/api/products/"

PAYLOAD = {
    "name": "네이버 검색 CPC 광고",
    "plan_type": "매월결제",
    "price": 2500000,
    "currency": "KRW",
    "description": "x",
}


def test_create_sets_creator_and_normalises_currency(auth_client, user):
    response = auth_client.post(URL, PAYLOAD)
    assert response.status_code == 201
    body = response.json()
    assert body["created_by"] == {"id": str(user.id), "email": user.email}
    assert body["currency"] == "krw"
    assert body["price"] == 2500000  # a JSON number, not a string


@pytest.mark.parametrize(
    "change, field",
    [
        ({"plan_type": "매일결제"}, "plan_type"),
        ({"price": -1}, "price"),
        ({"currency": "won!"}, "currency"),
        ({"name": ""}, "name"),
    ],
)
def test_create_validation_errors_name_the_field(auth_client, change, field):
    response = auth_client.post(URL, {**PAYLOAD, **change})
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Product.objects.exists()


def test_every_user_reads_the_shared_catalogue(auth_client):
    product = ProductFactory()
    assert auth_client.get(f"{URL}{product.id}/").status_code == 200
    assert auth_client.get(URL).json()["count"] == 1


def test_only_creator_changes_or_deletes(auth_client, other_client, user):
    product = ProductFactory(created_by=user)
    assert other_client.put(f"{URL}{product.id}/", PAYLOAD).status_code == 403
    assert other_client.delete(f"{URL}{product.id}/").status_code == 403
    assert auth_client.put(f"{URL}{product.id}/", {**PAYLOAD, "price": 3000000}).json()["price"] == 3000000
    assert auth_client.delete(f"{URL}{product.id}/").status_code == 204


def test_staff_change_any_product(other_client, other_user):
    other_user.is_staff = True
    other_user.save()
    product = ProductFactory()
    assert other_client.patch(f"{URL}{product.id}/", {"price": 1}).status_code == 200


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_filters_search_and_ordering(auth_client):
    ProductFactory(name="SNS 마케팅 패키지", plan_type="일반결제", price=1_500_000)
    ProductFactory(name="카카오 비즈보드", plan_type="매주결제", price=700_000, currency="usd")
    ProductFactory(name="네이버 검색 광고", plan_type="매월결제", price=2_500_000)
    assert [p["name"] for p in auth_client.get(URL, {"plan_type": "매주결제"}).json()["results"]] == ["카카오 비즈보드"]
    assert auth_client.get(URL, {"currency": "usd"}).json()["count"] == 1
    assert auth_client.get(URL, {"search": "마케팅"}).json()["results"][0]["name"] == "SNS 마케팅 패키지"
    prices = [p["price"] for p in auth_client.get(URL, {"ordering": "price"}).json()["results"]]
    assert prices == sorted(prices)
    prices = [p["price"] for p in auth_client.get(URL, {"ordering": "-price"}).json()["results"]]
    assert prices == sorted(prices, reverse=True)
