"""Registration never says whether an address is taken: the same 202 either way, an account that
works once its owner follows the e-mailed link, and a notice (not a second account) for a taken one."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from apps.mail.models import OutboxMessage
from testing.waiting import wait_for

URL = "/api/auth/registration/"
PASSWORD = "sales-one-2026!"


def _wait_for_outbox(to: str, timeout: float = 30.0) -> OutboxMessage:
    return wait_for(
        lambda: OutboxMessage.objects.filter(to_email=to).first(),
        what=f"an e-mail to {to}",
        timeout=timeout,
        interval=0.2,
    )


def _link_parts(text: str) -> dict:
    query = parse_qs(urlsplit(re.search(r"https?://\S+", text).group(0)).query)
    return {"uid": query["uid"][0], "token": query["token"][0]}


@pytest.mark.worker
def test_new_and_taken_addresses_get_the_same_answer_and_only_the_new_one_an_account(api_client, celery_worker_factory):
    taken = UserFactory(email="taken@example.co.kr")
    celery_worker_factory(queues="transactional")

    new = api_client.post(URL, {"email": "Kim@Example.co.kr", "password": PASSWORD, "first_name": "민준"})
    again = api_client.post(URL, {"email": "TAKEN@example.co.kr", "password": PASSWORD})
    assert new.status_code == again.status_code == 202
    assert new.json() == again.json()

    # The owner of the taken address is told, and keeps his account and password.
    notice = _wait_for_outbox("taken@example.co.kr")
    assert notice.category == "registration_taken" and "http" not in notice.text
    taken.refresh_from_db()
    assert (
        taken.check_password(DEFAULT_PASSWORD) and User.objects.filter(email__iexact="taken@example.co.kr").count() == 1
    )

    # The new account cannot log in before its address is confirmed.
    login = {"email": "kim@example.co.kr", "password": PASSWORD}
    assert api_client.post("/api/auth/login/", login).status_code == 401
    confirmation = _wait_for_outbox("kim@example.co.kr")
    assert confirmation.category == "registration_confirm"
    confirmed = api_client.post("/api/auth/registration/confirm/", _link_parts(confirmation.text))
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["user"]["email"] == "kim@example.co.kr" and confirmed.json()["access"]
    assert api_client.post("/api/auth/login/", login).status_code == 200
    # The link works once.
    reused = api_client.post("/api/auth/registration/confirm/", _link_parts(confirmation.text))
    assert reused.status_code == 400 and "token" in reused.json()["fields"]


@pytest.mark.django_db
def test_both_paths_queue_the_same_work(api_client, django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.co.kr")
    answers = []
    for email in ("new@example.co.kr", "taken@example.co.kr"):
        with django_capture_on_commit_callbacks() as callbacks:
            answers.append(api_client.post(URL, {"email": email, "password": PASSWORD}).json())
        assert len(callbacks) == 1
    assert answers[0] == answers[1]


@pytest.mark.django_db
def test_weak_password_is_rejected_by_django_validators(api_client):
    response = api_client.post(URL, {"email": "new@example.co.kr", "password": "12345678"})
    assert response.status_code == 400
    assert "password" in response.json()["fields"]
    assert not User.objects.filter(email="new@example.co.kr").exists()


@pytest.mark.django_db
def test_invalid_email_is_400(api_client):
    response = api_client.post(URL, {"email": "not-an-email", "password": PASSWORD})
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


@pytest.mark.django_db
def test_tampered_confirmation_is_400(api_client):
    for body in ({"uid": "garbage", "token": "x-y"}, {"uid": "MQ", "token": "abc-def"}):
        response = api_client.post("/api/auth/registration/confirm/", body)
        assert response.status_code == 400 and "token" in response.json()["fields"]
