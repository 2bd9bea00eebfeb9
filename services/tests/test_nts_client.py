"""The NTS business-status client against the fake API on 127.0.0.1 (testing/fake_enrichment.py)."""

import pytest

from services.enrichment.nts import NtsClient, NtsError
from testing.fake_enrichment import FakeNts


@pytest.fixture
def fake_nts():
    with FakeNts() as fake:
        yield fake


def client_for(fake, **kwargs) -> NtsClient:
    options = {"timeout": 5, "retries": 2, "backoff": 0.01, **kwargs}
    return NtsClient(base_url=fake.url, service_key=fake.service_key, **options)


def test_statuses_of_active_suspended_closed_and_unknown(fake_nts):
    fake_nts.statuses = {"1111111111": "01", "2222222222": "02", "3333333333": "03"}
    fake_nts.end_dates = {"3333333333": "20240131"}
    found = client_for(fake_nts).statuses(["1111111111", "2222222222", "3333333333", "4444444444"])
    assert {number: status.status_code for number, status in found.items()} == {
        "1111111111": "01",
        "2222222222": "02",
        "3333333333": "03",
        "4444444444": "",
    }
    assert found["3333333333"].status_name == "폐업자"
    assert found["3333333333"].end_date == "20240131"
    assert "등록되지 않은" in found["4444444444"].tax_type
    assert fake_nts.refused == []


def test_250_numbers_go_in_calls_of_at_most_100(fake_nts):
    numbers = [f"{n:010d}" for n in range(1, 251)]
    found = client_for(fake_nts).statuses(numbers)
    assert len(found) == 250
    assert [len(batch) for batch in fake_nts.requests] == [100, 100, 50]
    assert fake_nts.refused == []


def test_a_repeated_number_is_asked_once(fake_nts):
    client_for(fake_nts).statuses(["1111111111", "1111111111"])
    assert fake_nts.requests == [["1111111111"]]


def test_an_outage_is_retried_with_backoff(fake_nts):
    fake_nts.statuses = {"1111111111": "03"}
    fake_nts.script = [503, 429]
    found = client_for(fake_nts).statuses(["1111111111"])
    assert found["1111111111"].status_code == "03"
    assert fake_nts.script == []


def test_an_outage_longer_than_the_retries_is_an_error(fake_nts):
    fake_nts.script = [503, 503, 503, 503]
    with pytest.raises(NtsError, match="503"):
        client_for(fake_nts, retries=2).statuses(["1111111111"])


def test_a_wrong_key_is_an_error_at_once(fake_nts):
    client = NtsClient(base_url=fake_nts.url, service_key="wrong", timeout=5, retries=3, backoff=0.01)
    with pytest.raises(NtsError, match="401"):
        client.statuses(["1111111111"])
    assert fake_nts.refused == ["bad serviceKey"]


def test_no_key_configured_is_a_clear_error():
    with pytest.raises(NtsError, match="NTS_SERVICE_KEY"):
        NtsClient(base_url="http://127.0.0.1:9", service_key="", timeout=1)
