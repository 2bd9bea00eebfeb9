import contextlib
import socket

import pytest

from services.email.mailgun import MailgunProvider
from services.email.sendgrid import SendGridProvider
from testing.fake_email_providers import FakeMailgun, FakeSendGrid


@pytest.fixture
def unanswered_port():
    """A loopback port whose listen queue is full: a connect there waits (its SYN is dropped), as to
    a host that is down or firewalled, until the client's connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # completes in the kernel's queue, never accepted
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for sock in (*fillers, server):
        sock.close()


@pytest.fixture
def closed_port():
    """A loopback port nobody listens on: a connect there is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake_sendgrid():
    fake = FakeSendGrid()
    yield fake
    fake.stop()


@pytest.fixture
def fake_mailgun():
    fake = FakeMailgun()
    yield fake
    fake.stop()


@pytest.fixture
def sendgrid(fake_sendgrid):
    """The real SendGrid client (its SDK) pointed at the fake."""
    return SendGridProvider(api_key=fake_sendgrid.api_key, host=fake_sendgrid.url, timeout=5.0)


@pytest.fixture
def mailgun(fake_mailgun):
    """The real Mailgun client (requests) pointed at the fake."""
    return MailgunProvider(
        api_key=fake_mailgun.api_key, domain=fake_mailgun.domain, base_url=f"{fake_mailgun.url}/v3", timeout=5.0
    )
