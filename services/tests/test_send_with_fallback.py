"""The provider fallback loop shared by transactional mail and campaigns: the next provider only
when the one before certainly did not accept the mail. Real clients against two fakes."""

import pytest

from services.email import EmailMessage, PermanentEmailError, TransientEmailError, send_with_fallback

MESSAGE = EmailMessage(to="kim@repurehc.com", subject="[SalesOne] 미팅 일정 안내", html="<p>목요일 오후 3시</p>")


@pytest.fixture
def providers(sendgrid, mailgun):
    return [sendgrid, mailgun]


def _send(provider):
    return provider.send(MESSAGE)


def test_an_outage_passes_the_mail_to_the_next_provider(providers, fake_sendgrid, fake_mailgun):
    fake_sendgrid.script = [503]
    declined = []

    result = send_with_fallback(_send, providers=providers, on_declined=lambda p: declined.append(p.name))

    assert result.provider == "mailgun" and declined == ["sendgrid"]
    assert fake_sendgrid.recipients() == [] and fake_mailgun.recipients() == ["kim@repurehc.com"]


def test_an_unknown_outcome_is_never_sent_by_the_next_provider(providers, fake_sendgrid, fake_mailgun):
    providers[0].timeout = 0.3
    fake_sendgrid.latency = 1.0

    with pytest.raises(TransientEmailError) as raised:
        send_with_fallback(_send, providers=providers)
    assert raised.value.outcome_unknown
    assert fake_mailgun.request_count == 0


def test_a_refused_message_is_final(providers, fake_sendgrid, fake_mailgun):
    fake_sendgrid.script = [400]

    with pytest.raises(PermanentEmailError) as raised:
        send_with_fallback(_send, providers=providers)
    assert not raised.value.affects_all
    assert fake_mailgun.request_count == 0


def test_a_refused_account_passes_to_the_next_provider_unless_told_otherwise(providers, fake_sendgrid, fake_mailgun):
    fake_sendgrid.script = [401]
    assert send_with_fallback(_send, providers=providers).provider == "mailgun"

    fake_sendgrid.script = [401]
    with pytest.raises(PermanentEmailError) as raised:
        send_with_fallback(_send, providers=providers, next_on_refused_account=False)
    assert raised.value.affects_all
    assert fake_mailgun.request_count == 1  # only the first call reached it


def test_every_account_refused_says_each_refusal(providers, fake_sendgrid, fake_mailgun):
    fake_sendgrid.script = [401]
    fake_mailgun.script = [403]

    with pytest.raises(PermanentEmailError) as raised:
        send_with_fallback(_send, providers=providers)
    assert raised.value.affects_all
    assert "SendGrid refused the credentials (401)" in str(raised.value)
    assert "Mailgun refused the credentials (403)" in str(raised.value)


def test_an_outage_and_a_refused_account_is_an_outage_to_wait_out(providers, fake_sendgrid, fake_mailgun):
    fake_sendgrid.script = [429]
    fake_mailgun.script = [401]

    with pytest.raises(TransientEmailError) as raised:
        send_with_fallback(_send, providers=providers)
    assert raised.value.retry_after == 1.0  # SendGrid's Retry-After


def test_a_provider_whose_rate_limit_asks_to_wait_is_passed_over(providers, fake_sendgrid, fake_mailgun):
    waits = {"sendgrid": 12.5, "mailgun": 0.0}

    result = send_with_fallback(_send, providers=providers, wait_for=lambda p: waits[p.name])

    assert result.provider == "mailgun" and fake_sendgrid.request_count == 0

    waits["mailgun"] = 3.0
    with pytest.raises(TransientEmailError, match="mailgun rate limit") as raised:
        send_with_fallback(_send, providers=providers, wait_for=lambda p: waits[p.name])
    assert raised.value.retry_after == 3.0


def test_no_provider_is_a_transient_error_that_says_so():
    with pytest.raises(TransientEmailError, match="No e-mail provider is configured"):
        send_with_fallback(_send, providers=[])
