"""Double opt-in: the address gets a signed link by transactional mail, in Korean; the public page
asks (a link scanner's GET consents to nothing), its POST records the consent, and the confirmation
of the consent goes out the same way (정보통신망법 제50조⑦)."""

import re
from urllib.parse import urlsplit

import pytest

from apps.consent.models import ConsentEvent
from apps.mail.models import OutboxMessage
from testing.waiting import wait_for


def _wait_for_outbox(to: str, subject_part: str, timeout: float = 30.0) -> OutboxMessage:
    return wait_for(
        lambda: OutboxMessage.objects.filter(to_email=to, category="consent", subject__contains=subject_part).first(),
        what=f"a consent e-mail ({subject_part}) to {to}",
        timeout=timeout,
        interval=0.2,
    )


@pytest.mark.worker
def test_opt_in_link_confirms_consent_and_the_recipient_is_told(auth_client, user, client, celery_worker_factory):
    celery_worker_factory(queues="transactional")
    response = auth_client.post(
        "/api/consent/events/opt-in-requests/", {"email": "CEO@Nexpa.co.kr", "source": "홈페이지 뉴스레터 폼"}
    )
    assert response.status_code == 201 and response.json()["kind"] == "requested"

    request_mail = _wait_for_outbox("ceo@nexpa.co.kr", "수신동의 확인 요청")
    path = urlsplit(re.search(r"https?://\S+", request_mail.text).group(0)).path
    page = client.get(path)
    assert page.status_code == 200 and "수신동의" in page.content.decode() and 'method="post"' in page.content.decode()
    assert not ConsentEvent.objects.filter(kind="granted").exists()  # a GET consents to nothing

    done = client.post(path, {"confirm": "1"})
    assert done.status_code == 200 and "수신동의가 완료되었습니다" in done.content.decode()
    client.post(path, {"confirm": "1"})  # twice: recorded once
    granted = ConsentEvent.objects.get(kind="granted")
    assert (granted.user, granted.email, granted.basis) == (user, "ceo@nexpa.co.kr", "opt_in_form")
    assert "홈페이지 뉴스레터 폼" in granted.evidence_text

    notice = _wait_for_outbox("ceo@nexpa.co.kr", "수신동의 처리 결과")
    assert "처리 결과: 수신동의" in notice.text
    state = auth_client.get("/api/consent/events/state/", {"email": "ceo@nexpa.co.kr"}).json()
    assert state["advertising_allowed"] is True


@pytest.mark.django_db
def test_a_tampered_link_is_400(client):
    response = client.get("/api/consent/confirm/not-a-token/")
    assert response.status_code == 400 and "링크를 확인할 수 없습니다" in response.content.decode()
    assert client.post("/api/consent/confirm/not-a-token/", {"confirm": "1"}).status_code == 400
    assert not ConsentEvent.objects.exists()
