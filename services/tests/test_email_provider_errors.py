"""What each provider client makes of the ways a request can fail, against fakes on 127.0.0.1: an
outage is transient (worth the next provider or a retry), a refusal of our account affects every
message, a refusal of a message is that message's, and a request that left us without an answer
has an unknown outcome (never sent again automatically)."""

import pytest

from services.email import EmailMessage, PermanentEmailError, TransientEmailError
from services.email.mailgun import MailgunProvider
from services.email.sendgrid import SendGridProvider


def _message(to: str = "kim@repurehc.com") -> EmailMessage:
    return EmailMessage(to=to, subject="[SalesOne] 견적 문의 답변", html="<p>견적서를 보내드립니다.</p>", text="견적서")


@pytest.fixture(params=["sendgrid", "mailgun"])
def provider_and_fake(request):
    """Each test runs against both clients, each pointed at its own fake."""
    fake = request.getfixturevalue(f"fake_{request.param}")
    return request.getfixturevalue(request.param), fake


def test_rate_limit_is_transient_with_the_providers_retry_after(provider_and_fake):
    provider, fake = provider_and_fake
    fake.script = [429]

    with pytest.raises(TransientEmailError) as raised:
        provider.send_batch([_message()])
    assert raised.value.retry_after == 1.0 and not raised.value.outcome_unknown
    assert fake.recipients() == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_is_transient_and_certainly_not_sent(provider_and_fake, status):
    provider, fake = provider_and_fake
    fake.script = [status]

    with pytest.raises(TransientEmailError, match=str(status)) as raised:
        provider.send_batch([_message()])
    assert not raised.value.outcome_unknown


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_affect_every_message(provider_and_fake, status):
    provider, fake = provider_and_fake
    fake.script = [status]

    with pytest.raises(PermanentEmailError) as raised:
        provider.send_batch([_message(), _message("lee@repurehc.com")])
    assert raised.value.affects_all


def test_a_wrong_api_key_is_a_refused_account(fake_sendgrid, fake_mailgun):
    sendgrid = SendGridProvider(api_key="revoked", host=fake_sendgrid.url, timeout=5.0)
    mailgun = MailgunProvider(api_key="revoked", domain=fake_mailgun.domain, base_url=f"{fake_mailgun.url}/v3")

    for provider in (sendgrid, mailgun):
        with pytest.raises(PermanentEmailError) as raised:
            provider.send(_message())
        assert raised.value.affects_all


def test_a_refused_request_fails_its_messages_not_the_batch(provider_and_fake):
    provider, fake = provider_and_fake
    fake.script = [400]

    results = provider.send_batch([_message(), _message("lee@repurehc.com")])

    assert [r.accepted for r in results] == [False, False]
    assert all("400" in r.error and not r.transient for r in results)
    with pytest.raises(PermanentEmailError):  # one message: send() raises the refusal
        fake.script = [400]
        provider.send(_message())


def test_sendgrid_refusing_one_personalization_sends_the_others(sendgrid, fake_sendgrid):
    results = sendgrid.send_batch([_message(), _message("not-an-address"), _message("lee@repurehc.com")])

    assert [r.accepted for r in results] == [True, False, True]
    assert "Invalid email" in results[1].error
    assert sorted(fake_sendgrid.recipients()) == ["kim@repurehc.com", "lee@repurehc.com"]
    assert fake_sendgrid.request_count == 2  # the refused request, then the same without the bad one


def test_connection_refused_is_transient_and_certainly_not_sent(closed_port):
    url = f"http://127.0.0.1:{closed_port}"
    for provider in (
        SendGridProvider(api_key="k", host=url, timeout=2.0),
        MailgunProvider(api_key="k", domain="mg.example.co.kr", base_url=f"{url}/v3", timeout=2.0),
    ):
        with pytest.raises(TransientEmailError, match="unreachable") as raised:
            provider.send(_message())
        assert not raised.value.outcome_unknown


def test_connect_timeout_is_transient_and_certainly_not_sent(unanswered_port):
    url = f"http://127.0.0.1:{unanswered_port}"
    for provider in (
        SendGridProvider(api_key="k", host=url, timeout=0.3),
        MailgunProvider(api_key="k", domain="mg.example.co.kr", base_url=f"{url}/v3", timeout=0.3),
    ):
        with pytest.raises(TransientEmailError) as raised:
            provider.send(_message())
        assert not raised.value.outcome_unknown, provider.name


def test_no_answer_after_the_request_was_sent_is_an_unknown_outcome(fake_sendgrid, fake_mailgun):
    """The fake accepts the message, but answers after the client's read timeout: it may deliver it."""
    fake_sendgrid.latency = fake_mailgun.latency = 1.0
    for provider, fake in (
        (SendGridProvider(api_key=fake_sendgrid.api_key, host=fake_sendgrid.url, timeout=0.3), fake_sendgrid),
        (
            MailgunProvider(
                api_key=fake_mailgun.api_key, domain=fake_mailgun.domain, base_url=f"{fake_mailgun.url}/v3", timeout=0.3
            ),
            fake_mailgun,
        ),
    ):
        with pytest.raises(TransientEmailError) as raised:
            provider.send(_message())
        assert raised.value.outcome_unknown, provider.name
        assert fake.request_count == 1
