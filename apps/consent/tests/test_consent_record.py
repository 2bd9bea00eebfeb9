"""Recording consent through the API: the bases the law accepts, evidence required for imports, the
ledger append-only and scoped to its owner, the current state derived from the latest event."""

import pytest

from apps.consent.models import ConsentEvent
from apps.consent.services import consent_grant
from apps.mail.models import SuppressedAddress

pytestmark = pytest.mark.django_db
URL = "/api/consent/events/"


def test_import_consent_without_evidence_is_400(auth_client):
    response = auth_client.post(
        URL, {"email": "ceo@nexpa.co.kr", "kind": "granted", "basis": "import_evidence"}, format="json"
    )
    assert response.status_code == 400
    assert "evidence_text" in response.json()["fields"]
    assert not ConsentEvent.objects.exists()


def test_existing_customer_needs_the_deal_date(auth_client):
    response = auth_client.post(
        URL, {"email": "ceo@nexpa.co.kr", "kind": "granted", "basis": "existing_customer"}, format="json"
    )
    assert response.status_code == 400 and "deal_date" in response.json()["fields"]


def test_a_grant_without_basis_is_400(auth_client):
    response = auth_client.post(URL, {"email": "ceo@nexpa.co.kr", "kind": "granted"}, format="json")
    assert response.status_code == 400 and "basis" in response.json()["fields"]


def test_grant_then_withdraw_derives_the_state_and_suppresses(auth_client, user):
    granted = auth_client.post(
        URL,
        {
            "email": "CEO@Nexpa.co.kr",
            "kind": "granted",
            "basis": "import_evidence",
            "evidence_text": "2026-11 박람회 명함, 수신동의 서명",
            "source": "박람회",
        },
        format="json",
    )
    assert granted.status_code == 201
    assert granted.json()["email"] == "ceo@nexpa.co.kr" and granted.json()["actor_email"] == user.email
    state = auth_client.get(f"{URL}state/", {"email": "ceo@nexpa.co.kr"}).json()
    assert state["advertising_allowed"] is True and state["latest"]["kind"] == "granted"

    assert auth_client.post(URL, {"email": "ceo@nexpa.co.kr", "kind": "withdrawn"}, format="json").status_code == 201
    state = auth_client.get(f"{URL}state/", {"email": "ceo@nexpa.co.kr"}).json()
    assert state["advertising_allowed"] is False and state["refusal"] == "withdrawn"
    assert SuppressedAddress.objects.filter(email="ceo@nexpa.co.kr").exists()
    # A second opt-out is refused, and nothing is recorded twice.
    assert auth_client.post(URL, {"email": "ceo@nexpa.co.kr", "kind": "withdrawn"}, format="json").status_code == 409
    assert ConsentEvent.objects.count() == 2


def test_an_event_is_never_changed():
    event = consent_grant(
        user=ConsentEvent._meta.get_field("user").related_model.objects.create_user("a@b.kr", "x"),
        email="ceo@nexpa.co.kr",
        basis="opt_in_form",
        notify=False,
    )
    event.source = "edited"
    with pytest.raises(ValueError):
        event.save()


def test_the_ledger_lists_only_your_addresses(auth_client, other_client, user):
    consent_grant(user=user, email="ceo@nexpa.co.kr", basis="opt_in_form", notify=False)
    assert auth_client.get(URL).json()["count"] == 1
    assert other_client.get(URL).json()["count"] == 0
    event_id = ConsentEvent.objects.get().pk
    assert other_client.get(f"{URL}{event_id}/").status_code == 404


def test_state_needs_a_valid_address(auth_client):
    assert auth_client.get(f"{URL}state/", {"email": "not an address"}).status_code == 400


def test_daily_limit_is_409(auth_client, settings):
    settings.CONSENT_EVENTS_PER_DAY = 1
    body = {"email": "a@nexpa.co.kr", "kind": "granted", "basis": "opt_in_form"}
    assert auth_client.post(URL, body, format="json").status_code == 201
    response = auth_client.post(URL, {**body, "email": "b@nexpa.co.kr"}, format="json")
    assert response.status_code == 409 and "CONSENT_EVENTS_PER_DAY" in response.json()["detail"]


def test_a_json_body_with_a_lone_surrogate_is_a_400_that_says_why(auth_client):
    """The ledger's JSON body goes through the API's parser: a "\\ud800" escape is valid JSON but not
    text, which no column can hold (it was a 500 from the database)."""
    body = '{"email": "ceo@nexpa.co.kr", "kind": "granted", "basis": "opt_in_form", "source": "form \\ud800"}'
    response = auth_client.post(URL, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in response.json()["detail"]
    assert not ConsentEvent.objects.exists()
