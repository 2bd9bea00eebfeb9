import pytest

from apps.products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_list_shape_and_page_size(auth_client):
    ProductFactory.create_batch(25)
    first = auth_client.get("/api/products/").json()
    assert set(first) == {"count", "next", "previous", "page_size", "results"}
    assert first["count"] == 25 and len(first["results"]) == 20
    assert first["previous"] is None and "page=2" in first["next"]
    second = auth_client.get("/api/products/", {"page": 2}).json()
    assert len(second["results"]) == 5 and second["next"] is None


def test_page_size_is_capped_at_100(auth_client):
    ProductFactory.create_batch(105)
    assert len(auth_client.get("/api/products/", {"page_size": 500}).json()["results"]) == 100
    assert len(auth_client.get("/api/products/", {"page_size": 7}).json()["results"]) == 7


def test_page_out_of_range_is_404(auth_client):
    assert auth_client.get("/api/products/", {"page": 99}).status_code == 404
