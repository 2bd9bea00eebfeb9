import factory

from apps.accounts.tests.factories import UserFactory
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


class LeadListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadList

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"수도권 제조업 {n}")
    description = "월매출 5억 이상"
