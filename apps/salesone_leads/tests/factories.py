import factory

from apps.salesone_leads.generator import business_number_for, corporation_number_for
from apps.salesone_leads.models import Industry, Keyword, SalesOneLead


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"J{62000 + n:05d}")
    name = factory.Sequence(lambda n: f"소프트웨어 서비스업 {n}")


class KeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Keyword
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"키워드{n}")


class SalesOneLeadFactory(factory.django.DjangoModelFactory):
    """A company with valid check digits; numbers come from a high index range no generated file uses."""

    class Meta:
        model = SalesOneLead
        skip_postgeneration_save = True

    corporation_number = factory.Sequence(lambda n: corporation_number_for(9_000_000 + n))
    business_number = factory.Sequence(lambda n: business_number_for(4_000_000 + n))
    name = factory.Sequence(lambda n: f"주식회사 한결테크{n}")
    owner = "김민준"
    industry = factory.SubFactory(IndustryFactory)
    industry_name = factory.SelfAttribute("industry.name")
    email = "info@example.co.kr"
    phone = "02-1234-5678"
    homepage = factory.LazyFunction(lambda: ["example.co.kr"])
    employee = 10
    finance_year = 2023
    finance_revenue = 1_000_000_000
    address = "경기도 성남시 분당구 판교역로 1"
    si_nm = "경기도"
    sgg_nm = "성남시 분당구"
    established_date = factory.Faker("date_between", start_date="-30y", end_date="-1y")
    is_corporation = True
    is_normal_taxpayer = True

    @factory.post_generation
    def keywords(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.keywords.set(extracted)
