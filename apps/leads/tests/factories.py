import datetime

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.consent.models import ConsentEvent
from apps.leads.models import Lead, LeadList
from apps.salesone_leads.models import Industry
from common.korean_ids import business_check_digit, corporation_check_digit


def valid_business_number(n: int) -> str:
    first_nine = f"{118_81_0000 + n:09d}"[-9:]
    return f"{first_nine}{business_check_digit(first_nine)}"


def valid_corporation_number(n: int) -> str:
    first_twelve = f"{110111_000000 + n:012d}"[-12:]
    return f"{first_twelve}{corporation_check_digit(first_twelve)}"


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = "기타 제조업"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"(주)한빛테크{n}")
    owner = "이경남"
    email = factory.Sequence(lambda n: f"ceo{n}@hanbit{n}.co.kr")
    phone = "02-849-7976"
    homepage = factory.Sequence(lambda n: [f"hanbit{n}.co.kr"])
    corporation_number = factory.Sequence(valid_corporation_number)
    business_number = factory.Sequence(valid_business_number)
    employee = 16
    revenue = 21_857_000_000
    address = "서울특별시 영등포구 도신로 148 (신길동)"
    si_nm = "서울특별시"
    sgg_nm = "영등포구"

    @factory.post_generation
    def consent(self, create, extracted, **kwargs):
        """Test leads have a valid basis for advertising mail (정보통신망법 제50조), as a customer's real
        leads must, so campaigns send to them; ``consent=False`` leaves the address without one."""
        if create and extracted is not False and self.email:
            # Given a year before now: valid for tests that travel in time up to a year either way.
            ConsentEvent.objects.create(
                user=self.user,
                email=self.email,
                kind=ConsentEvent.Kind.GRANTED,
                basis=ConsentEvent.Basis.IMPORT_EVIDENCE,
                source="test factory",
                evidence_text="test data",
                occurred_at=timezone.now() - datetime.timedelta(days=365),
            )


class LeadListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadList

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"수도권 제조업 {n}")
    description = "월매출 5억 이상"
