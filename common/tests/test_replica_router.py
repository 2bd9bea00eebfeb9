"""DATABASE_REPLICA_URL: the national company search reads the replica, a second database on this
machine here (a copy of the test database's schema holding other rows than the primary); writes,
other models and reads inside a transaction stay on the primary."""

import subprocess

import psycopg
import pytest
from django.db import connections, transaction

from apps.salesone_leads.models import Industry, SalesOneLead
from apps.salesone_leads.tests.factories import IndustryFactory, SalesOneLeadFactory

pytestmark = pytest.mark.django_db(databases=["default", "replica"])


def _admin_sql(primary: dict, statement: str) -> None:
    with psycopg.connect(
        host=primary["HOST"] or "127.0.0.1",
        port=primary["PORT"] or 5432,
        user=primary["USER"],
        password=primary["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(statement)


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup):
    """A second database with the primary's schema, configured as ``replica`` for this module's tests
    (module-scoped: the alias exists before each test declares it, as DATABASE_REPLICA_URL makes it)."""
    primary = connections["default"].settings_dict
    name = primary["NAME"] + "_replica"
    _admin_sql(primary, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_sql(primary, f'CREATE DATABASE "{name}"')
    libpq = ["-h", primary["HOST"] or "127.0.0.1", "-p", str(primary["PORT"] or 5432), "-U", primary["USER"]]
    schema = subprocess.run(
        ["pg_dump", *libpq, "--schema-only", "--no-owner", primary["NAME"]], capture_output=True, check=True
    ).stdout
    subprocess.run(["psql", *libpq, "-q", "-v", "ON_ERROR_STOP=1", name], input=schema, capture_output=True, check=True)
    connections.settings["replica"] = {**primary, "NAME": name}
    try:
        yield "replica"
    finally:
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]
        _admin_sql(primary, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _on_replica(name: str) -> SalesOneLead:
    industry = IndustryFactory.build(code="J99001", name="복제 서비스업")
    industry.save(using="replica")
    company = SalesOneLeadFactory.build(name=name, industry=industry, industry_name=industry.name)
    company.save(using="replica")
    return company


def test_the_company_search_reads_the_replica(auth_client):
    SalesOneLeadFactory(name="주식회사 프라이머리")
    _on_replica("주식회사 레플리카")
    body = auth_client.get("/api/salesone-leads/", {"q": "주식회사"}).json()
    assert [row["name"] for row in body["results"]] == ["주식회사 레플리카"]
    industries = auth_client.get("/api/salesone-leads/", {"q": "레플리카"}).json()["results"]
    assert industries[0]["industry_name"] == "복제 서비스업"


def test_writes_transactions_and_other_models_stay_on_the_primary(auth_client):
    SalesOneLeadFactory(name="주식회사 프라이머리")
    _on_replica("주식회사 레플리카")
    assert list(SalesOneLead.objects.values_list("name", flat=True)) == ["주식회사 레플리카"]
    with transaction.atomic():  # a transaction reads what it (or the primary) holds
        assert list(SalesOneLead.objects.values_list("name", flat=True)) == ["주식회사 프라이머리"]
    Industry.objects.create(code="J99002", name="쓰기 테스트업")  # a write: the primary
    assert Industry.objects.using("default").filter(code="J99002").exists()
    assert not Industry.objects.using("replica").filter(code="J99002").exists()
    assert auth_client.get("/api/leads/").status_code == 200  # leads are not routed: primary only


def test_a_head_walk_page_reads_the_replica(auth_client, monkeypatch):
    """Tier 2 walked by the name's head runs in its own transaction (SET LOCAL enable_sort): that
    block is on the replica, so the page still comes from the replica."""
    from apps.salesone_leads import selectors

    monkeypatch.setattr(selectors, "RELEVANCE_CONFIRM", 1)
    SalesOneLeadFactory(name="한빛 프라이머리", name_eng="Hanbit Primary")
    on_replica = [_on_replica("한빛 레플리카")]
    on_replica[0].name_eng = "Hanbit Replica"
    on_replica[0].save(using="replica")
    search = selectors.salesone_lead_search(filters={"q": "한빛 hanbit"})
    assert search._walks_head()
    body = auth_client.get("/api/salesone-leads/", {"q": "한빛 hanbit"}).json()
    assert [row["name"] for row in body["results"]] == ["한빛 레플리카"]
