"""An opt-out from a campaign's unsubscribe page is recorded in the ledger and confirmed to the
recipient by transactional mail, in Korean (정보통신망법 제50조⑦), once however often it is posted."""

import time
from urllib.parse import urlsplit

import pytest

from apps.campaigns.tracking import unsubscribe_url
from apps.consent.models import ConsentEvent
from apps.mail.models import OutboxMessage
from apps.tracking.tests.factories import ResultFactory


@pytest.mark.worker
def test_unsubscribe_records_the_withdrawal_and_confirms_it(client, celery_worker_factory):
    celery_worker_factory(queues="transactional")
    result = ResultFactory(email="CEO@Nexpa.co.kr")
    path = urlsplit(unsubscribe_url(result.id)).path
    for _ in range(2):
        assert client.post(path, {"confirm": "1"}).status_code == 200

    withdrawn = ConsentEvent.objects.get(kind="withdrawn")
    assert (withdrawn.user_id, withdrawn.email) == (result.campaign.user_id, "ceo@nexpa.co.kr")
    deadline = time.monotonic() + 30
    while not OutboxMessage.objects.filter(category="consent").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # a second notice, were one queued, would be in the outbox by now
    [notice] = OutboxMessage.objects.filter(category="consent")
    assert notice.to_email == "ceo@nexpa.co.kr" and "수신거부 처리 결과" in notice.subject
    assert "처리 결과: 수신거부" in notice.text
