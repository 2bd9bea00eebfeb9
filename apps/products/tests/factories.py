import factory

from apps.accounts.tests.factories import UserFactory
from apps.products.models import Product


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"네이버 검색 CPC 광고 {n}")
    plan_type = Product.PlanType.MONTHLY
    price = 2_500_000
    currency = "krw"
    description = "검색광고 운영 대행"
    created_by = factory.SubFactory(UserFactory)
