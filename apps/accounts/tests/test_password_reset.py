import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.models import User
from apps.accounts.services import password_reset_send
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from apps.mail.models import OutboxMessage
from testing.waiting import wait_for

NEW_PASSWORD = "새비밀번호-Strong-2026"


def _link_parts(text: str) -> dict:
    url = re.search(r"https?://\S+", text).group(0)
    query = parse_qs(urlsplit(url).query)
    return {"uid": query["uid"][0], "token": query["token"][0]}


def _wait_for_outbox(to: str, timeout: float = 30.0) -> OutboxMessage:
    return wait_for(
        lambda: OutboxMessage.objects.filter(to_email=to, category="password_reset").first(),
        what=f"a password-reset e-mail to {to}",
        timeout=timeout,
        interval=0.2,
    )


@pytest.mark.worker
def test_reset_link_by_transactional_mail_sets_the_password_once_and_ends_sessions(api_client, celery_worker_factory):
    user = UserFactory(email="reset@example.co.kr")
    login = api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}).json()
    celery_worker_factory(queues="transactional")

    response = api_client.post("/api/auth/password-reset/", {"email": "RESET@example.co.kr"})
    assert response.status_code == 202
    link = _link_parts(_wait_for_outbox(user.email).text)

    confirm = api_client.post("/api/auth/password-reset/confirm/", {**link, "new_password": NEW_PASSWORD})
    assert confirm.status_code == 200, confirm.json()
    assert api_client.post("/api/auth/login/", {"email": user.email, "password": NEW_PASSWORD}).status_code == 200
    assert api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 401
    # The session opened with the old password is over, and the link works only once.
    assert api_client.post("/api/auth/token/refresh/", {"refresh": login["refresh"]}).status_code == 401
    again = api_client.post("/api/auth/password-reset/confirm/", {**link, "new_password": "Another-Pass-2026"})
    assert again.status_code == 400 and "token" in again.json()["fields"]


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer_and_the_same_work(api_client, django_capture_on_commit_callbacks):
    """The request only queues the lookup, so it takes as long for an unknown address as for a known one."""
    UserFactory(email="known@example.co.kr")
    with django_capture_on_commit_callbacks() as callbacks:
        unknown = api_client.post("/api/auth/password-reset/", {"email": "nobody@example.co.kr"})
    assert unknown.status_code == 202 and len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        known = api_client.post("/api/auth/password-reset/", {"email": "known@example.co.kr"})
    assert known.json() == unknown.json() and len(callbacks) == 1


@pytest.mark.django_db
def test_the_worker_mails_a_known_address_only(django_capture_on_commit_callbacks):
    UserFactory(email="known@example.co.kr")
    with django_capture_on_commit_callbacks() as callbacks:
        password_reset_send(email="nobody@example.co.kr")
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        password_reset_send(email="KNOWN@example.co.kr")
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_tampered_token_or_uid_is_400_and_changes_nothing(api_client):
    user = UserFactory()
    for body in (
        {"uid": "garbage", "token": "x-y", "new_password": NEW_PASSWORD},
        {"uid": "MQ", "token": "abc-def", "new_password": NEW_PASSWORD},
    ):
        response = api_client.post("/api/auth/password-reset/confirm/", body)
        assert response.status_code == 400 and "token" in response.json()["fields"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_weak_new_password_is_400_and_the_link_still_works(api_client):
    user = UserFactory()
    link = {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
    weak = api_client.post("/api/auth/password-reset/confirm/", {**link, "new_password": "1234"})
    assert weak.status_code == 400 and "new_password" in weak.json()["fields"]
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)
    strong = api_client.post("/api/auth/password-reset/confirm/", {**link, "new_password": NEW_PASSWORD})
    assert strong.status_code == 200


@pytest.mark.django_db
def test_one_inbox_cannot_be_flooded(api_client):
    UserFactory(email="flood@example.co.kr")
    body = {"email": "flood@example.co.kr"}
    codes = [api_client.post("/api/auth/password-reset/", body).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
