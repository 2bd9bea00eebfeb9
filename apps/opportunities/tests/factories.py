import factory

from apps.accounts.tests.factories import UserFactory
from apps.opportunities.models import Opportunity


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"네이버 검색광고 연간 계약 {n}")
    source = "website"
    status = Opportunity.Status.NEW
    value = 2_500_000
    notes = ""
